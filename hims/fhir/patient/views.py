"""The /fhir/R4/Patient endpoints: authenticate, authorize, one service or selector call, respond.

- `GET Patient/{id}` read, `GET Patient?...` search (both logged per patient shown);
- `POST Patient` create through `patient_register` (channel api): suspected duplicates give
  409 unless the client sends `X-HIMS-Confirm-New: true`; an `Idempotency-Key` makes a
  retried create replay the first answer (hims.core.idempotency);
- `PUT Patient/{id}` full replace of the demographics through `patient_update`;
- `POST Patient/$match` scored candidates from `candidate_list`.

Writes and `$match` need an API token (hims.fhir.http.token_require) and a staff role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from fhir.resources.R4B.parameters import Parameters
from fhir.resources.R4B.patient import Patient as FhirPatient

from hims.core.errors import Conflict, ValidationFailed
from hims.core.idempotency import idempotent_call
from hims.core.responses import fhir_response
from hims.fhir import bundles
from hims.fhir.body import MAX_ISSUES, json_body, resource_validated
from hims.fhir.errors import FhirError
from hims.fhir.http import fhir_endpoint_allowing, token_require, user_require
from hims.fhir.patient.access import (
    PatientReader,
    forbidden,
    patient_read_log,
    patient_reader_for,
    patient_refusal_log,
    patients_search_log,
)
from hims.fhir.patient.mapping import PatientInput, patient_input, patient_resource
from hims.fhir.patient.outcome import FhirIssues, Issue
from hims.fhir.patient.search import patient_search_parse, patient_search_run
from hims.fhir.search import parse_pk
from hims.patients.choices import RegistrationChannel
from hims.patients.forms import PatientDataForm
from hims.patients.matching import Candidate, candidate_list
from hims.patients.models import Patient
from hims.patients.services import DuplicateSuspected, patient_register, patient_update

if TYPE_CHECKING:
    from hims.accounts.models import User

CONFIRM_HEADER = "X-HIMS-Confirm-New"
READ_PARAMS = frozenset({"_format", "_summary"})
MATCH_GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade"
MATCH_COUNT = 5
MATCH_COUNT_MAX = 20
# Identity fields a database unique index guards: taken by another record -> 409 duplicate.
IDENTITY_FIELDS = frozenset({"abha_number", "abha_address"})

# --- shared steps --------------------------------------------------------------------------


def _reader(request: HttpRequest) -> PatientReader:
    user_require(request)
    return patient_reader_for(user=cast("User", request.user))


def _writer(request: HttpRequest) -> PatientReader:
    token_require(request)
    reader = patient_reader_for(user=cast("User", request.user))
    reader.staff_only()
    return reader


def _problems_raise(found: PatientInput) -> None:
    if found.problems:
        raise FhirIssues(found.problems[:MAX_ISSUES], status=422)


def _validation_outcome(error: ValidationFailed, found: PatientInput) -> FhirIssues:
    """One issue per message, pointing at the element the field came from."""
    if not error.errors and error.field in IDENTITY_FIELDS:  # the unique index said no
        issue = Issue("duplicate", str(error), f"{found.path(error.field or '')}")
        return FhirIssues([issue], status=409)
    errors = error.errors or {error.field or "__all__": [str(error)]}
    issues = [
        Issue("invalid", message, found.path(field))
        for field, messages in errors.items()
        for message in messages
    ]
    return FhirIssues(issues[:MAX_ISSUES], status=422)


def _full_url(request: HttpRequest, patient: Patient) -> str:
    path = reverse("fhir:read", kwargs={"resource_type": "Patient", "resource_id": patient.pk})
    return request.build_absolute_uri(path)


def _duplicate_outcome(duplicate: DuplicateSuspected) -> FhirIssues:
    references = [f"Patient/{c.patient.pk}" for c in duplicate.candidates]
    first = Issue(
        "duplicate",
        _(
            "%(message)s If none of them is this person, send the request again with the "
            "header %(header)s: true."
        )
        % {"message": str(duplicate), "header": CONFIRM_HEADER},
        details=", ".join(references),
    )
    candidates = [
        Issue(
            "duplicate",
            _("%(reference)s: %(reasons)s (score %(score)s).")
            % {
                "reference": reference,
                "reasons": "; ".join(str(reason) for reason in candidate.reasons),
                "score": candidate.score,
            },
            severity="information",
            details=reference,
        )
        for reference, candidate in zip(references, duplicate.candidates, strict=True)
    ]
    return FhirIssues([first, *candidates], status=409)


# --- read and search -----------------------------------------------------------------------


def _read(request: HttpRequest, resource_id: str) -> HttpResponse:
    reader = _reader(request)
    unknown = sorted(set(request.GET) - READ_PARAMS)
    if unknown:
        raise FhirError(
            _("Parameter '%(name)s' is not supported when reading a resource.")
            % {"name": unknown[0]},
            code="not-supported",
        )
    pk = parse_pk(resource_id)
    with transaction.atomic():
        patient = (
            Patient.objects.prefetch_related("merged_records").filter(pk=pk).first()
            if pk is not None
            else None
        )
        if patient is not None and reader.may_see(patient):
            patient_read_log(reader=reader, patient=patient, request=request)
            return fhir_response(patient_resource(patient))
        if patient is not None:
            patient_refusal_log(reader=reader, patient=patient, request=request)
    if reader.is_patient:  # the same answer whether or not the record exists
        raise forbidden(_("You may read only the records registered with your mobile number."))
    raise FhirError(
        _("%(type)s/%(id)s does not exist.") % {"type": "Patient", "id": resource_id},
        status=404,
        code="not-found",
    )


def _search(request: HttpRequest) -> HttpResponse:
    reader = _reader(request)
    search = patient_search_parse(request.GET)
    page = patient_search_run(search=search, reader=reader, request=request)
    return fhir_response(bundles.searchset(request, page))


# --- create and update ---------------------------------------------------------------------


def _create(request: HttpRequest) -> HttpResponse:
    """With an Idempotency-Key, a retried create gets the first answer and registers no one."""
    reader = _writer(request)
    return idempotent_call(request, lambda: _register(request, reader))


def _register(request: HttpRequest, reader: PatientReader) -> HttpResponse:
    body = resource_validated(json_body(request), FhirPatient, "Patient")
    found = patient_input(body)
    if found.uhid is not None:
        found.refuse(
            _("HIMS gives the UHID: leave it out when registering a patient."),
            found.uhid_path,
            code="business-rule",
        )
    _problems_raise(found)
    confirmed = request.headers.get(CONFIRM_HEADER, "").strip().lower() == "true"
    try:
        patient = patient_register(
            data=found.data,
            actor=reader.user,
            facility=reader.facility,
            channel=RegistrationChannel.API,
            confirm_new=confirmed,
            request=request,
        )
    except DuplicateSuspected as duplicate:
        shown = [candidate.patient for candidate in duplicate.candidates]
        patients_search_log(reader=reader, patients=shown, request=request)
        raise _duplicate_outcome(duplicate) from None
    except ValidationFailed as error:
        raise _validation_outcome(error, found) from None
    return fhir_response(
        patient_resource(patient), status=201, headers={"Location": _full_url(request, patient)}
    )


def _update(request: HttpRequest, resource_id: str) -> HttpResponse:
    reader = _writer(request)
    body = resource_validated(json_body(request), FhirPatient, "Patient")
    if body.get("id") != resource_id:
        raise FhirError(
            _("The resource's id must be the id in the URL (%(id)s).") % {"id": resource_id},
            expression="Patient.id",
        )
    pk = parse_pk(resource_id)
    patient = Patient.objects.filter(pk=pk).first() if pk is not None else None
    if patient is None:
        raise FhirError(
            _("%(type)s/%(id)s does not exist.") % {"type": "Patient", "id": resource_id},
            status=404,
            code="not-found",
        )
    if patient.merged_into_id:
        raise FhirError(
            _("Patient/%(id)s was merged into Patient/%(survivor)s; change that record instead.")
            % {"id": patient.pk, "survivor": patient.merged_into_id},
            status=409,
            code="conflict",
        )
    found = patient_input(body)
    if found.uhid is not None and found.uhid.replace("-", "").upper() != patient.uhid:
        found.refuse(
            _("A patient's UHID cannot be changed."), found.uhid_path, code="business-rule"
        )
    _problems_raise(found)
    try:
        updated = patient_update(
            patient=patient,
            data=found.data,
            actor=reader.user,
            facility=reader.facility,
            request=request,
        )
    except ValidationFailed as error:
        raise _validation_outcome(error, found) from None
    except Conflict as conflict:  # merged meanwhile
        raise FhirError(str(conflict), status=409, code="conflict") from None
    prefetch_related_objects([updated], "merged_records")
    return fhir_response(patient_resource(updated))


# --- $match ----------------------------------------------------------------------------


def _match_request(body: dict[str, Any]) -> tuple[dict[str, Any], str, int, bool]:
    """The Patient to match, where it is in the body, `count` and `onlyCertainMatches`."""
    if body.get("resourceType") == "Patient":  # a bare Patient is accepted too
        return resource_validated(body, FhirPatient, "Patient"), "Patient", MATCH_COUNT, False
    resource_validated(body, Parameters, "Parameters")
    resource: dict[str, Any] | None = None
    root, count, only_certain = "Patient", MATCH_COUNT, False
    for index, parameter in enumerate(body.get("parameter", [])):
        name = parameter.get("name")
        if name == "resource":
            resource, root = parameter.get("resource"), f"Parameters.parameter[{index}].resource"
        elif name == "count":
            count = parameter.get("valueInteger") or 0
            if count < 1:
                raise FhirError(
                    _("The parameter 'count' must be a whole number of at least 1."),
                    expression=f"Parameters.parameter[{index}].valueInteger",
                )
        elif name == "onlyCertainMatches":
            only_certain = parameter.get("valueBoolean") is True
        else:
            raise FhirError(
                _("The parameter '%(name)s' is not supported by $match.") % {"name": name},
                code="not-supported",
                expression=f"Parameters.parameter[{index}].name",
            )
    if not isinstance(resource, dict) or resource.get("resourceType") != "Patient":
        raise FhirError(_("The parameter 'resource' must hold a Patient."), code="required")
    return resource, root, min(count, MATCH_COUNT_MAX), only_certain


def _match_data(found: PatientInput) -> dict[str, Any]:
    """The demographics to match on, validated as a registration is; what is missing is
    simply not compared, but a given value that is invalid is refused."""
    form = PatientDataForm(data=found.data)
    form.is_valid()
    given = {name for name, value in found.data.items() if str(value).strip()}
    errors = {name: [str(e) for e in messages] for name, messages in form.errors.items()}
    errors = {name: messages for name, messages in errors.items() if name in given}
    if errors:
        raise _validation_outcome(ValidationFailed(errors=errors), found)
    data = dict(form.cleaned_data)
    if not (data.get("name") or data.get("abha_number") or data.get("mobile")):
        raise FhirError(
            _("Give at least a name, an ABHA number or a mobile number to match on."),
            code="required",
        )
    return data


def _grade(candidate: Candidate, data: dict[str, Any]) -> str:
    """certain: the same ABHA number; probable: a strong score; possible: the rest shown."""
    if data.get("abha_number") and data["abha_number"] == candidate.patient.abha_number:
        return "certain"
    return "probable" if candidate.is_strong else "possible"


def _rooted(found: PatientInput, root: str) -> PatientInput:
    """Paths under `root` when the Patient sits inside a Parameters resource."""
    if root != "Patient":
        found.paths = {name: root + path[len("Patient") :] for name, path in found.paths.items()}
        found.problems = [
            Issue(i.code, i.diagnostics, root + (i.expression or "Patient")[len("Patient") :])
            for i in found.problems
        ]
    return found


def _match(request: HttpRequest) -> HttpResponse:
    reader = _writer(request)
    resource, root, count, only_certain = _match_request(json_body(request))
    found = _rooted(patient_input(resource), root)
    _problems_raise(found)
    data = _match_data(found)
    graded = [(c, _grade(c, data)) for c in candidate_list(data=data, limit=count)]
    if only_certain:
        graded = [(c, grade) for c, grade in graded if grade == "certain"]
    patients = [candidate.patient for candidate, _grade_ in graded]
    prefetch_related_objects(patients, "merged_records")
    patients_search_log(reader=reader, patients=patients, request=request)
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(graded),
        "link": [{"relation": "self", "url": request.build_absolute_uri()}],
    }
    entries = [
        {
            "fullUrl": _full_url(request, candidate.patient),
            "resource": patient_resource(candidate.patient),
            "search": {
                "extension": [{"url": MATCH_GRADE, "valueCode": grade}],
                "mode": "match",
                "score": round(min(max(candidate.score / 100, 0.0), 1.0), 2),
            },
        }
        for candidate, grade in graded
    ]
    if entries:
        bundle["entry"] = entries
    return fhir_response(bundle)


# --- the endpoints -------------------------------------------------------------------------


@fhir_endpoint_allowing("GET", "HEAD", "POST")
def patient_type(request: HttpRequest) -> HttpResponse:
    """/Patient: search (GET) or create (POST)."""
    return _create(request) if request.method == "POST" else _search(request)


@fhir_endpoint_allowing("GET", "HEAD", "PUT")
def patient_instance(request: HttpRequest, resource_id: str) -> HttpResponse:
    """/Patient/{id}: read (GET) or update (PUT)."""
    return _update(request, resource_id) if request.method == "PUT" else _read(request, resource_id)


@fhir_endpoint_allowing("POST")
def patient_match(request: HttpRequest) -> HttpResponse:
    """/Patient/$match."""
    return _match(request)
