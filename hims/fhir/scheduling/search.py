"""The scheduling searches: Schedule and Slot for the registry, and the Appointment search.

Schedule and Slot hold no personal data: they are `ResourceType`s registered in
hims.fhir.registry and served by its generic read and search endpoints. Appointment names
its patient: its parameters are declared the same way (so the shared strict parser reads
them), but its search runs here, scoped to the caller and logged per patient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hims.fhir.errors import FhirError
from hims.fhir.patient.access import PatientReader
from hims.fhir.patient.mapping import UHID_SYSTEM
from hims.fhir.resources import SPECIALITY_SYSTEM
from hims.fhir.scheduling.access import appointments_scope, appointments_search_log
from hims.fhir.scheduling.mapping import (
    APPOINTMENT_RELATED,
    APPOINTMENT_STATUS_SYSTEM,
    BOOKING_REFERENCE_SYSTEM,
    SLOT_STATUS_SYSTEM,
    appointment_resource,
    schedule_resource,
    slot_resource,
)
from hims.fhir.search import (
    NOTHING,
    Filter,
    ReferenceValue,
    ResourceType,
    SearchPage,
    SearchParam,
    SearchQuery,
    SearchValue,
    Source,
    TokenValue,
    boolean_filter,
    date_filter,
    parse_pk,
    reference_filter,
    search_parse,
    source_filter,
    token_filter,
)
from hims.lib.identifiers import normalize_uhid
from hims.scheduling.choices import AppointmentStatus, QuotaChannel
from hims.scheduling.models import Appointment, ScheduleSession, Slot, SlotQuota

if TYPE_CHECKING:
    from django.http import HttpRequest

SP = "http://hl7.org/fhir/SearchParameter"
PATIENT_IDENTIFIER = "patient:identifier"

# --- shared declarations -------------------------------------------------------------------


def _service_type_param(resource_type: str) -> SearchParam:
    return SearchParam(
        "service-type",
        "token",
        gettext_lazy(
            "The department's speciality code (system https://hims.delhi.gov.in/fhir/"
            "CodeSystem/speciality), for example general-medicine or paediatrics."
        ),
        definition=f"{SP}/{resource_type}-service-type",
    )


def _service_type(field_name: str) -> Filter:
    return token_filter({SPECIALITY_SYSTEM: field_name})


# --- Schedule ------------------------------------------------------------------------------


def _schedule_actor(value: SearchValue) -> Q:
    """Practitioner/[id] (that practitioner's sessions) or Location/f-[id] (every session of
    that facility's departments); a bare id is read by its form."""
    assert isinstance(value, ReferenceValue)
    if value.resource_type in (None, "Practitioner"):
        pk = parse_pk(value.id)
        if pk is not None:
            return Q(practitioner_id=pk)
    if value.resource_type in (None, "Location"):
        pk = parse_pk(value.id, prefix="f-")
        if pk is not None:
            return Q(department__facility_id=pk)
    return NOTHING  # a room (r-...) runs no OPD session of its own


SCHEDULE = ResourceType(
    name="Schedule",
    params=(
        SearchParam(
            "actor",
            "reference",
            gettext_lazy(
                "Practitioner/[id]: that practitioner's OPD sessions; Location/f-[id]: every OPD "
                "session of that facility's departments."
            ),
            definition=f"{SP}/Schedule-actor",
            target=("Practitioner", "Location"),
        ),
        _service_type_param("Schedule"),
        SearchParam(
            "active",
            "token",
            gettext_lazy(
                "true or false. Without this parameter a search returns running sessions only; "
                "ended ones stay readable by id."
            ),
            definition=f"{SP}/Schedule-active",
        ),
    ),
    sources=(
        Source(
            model=ScheduleSession,
            to_resource=schedule_resource,
            select_related=(
                "department__speciality",
                "department__facility",
                "practitioner",
            ),
            filters={
                "actor": _schedule_actor,
                "service-type": _service_type("department__speciality__code"),
                "active": boolean_filter("is_active"),
            },
            search_base=Q(department__is_active=True, department__facility__is_active=True),
            search_default=Q(is_active=True),
        ),
    ),
)

# --- Slot ----------------------------------------------------------------------------------


def _open_online_slots() -> QuerySet[SlotQuota, Any]:
    return SlotQuota.objects.filter(
        channel=QuotaChannel.ONLINE, is_open=True, booked__lt=F("capacity")
    ).values("slot_id")


def _slot_status(value: SearchValue) -> Q:
    """The same rule as `slot_status` in the mapping, as a filter."""
    assert isinstance(value, TokenValue)
    if value.system not in (None, SLOT_STATUS_SYSTEM):
        return NOTHING
    if value.code == "free":
        return Q(is_blocked=False, pk__in=_open_online_slots())
    if value.code == "busy":
        return Q(is_blocked=False) & ~Q(pk__in=_open_online_slots())
    if value.code == "busy-unavailable":
        return Q(is_blocked=True)
    return NOTHING


SLOT = ResourceType(
    name="Slot",
    params=(
        SearchParam(
            "schedule",
            "reference",
            gettext_lazy("The OPD session, as Schedule/[id] or [id]."),
            definition=f"{SP}/Slot-schedule",
            target="Schedule",
        ),
        SearchParam(
            "start",
            "date",
            gettext_lazy(
                "When the slot starts: a day (YYYY-MM-DD, the whole day in India time) or a "
                "dateTime, with prefix eq, ne, gt, lt, ge or le; repeat the parameter for a "
                "range, e.g. start=ge2026-01-05&start=lt2026-01-12."
            ),
            definition=f"{SP}/Slot-start",
        ),
        SearchParam(
            "status",
            "token",
            gettext_lazy(
                "free (an online place is left), busy (the online places are taken) or "
                "busy-unavailable (no OPD: leave or holiday); system http://hl7.org/fhir/slotstatus."
            ),
            definition=f"{SP}/Slot-status",
        ),
        _service_type_param("Slot"),
    ),
    sources=(
        Source(
            model=Slot,
            to_resource=slot_resource,
            select_related=("department__speciality", "department__facility"),
            prefetch_related=("quotas",),
            filters={
                "schedule": reference_filter("session_id"),
                "start": date_filter("starts_at"),
                "status": _slot_status,
                "service-type": _service_type("department__speciality__code"),
            },
            search_base=Q(department__is_active=True, facility__is_active=True),
            ordering=("starts_at", "pk"),
        ),
    ),
)

# --- Appointment ---------------------------------------------------------------------------


def _appointment_status(value: SearchValue) -> Q:
    assert isinstance(value, TokenValue)
    if value.system not in (None, APPOINTMENT_STATUS_SYSTEM):
        return NOTHING
    return Q(status=value.code) if value.code in AppointmentStatus.values else NOTHING


APPOINTMENT_SEARCH = ResourceType(
    name="Appointment",
    params=(
        SearchParam(
            "patient",
            "reference",
            gettext_lazy(
                "The patient, as Patient/[id] or [id]; or by UHID with patient:identifier="
                "https://hims.delhi.gov.in/fhir/sid/uhid|[UHID]."
            ),
            definition=f"{SP}/Appointment-patient",
            target="Patient",
        ),
        SearchParam(
            "date",
            "date",
            gettext_lazy(
                "When the appointment starts: a day (YYYY-MM-DD, the whole day in India time) or "
                "a dateTime, with prefix eq, ne, gt, lt, ge or le."
            ),
            definition=f"{SP}/clinical-date",
        ),
        SearchParam(
            "status",
            "token",
            gettext_lazy(
                "booked, arrived, fulfilled, cancelled or noshow (system "
                "http://hl7.org/fhir/appointmentstatus)."
            ),
            definition=f"{SP}/Appointment-status",
        ),
        SearchParam(
            "identifier",
            "token",
            gettext_lazy(
                "The booking reference on the slip (system https://hims.delhi.gov.in/fhir/sid/"
                "booking-reference)."
            ),
            definition=f"{SP}/clinical-identifier",
        ),
    ),
    sources=(
        Source(
            model=Appointment,
            to_resource=appointment_resource,
            select_related=APPOINTMENT_RELATED,
            filters={
                "patient": reference_filter("patient_id"),
                "date": date_filter("slot__starts_at"),
                "status": _appointment_status,
                "identifier": token_filter(
                    {BOOKING_REFERENCE_SYSTEM: "reference"},
                    normalize={BOOKING_REFERENCE_SYSTEM: lambda code: code.upper()},
                ),
            },
            ordering=("slot__starts_at", "pk"),
        ),
    ),
)
APPOINTMENT_SOURCE = APPOINTMENT_SEARCH.sources[0]


def _patient_identifier(raw: str) -> Q:
    """`patient:identifier=[system|]UHID`: the patient's UHID (the only patient identifier
    booking works with)."""
    clauses = Q(pk__in=[])
    for part in raw.split(","):
        system, bar, code = part.strip().rpartition("|")
        if bar and system != UHID_SYSTEM:
            continue  # another system's identifier: no appointment matches it
        try:
            clauses |= Q(patient__uhid=normalize_uhid(code))
        except ValidationError:
            continue
    return clauses


def appointment_search_parse(params: QueryDict) -> tuple[SearchQuery, tuple[Q, ...]]:
    """The shared strict parse, plus `patient:identifier` (the one modifier it cannot read)."""
    rest = params.copy()
    identifiers = rest.pop(PATIENT_IDENTIFIER, [])
    extra = []
    for raw in identifiers:
        if not raw.strip():
            raise FhirError(
                _("Search parameter '%(name)s' has an empty value.") % {"name": PATIENT_IDENTIFIER}
            )
        extra.append(_patient_identifier(raw))
    return search_parse(APPOINTMENT_SEARCH, rest), tuple(extra)


def appointment_search_run(
    *,
    query: SearchQuery,
    extra: tuple[Q, ...],
    reader: PatientReader,
    request: HttpRequest | None = None,
) -> SearchPage:
    """Count, fetch one page and log each patient on it, in one transaction."""
    appointments = APPOINTMENT_SOURCE.queryset().filter(
        source_filter(APPOINTMENT_SOURCE, query), *extra
    )
    appointments = appointments_scope(reader, appointments)
    with transaction.atomic():
        total = appointments.count()
        rows = list(appointments[query.offset : query.offset + query.count])
        appointments_search_log(reader=reader, appointments=rows, request=request)
    return SearchPage(
        total=total,
        resources=[appointment_resource(row) for row in rows],
        count=query.count,
        offset=query.offset,
    )
