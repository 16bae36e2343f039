"""The /fhir/R4/Appointment endpoints: authenticate, authorize, one service or selector call, respond.

- `GET Appointment/{id}` read, `GET Appointment?...` search (both logged per patient shown);
- `POST Appointment` books through `appointment_book` (online places, like the patient app):
  `status` booked, one `slot` (Slot/[id]) and one Patient participant (Patient/[id], or the
  UHID as actor.identifier). 201 with Location; a full slot or another booking that day
  409; an `Idempotency-Key` makes a retried booking replay the first answer;
- `PUT Appointment/{id}` cancels through `appointment_cancel`: the resource as read, with
  status `cancelled` (and optionally cancelationReason); any other change is refused (422).

Writes need an API token (hims.fhir.http.token_require); Schedule and Slot are read through
the registry's generic endpoints (hims.fhir.views).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from fhir.resources.R4B.appointment import Appointment as FhirAppointment

from hims.core.choices import AccessAction
from hims.core.errors import AccessDenied, DomainError, RateLimited, ValidationFailed
from hims.core.idempotency import idempotent_call
from hims.core.responses import fhir_response
from hims.fhir import bundles
from hims.fhir.body import json_body, resource_validated
from hims.fhir.errors import FhirError
from hims.fhir.http import fhir_endpoint_allowing, token_require, user_require
from hims.fhir.patient.access import PatientReader, forbidden, patient_reader_for
from hims.fhir.patient.mapping import UHID_SYSTEM
from hims.fhir.patient.outcome import FhirIssues, Issue
from hims.fhir.scheduling.access import appointment_log, appointment_may_see, facility_allowed
from hims.fhir.scheduling.mapping import APPOINTMENT_RELATED, appointment_resource
from hims.fhir.scheduling.search import appointment_search_parse, appointment_search_run
from hims.fhir.search import parse_pk
from hims.lib.identifiers import normalize_uhid
from hims.patients.models import Patient
from hims.scheduling.choices import AppointmentStatus, QuotaChannel
from hims.scheduling.models import Appointment, Slot
from hims.scheduling.services import AlreadyBooked, appointment_book, appointment_cancel

if TYPE_CHECKING:
    from hims.accounts.models import User

READ_PARAMS = frozenset({"_format", "_summary"})
# Elements a cancelling PUT may change or leave out: the rest must be as read.
CHANGEABLE = frozenset({"status", "cancelationReason", "meta", "text"})
INSTANTS = frozenset({"start", "end", "created"})

# --- shared steps --------------------------------------------------------------------------


def _reader(request: HttpRequest) -> PatientReader:
    user_require(request)
    return patient_reader_for(user=cast("User", request.user))


def _writer(request: HttpRequest) -> PatientReader:
    token_require(request)
    return patient_reader_for(user=cast("User", request.user))


def _not_found(resource_id: str) -> FhirError:
    return FhirError(
        _("%(type)s/%(id)s does not exist.") % {"type": "Appointment", "id": resource_id},
        status=404,
        code="not-found",
    )


def _family_only() -> FhirError:
    return forbidden(
        _("You may see and book appointments only for the records registered with your mobile.")
    )


def _other_facility() -> FhirError:
    return forbidden(_("Your role does not include appointments at this facility."))


def _appointment_get(resource_id: str) -> Appointment | None:
    pk = parse_pk(resource_id)
    if pk is None:
        return None
    return Appointment.objects.select_related(*APPOINTMENT_RELATED).filter(pk=pk).first()


def _full_url(request: HttpRequest, appointment: Appointment) -> str:
    path = reverse(
        "fhir:read", kwargs={"resource_type": "Appointment", "resource_id": appointment.pk}
    )
    return request.build_absolute_uri(path)


def _refusal(error: DomainError, *, slot_path: str, patient_path: str = "") -> FhirError:
    """A service's refusal as an OperationOutcome pointing at the element it concerns: the
    patient's (another booking that day, a merged record), the slot's (full, closed) or none
    (not allowed, too many bookings)."""
    expression: str | None = slot_path
    if isinstance(error, AlreadyBooked | ValidationFailed) and patient_path:
        expression = patient_path
    elif isinstance(error, AccessDenied | RateLimited):
        expression = None
    return FhirError(str(error), status=error.status, code=error.fhir_code, expression=expression)


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
    with transaction.atomic():
        appointment = _appointment_get(resource_id)
        if appointment is not None:
            allowed = appointment_may_see(reader, appointment)
            appointment_log(
                reader=reader,
                appointment=appointment,
                action=AccessAction.READ,
                request=request,
                allowed=allowed,
            )
            if allowed:
                return fhir_response(appointment_resource(appointment))
    if reader.is_patient:  # the same answer whether or not the appointment exists
        raise _family_only()
    if appointment is not None:
        raise _other_facility()
    raise _not_found(resource_id)


def _search(request: HttpRequest) -> HttpResponse:
    reader = _reader(request)
    query, extra = appointment_search_parse(request.GET)
    page = appointment_search_run(query=query, extra=extra, reader=reader, request=request)
    return fhir_response(bundles.searchset(request, page))


# --- create: book a slot -------------------------------------------------------------------


def _reference_parts(reference: str) -> tuple[str, str]:
    """`Type/id` or an absolute URL ending in it; ("", "") when it is neither."""
    segments = reference.strip().rstrip("/").split("/")
    return (segments[-2], segments[-1]) if len(segments) >= 2 else ("", "")


def _booked_slot(body: dict[str, Any]) -> Slot:
    slots = body.get("slot") or []
    if not slots:
        raise FhirIssues(
            [Issue("required", _("Name the slot to book, as Slot/[id]."), "Appointment.slot")],
            status=422,
        )
    if len(slots) > 1:
        raise FhirIssues(
            [Issue("not-supported", _("Book one slot at a time."), "Appointment.slot[1]")],
            status=422,
        )
    path = "Appointment.slot[0].reference"
    resource_type, slot_id = _reference_parts(slots[0].get("reference") or "")
    pk = parse_pk(slot_id) if resource_type == "Slot" else None
    slot = (
        Slot.objects.select_related("facility", "department__speciality").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if slot is None:
        raise FhirIssues(
            [
                Issue(
                    "not-found",
                    _("The slot must be an existing Slot, as Slot/[id]."),
                    path,
                )
            ],
            status=422,
        )
    return slot


def _patient_of(actor: dict[str, Any], path: str, reader: PatientReader) -> tuple[Patient, str]:
    """The patient an actor names, by reference or by UHID, and the element naming them;
    refuses what the reader may not book for (a patient gets the same answer whether or not
    the record exists)."""
    patient: Patient | None = None
    identifier = actor.get("identifier") or {}
    if actor.get("reference"):
        _type, patient_id = _reference_parts(actor["reference"])
        pk = parse_pk(patient_id)
        patient = Patient.objects.filter(pk=pk).first() if pk is not None else None
        path = f"{path}.reference"
    elif identifier.get("system") == UHID_SYSTEM:
        try:
            uhid = normalize_uhid(identifier.get("value") or "")
        except ValidationError as error:
            raise FhirIssues(
                [Issue("value", str(error.messages[0]), f"{path}.identifier.value")],
                status=422,
            ) from None
        patient = Patient.objects.filter(uhid=uhid).first()
        path = f"{path}.identifier"
    if patient is not None and reader.may_see(patient):
        return patient, path
    if reader.is_patient:
        raise _family_only()
    raise FhirIssues(
        [
            Issue(
                "not-found",
                _(
                    "The patient must be an existing Patient, as Patient/[id] or by UHID "
                    "(identifier system %(system)s)."
                )
                % {"system": UHID_SYSTEM},
                path,
            )
        ],
        status=422,
    )


def _booked_patient(body: dict[str, Any], slot: Slot, reader: PatientReader) -> tuple[Patient, str]:
    """The one Patient participant; others may only repeat the slot's practitioner and place."""
    found: list[tuple[dict[str, Any], str]] = []
    problems: list[Issue] = []
    for index, participant in enumerate(body.get("participant") or []):
        path = f"Appointment.participant[{index}].actor"
        actor = participant.get("actor") or {}
        resource_type = _reference_parts(actor.get("reference") or "")[0]
        if resource_type == "Patient" or (not actor.get("reference") and actor.get("identifier")):
            found.append((actor, path))
            continue
        expected = {
            "Practitioner": f"Practitioner/{slot.practitioner_id}" if slot.practitioner_id else "",
            "Location": f"Location/f-{slot.facility_id}",
        }
        reference = "/".join(_reference_parts(actor.get("reference") or ""))
        if resource_type not in expected or reference != expected[resource_type]:
            problems.append(
                Issue(
                    "business-rule",
                    _(
                        "Name the patient as participant; a practitioner or place, if given, "
                        "must be the slot's."
                    ),
                    path,
                )
            )
    if not found:
        problems.insert(
            0,
            Issue(
                "required",
                _("Name the patient as a participant (actor Patient/[id])."),
                "Appointment.participant",
            ),
        )
    elif len(found) > 1:
        problems.append(Issue("not-supported", _("Book for one patient at a time."), found[1][1]))
    if problems:
        raise FhirIssues(problems, status=422)
    return _patient_of(*found[0], reader)


