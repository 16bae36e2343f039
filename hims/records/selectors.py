"""The shared record's reads. So far: the access log, as the patient and as an auditor see it.

The log itself lives in `hims.core` (AccessEvent, written by `hims.core.access`); the timeline,
consents and access rules of issue #5 are to join it here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.accounts.choices import Role
from hims.core.models import AccessEvent

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from hims.patients.models import Patient

AUDIT_ROLES = {Role.AUDITOR, Role.NETWORK_ADMIN}

# What each record type is called on the patient's page (the log keeps the FHIR-like name).
RECORD_TYPE_LABELS: dict[str, _StrPromise] = {
    "Patient": _("Registration details"),
    "Appointment": _("Appointment"),
    "AccessLog": _("Who viewed your record"),
    "Encounter": _("Visit"),
    "Observation": _("Vitals or test result"),
    "Condition": _("Diagnosis"),
    "MedicationRequest": _("Prescription"),
    "DiagnosticReport": _("Test report"),
    "AllergyIntolerance": _("Allergy"),
    "Immunization": _("Vaccination"),
    "Consent": _("Consent"),
}


def record_type_label(resource_type: str) -> str:
    return str(RECORD_TYPE_LABELS.get(resource_type, resource_type))


def access_list_for_patients(*, patients: list[Patient]) -> QuerySet[AccessEvent]:
    """Every entry about these patients (a family signed in with one mobile), newest first,
    with who and where, for "who viewed my record"."""
    return (
        AccessEvent.objects.filter(patient_id__in=[p.pk for p in patients])
        .select_related("actor", "facility")
        .order_by("-at", "-id")
    )


@dataclass(frozen=True)
class AuditFilter:
    patient_id: int | None = None
    actor_id: int | None = None
    facility_id: int | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    action: str = ""
    basis: str = ""
    outcome: str = ""


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def access_list_for_audit(query: AuditFilter) -> QuerySet[AccessEvent]:
    """The log filtered as an auditor asked, newest first; each filter uses an index of its own
    (patient, actor or facility, each with the time)."""
    events = AccessEvent.objects.select_related("actor", "facility").order_by("-at", "-id")
    if query.patient_id is not None:
        events = events.filter(patient_id=query.patient_id)
    if query.actor_id is not None:
        events = events.filter(actor_id=query.actor_id)
    if query.facility_id is not None:
        events = events.filter(facility_id=query.facility_id)
    if query.since is not None:
        events = events.filter(at__gte=_day_start(query.since))
    if query.until is not None:
        events = events.filter(at__lt=_day_start(query.until + timedelta(days=1)))
    for name in ("action", "basis", "outcome"):
        if getattr(query, name):
            events = events.filter(**{name: getattr(query, name)})
    return events


def access_rows_for_export(query: AuditFilter) -> Iterator[list[str]]:
    """The filtered log as CSV rows (header first), read in chunks: an export of lakhs of rows
    streams without holding them in memory. Names stay out; user names and UHIDs identify."""
    from hims.patients.models import Patient

    yield [
        "at",
        "actor",
        "role",
        "facility",
        "patient_uhid",
        "action",
        "record_type",
        "record_id",
        "basis",
        "purpose",
        "outcome",
        "reason",
        "channel",
    ]
    events = access_list_for_audit(query)
    batch: list[AccessEvent] = []
    for event in events.iterator(chunk_size=2000):
        batch.append(event)
        if len(batch) == 2000:
            yield from _export_rows(batch, Patient)
            batch = []
    yield from _export_rows(batch, Patient)


def _cell(value: str) -> str:
    """A spreadsheet would run a cell starting with = + - @ as a formula (a free-text reason
    could carry one): such cells get a leading apostrophe."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _export_rows(batch: list[AccessEvent], patient_model: type[Patient]) -> Iterator[list[str]]:
    ids = {e.patient_id for e in batch if e.patient_id is not None}
    uhids = dict(patient_model.objects.filter(pk__in=ids).values_list("pk", "uhid"))
    for event in batch:
        yield [
            timezone.localtime(event.at).isoformat(timespec="seconds"),
            event.actor.username if event.actor else "",
            event.actor_role,
            event.facility.code if event.facility else "",
            uhids.get(event.patient_id, "") if event.patient_id is not None else "",
            event.action,
            event.resource_type,
            event.resource_id,
            event.basis,
            _cell(event.purpose),
            event.outcome,
            _cell(event.reason),
            event.channel,
        ]
