"""The clinical /fhir/R4 endpoints: authenticate, decide access, one read, log, respond.

- `GET <Type>/{id}` read and `GET <Type>?...` search for Encounter, Condition, Observation
  (vital signs and lab results), AllergyIntolerance, MedicationRequest, ServiceRequest (lab
  orders), DiagnosticReport (signed lab reports) and Consent;
- `GET Patient/{id}/$everything` (optional start, end, _type, _count with next links): the
  Patient and every clinical resource the reader may see, one searchset.

Access is the pages' (hims.fhir.clinical.access); every resource returned is one access-log
entry, written in the transaction that read it, and every refusal one `denied` entry. Staff
search one patient at a time (`patient` or `subject`); a patient signed in with their mobile
searches their family's records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hims.core.responses import fhir_response
from hims.fhir import bundles
from hims.fhir.clinical.access import (
    ClinicalReader,
    clinical_reader_for,
    refusal_log,
    refused,
    shown_log,
)
from hims.fhir.clinical.search import (
    CLINICAL_TYPES,
    ClinicalType,
    Found,
    Matches,
    Reach,
    named_patient_ids,
    search_page,
)
from hims.fhir.errors import FhirError
from hims.fhir.http import fhir_endpoint, user_require
from hims.fhir.patient.mapping import patient_resource
from hims.fhir.search import (
    DateValue,
    ResourceType,
    SearchPage,
    SearchParam,
    SearchQuery,
    TokenValue,
    parse_pk,
    search_parse,
)
from hims.patients.models import Patient
from hims.records.access import CLINICAL_ROLES, RecordAccess, self_access

if TYPE_CHECKING:
    from hims.accounts.models import User

READ_PARAMS = frozenset({"_format", "_summary"})
EVERYTHING_TYPES = ("Patient", *CLINICAL_TYPES)

# $everything's own parameters, parsed by the shared strict parser (with _count and _offset).
EVERYTHING = ResourceType(
    name="Patient",
    params=(
        SearchParam(
            "start",
            "date",
            gettext_lazy("Only records dated on or after this day (YYYY-MM-DD)."),
        ),
        SearchParam(
            "end",
            "date",
            gettext_lazy("Only records dated on or before this day (YYYY-MM-DD)."),
        ),
        SearchParam(
            "_type",
            "token",
            gettext_lazy(
                "Only these resource types, comma-separated: Patient, Encounter, Condition, "
                "Observation, AllergyIntolerance, MedicationRequest, ServiceRequest, "
                "DiagnosticReport, Consent."
            ),
        ),
    ),
    sources=(),
)

# --- shared steps --------------------------------------------------------------------------


def _reader(request: HttpRequest) -> ClinicalReader:
    user_require(request)
    return clinical_reader_for(user=cast("User", request.user), request=request)


def _not_found(resource_type: str, resource_id: str) -> FhirError:
    return FhirError(
        _("%(type)s/%(id)s does not exist.") % {"type": resource_type, "id": resource_id},
        status=404,
        code="not-found",
    )


def _read_params_check(params: QueryDict) -> None:
    unknown = sorted(set(params) - READ_PARAMS)
    if unknown:
        raise FhirError(
            _("Parameter '%(name)s' is not supported when reading a resource.")
            % {"name": unknown[0]},
            code="not-supported",
        )


def _page(found: list[Found], *, total: int, query: SearchQuery) -> SearchPage:
    return SearchPage(
        total=total,
        resources=[f.resource for f in found],
        count=query.count,
        offset=query.offset,
    )


# --- whose records a search may return -----------------------------------------------------


@dataclass(frozen=True)
class Scope:
    patient_ids: tuple[int, ...]
    access: RecordAccess


def _staff_scope(
    reader: ClinicalReader,
    ids: set[int | None],
    *,
    resource_type: str,
    request: HttpRequest,
) -> Scope | None:
    if len(ids) > 1:
        raise FhirError(
            _("Search the clinical records of one patient at a time."),
            code="not-supported",
        )
    (patient_id,) = ids
    if patient_id is None or not Patient.objects.filter(pk=patient_id).exists():
        return None  # no such patient: nothing matches
    access = reader.access_for(patient_id)
    if access is None:
        refusal_log(
            reader=reader, patient_id=patient_id, resource_type=resource_type, request=request
        )
        raise refused(reader)
    return Scope((patient_id,), access)


def _family_scope(
    reader: ClinicalReader,
    named: bool,
    ids: set[int | None],
    *,
    resource_type: str,
    request: HttpRequest,
) -> Scope | None:
    if not named:
        wanted = reader.family
    else:
        outside = {pk for pk in ids if pk not in reader.family}
        if outside:
            known = Patient.objects.filter(pk__in=[pk for pk in outside if pk is not None])
            for patient_id in known.values_list("pk", flat=True):
                refusal_log(
                    reader=reader,
                    patient_id=patient_id,
                    resource_type=resource_type,
                    request=request,
                )
            raise refused(reader)
        wanted = tuple(sorted(pk for pk in ids if pk is not None))
    if not wanted:
        return None
    return Scope(wanted, self_access(wanted[0]))


def search_scope(
    reader: ClinicalReader, query: SearchQuery, *, resource_type: str, request: HttpRequest
) -> Scope | None:
    """The patients a search covers and the basis; None when it can match nothing. Refusals
    are logged (outside the transaction of the answer, so they stay) and raised."""
    named, ids = named_patient_ids(query)
    if reader.is_patient:
        return _family_scope(reader, named, ids, resource_type=resource_type, request=request)
    if not named:
        if reader.membership is None or reader.membership.role not in CLINICAL_ROLES:
            raise refused(reader)  # nothing to log: no patient was named
        raise FhirError(
            _(
                "Clinical records are searched one patient at a time: add patient=Patient/[id] "
                "(a search across the network is not allowed)."
            ),
            code="required",
        )
    return _staff_scope(reader, ids, resource_type=resource_type, request=request)


# --- read and search -----------------------------------------------------------------------


def _read(request: HttpRequest, clinical: ClinicalType, resource_id: str) -> HttpResponse:
    reader = _reader(request)
    _read_params_check(request.GET)
    access: RecordAccess | None = None
    with transaction.atomic():
        found = clinical.get(resource_id)
        if found is not None:
            access = reader.access_for(found.patient_id)
            if access is not None and clinical.allows(reader=reader, access=access, found=found):
                shown_log(reader=reader, access=access, shown=[found.shown], request=request)
                return fhir_response(found.resource)
    if found is not None:
        refusal_log(
            reader=reader,
            patient_id=found.patient_id,
            resource_type=clinical.name,
            resource_id=resource_id,
            request=request,
        )
        raise refused(reader, access)
    if reader.is_patient:  # the same answer whether or not the record exists
        raise refused(reader)
    raise _not_found(clinical.name, resource_id)


def _search(request: HttpRequest, clinical: ClinicalType) -> HttpResponse:
    reader = _reader(request)
    query = search_parse(clinical.resource, request.GET)
    scope = search_scope(reader, query, resource_type=clinical.name, request=request)
    total, found = 0, list[Found]()
    if scope is not None:
        with transaction.atomic():
            matches = clinical.matches(query, Reach(scope.patient_ids, reader, scope.access))
            total, found = search_page(matches, query)
            shown_log(
                reader=reader, access=scope.access, shown=[f.shown for f in found], request=request
            )
    return fhir_response(bundles.searchset(request, _page(found, total=total, query=query)))


# --- $everything ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EverythingQuery:
    page: SearchQuery
    types: tuple[str, ...]
    start: datetime | None
    end: datetime | None


def _day(value: DateValue, name: str) -> DateValue:
    if value.prefix != "eq":
        raise FhirError(
            _("Parameter '%(name)s' takes a date without a prefix.") % {"name": name},
            code="not-supported",
        )
    return value


def everything_parse(params: QueryDict) -> EverythingQuery:
    if "_id" in params:
        raise FhirError(
            _("Parameter '%(name)s' is not supported by $everything.") % {"name": "_id"},
            code="not-supported",
        )
    query = search_parse(EVERYTHING, params)
    start = end = None
    types: set[str] | None = None
    for param, values in query.criteria:
        if param.name in ("start", "end") and len(values) > 1:
            raise FhirError(
                _("Parameter '%(name)s' may be given only once.") % {"name": param.name}
            )
        if param.name == "start":
            start = _day(cast(DateValue, values[0]), "start").start
        elif param.name == "end":
            end = _day(cast(DateValue, values[0]), "end").end
        else:
            asked = {cast(TokenValue, value).code for value in values}
            unknown = sorted(asked - set(EVERYTHING_TYPES))
            if unknown:
                raise FhirError(
                    _("$everything does not return %(type)s; it returns %(types)s.")
                    % {"type": unknown[0], "types": ", ".join(EVERYTHING_TYPES)},
                    code="not-supported",
                )
            types = asked if types is None else types & asked
    if start is not None and end is not None and start >= end:
        raise FhirError(_("The start must not be after the end."))
    chosen = tuple(name for name in EVERYTHING_TYPES if types is None or name in types)
    return EverythingQuery(page=query, types=chosen, start=start, end=end)


def _everything(request: HttpRequest, resource_id: str) -> HttpResponse:
    reader = _reader(request)
    asked = everything_parse(request.GET)
    pk = parse_pk(resource_id)
    patient = (
        Patient.objects.prefetch_related("merged_records").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if patient is None:
        if reader.is_patient:
            raise refused(reader)
        raise _not_found("Patient", resource_id)
    access = reader.access_for(patient.pk)
    if access is None:
        refusal_log(
            reader=reader,
            patient_id=patient.pk,
            resource_type="Patient",
            resource_id=str(patient.pk),
            request=request,
        )
        raise refused(reader)
    query = asked.page
    with transaction.atomic():
        parts: list[tuple[int, Matches | None]] = []  # None: the Patient
        for name in asked.types:
            if name == "Patient":
                parts.append((1, None))
                continue
            reach = Reach((patient.pk,), reader, access, asked.start, asked.end)
            kind = CLINICAL_TYPES[name].matches(SearchQuery((), query.count, query.offset), reach)
            parts.append((kind.count(), kind))
        found: list[Found] = []
        skip, remaining = query.offset, query.count
        for count, matches in parts:
            if remaining <= 0:
                break
            if skip >= count:
                skip -= count
                continue
            if matches is None:
                found.append(Found(patient.pk, None, patient_resource(patient)))
            else:
                found.extend(matches.slice(skip, remaining))
            remaining = query.count - len(found)
            skip = 0
        shown_log(reader=reader, access=access, shown=[f.shown for f in found], request=request)
    total = sum(count for count, _matches in parts)
    return fhir_response(bundles.searchset(request, _page(found, total=total, query=query)))


# --- the endpoints -------------------------------------------------------------------------


def _clinical(resource_type: str) -> ClinicalType:
    return CLINICAL_TYPES[resource_type]


@fhir_endpoint
def clinical_type(request: HttpRequest, resource_type: str) -> HttpResponse:
    """/<Type>: search."""
    return _search(request, _clinical(resource_type))


@fhir_endpoint
def clinical_instance(request: HttpRequest, resource_type: str, resource_id: str) -> HttpResponse:
    """/<Type>/{id}: read."""
    return _read(request, _clinical(resource_type), resource_id)


@fhir_endpoint
def patient_everything(request: HttpRequest, resource_id: str) -> HttpResponse:
    """/Patient/{id}/$everything."""
    return _everything(request, resource_id)