def _times_check(body: dict[str, Any], slot: Slot) -> None:
    for element, moment in (("start", slot.starts_at), ("end", slot.ends_at)):
        if element in body and _instant_of(body[element]) != moment:
            raise FhirIssues(
                [
                    Issue(
                        "business-rule",
                        _("The %(element)s must be the slot's, or left out.")
                        % {"element": element},
                        f"Appointment.{element}",
                    )
                ],
                status=422,
            )


def _create(request: HttpRequest) -> HttpResponse:
    """With an Idempotency-Key, a retried booking gets the first answer and books once."""
    reader = _writer(request)
    return idempotent_call(request, lambda: _book(request, reader))


def _book(request: HttpRequest, reader: PatientReader) -> HttpResponse:
    body = resource_validated(json_body(request), FhirAppointment, "Appointment")
    if body.get("status") != AppointmentStatus.BOOKED:
        raise FhirIssues(
            [
                Issue(
                    "value",
                    _("A new appointment must have status booked."),
                    "Appointment.status",
                )
            ],
            status=422,
        )
    slot = _booked_slot(body)
    if not facility_allowed(reader, slot.facility_id):
        raise _other_facility()
    patient, patient_path = _booked_patient(body, slot, reader)
    _times_check(body, slot)
    with transaction.atomic():
        try:
            booked = appointment_book(
                slot=slot, patient=patient, channel=QuotaChannel.ONLINE, actor=reader.user
            )
        except DomainError as error:
            raise _refusal(
                error, slot_path="Appointment.slot[0]", patient_path=patient_path
            ) from None
        appointment = Appointment.objects.select_related(*APPOINTMENT_RELATED).get(pk=booked.pk)
        appointment_log(
            reader=reader, appointment=appointment, action=AccessAction.CREATE, request=request
        )
    return fhir_response(
        appointment_resource(appointment),
        status=201,
        headers={"Location": _full_url(request, appointment)},
    )


