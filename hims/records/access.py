"""Who may read a patient's clinical record (shared/DESIGN.md section 5), decided in one place.

A staff member working at a facility may read when one of these holds, checked in this order:

1. a treating relationship: the patient has a visit at this facility in the last
   HIMS_TREATING_WINDOW_DAYS, a booking there (not cancelled) in that window or ahead, or a
   queue token there today;
2. a consent the patient granted to this doctor at this facility, in force now: it covers only
   its record types and the records dated in its range;
3. an emergency access (break the glass) this doctor opened for this patient and that has not
   ended.

The patient reads their own record (basis "self"). Every page and API that shows clinical data
asks `record_access_for_staff` first; a refusal is written to the access log (the patient sees
it) and answered with the ways to get access: ask for consent, or break the glass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from hims.accounts.choices import Role
from hims.core.access import access_record
from hims.core.choices import AccessAction, AccessBasis, AccessOutcome
from hims.records.choices import HI_TYPE_OF, ConsentStatus
from hims.records.models import Consent, EmergencyAccess

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hims.accounts.models import User
    from hims.network.models import Facility

# Roles that treat patients and so may hold a treating relationship, consent or emergency access.
CLINICAL_ROLES = {Role.DOCTOR, Role.NURSE, Role.LAB_TECHNICIAN, Role.ANM}
# Only a doctor asks for consent or breaks the glass: they answer for it.
REQUESTING_ROLES = {Role.DOCTOR}

PURPOSE_TREATMENT = "treatment"
PURPOSE_EMERGENCY = "BTG"  # ABDM's purpose code for break the glass


@dataclass(frozen=True)
class RecordAccess:
    """What one reader may see of one patient's record now, and on what basis."""

    patient_id: int
    basis: AccessBasis
    purpose: str
    consents: tuple[Consent, ...] = field(default=())
    emergency: EmergencyAccess | None = None

    def allows(self, resource_type: str, on: date | datetime | None = None) -> bool:
        """May this kind of record, dated `on`, be shown? Everything, unless the basis is a
        consent: then only the record types and dates some consent in force covers."""
        if self.basis != AccessBasis.CONSENT:
            return True
        hi_type = HI_TYPE_OF.get(resource_type)
        day = on.date() if isinstance(on, datetime) else on
        return any(
            hi_type in consent.hi_types
            and (day is None or consent.records_from <= day <= consent.records_to)
            for consent in self.consents
        )

    def dates_q(self, resource_type: str, field: str) -> Q:
        """The same rule as `allows`, as a filter on the record's date `field`: nothing when the
        type is not covered, the union of the consents' date ranges when it is."""
        if self.basis != AccessBasis.CONSENT:
            return Q()
        hi_type = HI_TYPE_OF.get(resource_type)
        ranges = Q(pk__in=[])
        for consent in self.consents:
            if hi_type in consent.hi_types:
                ranges |= Q(**{f"{field}__range": (consent.records_from, consent.records_to)})
        return ranges

    @property
    def reason(self) -> str:
        return self.emergency.reason if self.emergency is not None else ""


def treating_window() -> timedelta:
    return timedelta(days=settings.HIMS_TREATING_WINDOW_DAYS)


def _is_treating(*, patient_id: int, facility_id: int, now: datetime) -> bool:
    """One query: a recent visit, a booking or a token today at the facility."""
    from hims.clinical.models import Encounter
    from hims.patients.models import Patient
    from hims.scheduling.choices import AppointmentStatus
    from hims.scheduling.models import Appointment, QueueToken

    since = now - treating_window()
    today = timezone.localdate(now)
    row = (
        Patient.objects.filter(pk=patient_id)
        .annotate(
            visit=Exists(
                Encounter.objects.filter(
                    patient_id=OuterRef("pk"), facility_id=facility_id, started_at__gte=since
                )
            ),
            booking=Exists(
                Appointment.objects.filter(
                    patient_id=OuterRef("pk"),
                    department__facility_id=facility_id,
                    day__gte=since.date(),
                ).exclude(status=AppointmentStatus.CANCELLED)
            ),
            token=Exists(
                QueueToken.objects.filter(
                    patient_id=OuterRef("pk"), queue__facility_id=facility_id, queue__day=today
                )
            ),
        )
        .values_list("visit", "booking", "token")
        .first()
    )
    return bool(row and any(row))


def record_access_for_staff(
    *, user: User, role: str, facility: Facility | None, patient_id: int
) -> RecordAccess | None:
    """The reader's access to the patient's clinical record now, or None (refused)."""
    if role not in CLINICAL_ROLES or facility is None:
        return None
    now = timezone.now()
    if _is_treating(patient_id=patient_id, facility_id=facility.pk, now=now):
        return RecordAccess(patient_id, AccessBasis.TREATING, PURPOSE_TREATMENT)
    consents = tuple(
        Consent.objects.filter(
            patient_id=patient_id,
            requester=user,
            facility=facility,
            status=ConsentStatus.GRANTED,
            expires_at__gt=now,
        ).order_by("-expires_at")
    )
    if consents:
        return RecordAccess(patient_id, AccessBasis.CONSENT, consents[0].purpose, consents)
    emergency = (
        EmergencyAccess.objects.filter(
            patient_id=patient_id, actor=user, facility=facility, expires_at__gt=now
        )
        .order_by("-expires_at")
        .first()
    )
    if emergency is not None:
        return RecordAccess(
            patient_id, AccessBasis.BREAK_GLASS, PURPOSE_EMERGENCY, emergency=emergency
        )
    return None


def record_access_for_request(
    *, request: HttpRequest, patient_id: int, resource_type: str, resource_id: object = ""
) -> RecordAccess | None:
    """`record_access_for_staff` for the signed-in staff member; a refusal is logged."""
    membership = request.membership  # type: ignore[attr-defined]
    facility = request.facility  # type: ignore[attr-defined]
    access = record_access_for_staff(
        user=request.user,  # type: ignore[arg-type]
        role=membership.role,
        facility=facility,
        patient_id=patient_id,
    )
    if access is None:
        access_record(
            actor=request.user,  # type: ignore[arg-type]
            action=AccessAction.READ,
            resource_type=resource_type,
            resource_id=str(resource_id),
            patient_id=patient_id,
            facility=facility,
            basis=AccessBasis.NONE,
            outcome=AccessOutcome.DENIED,
            request=request,
        )
    return access


def self_access(patient_id: int) -> RecordAccess:
    return RecordAccess(patient_id, AccessBasis.SELF, "PATRQT")