# --- update: cancel ------------------------------------------------------------------------


def _instant_of(value: Any) -> Any:
    """A dateTime as an aware datetime, to compare instants however they are written."""
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return value


def _comparable(value: Any, key: str = "") -> Any:
    """Without displays (labels, not content), instants parsed."""
    if key in INSTANTS:
        return _instant_of(value)
    if isinstance(value, dict):
        return {k: _comparable(v, k) for k, v in value.items() if k != "display"}
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


def _changes_refuse(body: dict[str, Any], current: dict[str, Any]) -> None:
    changed = sorted(
        key
        for key in (set(body) | set(current)) - CHANGEABLE
        if _comparable(body.get(key), key) != _comparable(current.get(key), key)
    )
    if changed:
        raise FhirIssues(
            [
                Issue(
                    "business-rule",
                    _(
                        "Only the status can be changed here (to cancelled, with an optional "
                        "cancelationReason); send the other elements as read."
                    ),
                    f"Appointment.{key}",
                )
                for key in changed
            ],
            status=422,
        )


def _cancel_reason(body: dict[str, Any]) -> str:
    reason = body.get("cancelationReason") or {}
    codings = reason.get("coding") or [{}]
    return str(reason.get("text") or codings[0].get("display") or codings[0].get("code") or "")


def _update(request: HttpRequest, resource_id: str) -> HttpResponse:
    reader = _writer(request)
    body = resource_validated(json_body(request), FhirAppointment, "Appointment")
    if body.get("id") != resource_id:
        raise FhirError(
            _("The resource's id must be the id in the URL (%(id)s).") % {"id": resource_id},
            expression="Appointment.id",
        )
    appointment = _appointment_get(resource_id)
    if appointment is None or not appointment_may_see(reader, appointment):
        if reader.is_patient:
            raise _family_only()
        if appointment is not None:
            raise _other_facility()
        raise _not_found(resource_id)
    current = appointment_resource(appointment)
    _changes_refuse(body, current)
    status = body.get("status")
    if status == appointment.status:  # nothing to change (a repeated cancel, too)
        return fhir_response(current)
    if status != AppointmentStatus.CANCELLED:
        raise FhirIssues(
            [
                Issue(
                    "business-rule",
                    _("Through FHIR an appointment can only be cancelled (status cancelled)."),
                    "Appointment.status",
                )
            ],
            status=422,
        )
    if appointment.status != AppointmentStatus.BOOKED:
        raise FhirError(
            _("Only a booked appointment can be cancelled; this one is %(status)s.")
            % {"status": appointment.status},
            status=409,
            code="conflict",
            expression="Appointment.status",
        )
    with transaction.atomic():
        try:
            appointment_cancel(
                appointment=appointment, actor=reader.user, reason=_cancel_reason(body)
            )
        except DomainError as error:
            raise _refusal(error, slot_path="Appointment.status") from None
        cancelled = _appointment_get(resource_id)
        assert cancelled is not None
        if cancelled.status != AppointmentStatus.CANCELLED:  # changed meanwhile
            raise FhirError(
                _("This appointment changed meanwhile; read it again."),
                status=409,
                code="conflict",
            )
        appointment_log(
            reader=reader, appointment=cancelled, action=AccessAction.UPDATE, request=request
        )
    return fhir_response(appointment_resource(cancelled))


# --- the endpoints -------------------------------------------------------------------------


@fhir_endpoint_allowing("GET", "HEAD", "POST")
def appointment_type(request: HttpRequest) -> HttpResponse:
    """/Appointment: search (GET) or book (POST)."""
    return _create(request) if request.method == "POST" else _search(request)


@fhir_endpoint_allowing("GET", "HEAD", "PUT")
def appointment_instance(request: HttpRequest, resource_id: str) -> HttpResponse:
    """/Appointment/{id}: read (GET) or cancel (PUT)."""
    return _update(request, resource_id) if request.method == "PUT" else _read(request, resource_id)
