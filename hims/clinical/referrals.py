"""Follow-up visits and referrals from the consultation, booked through the one booking
service (`appointment_book`): the same capacity, one-booking-per-day and closing rules as
every other booking, and the patient's SMS. A refusal of the booking writes no referral."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.clinical.choices import ReferralKind, ReferralStatus, ReferralUrgency
from hims.clinical.models import Encounter, Referral
from hims.clinical.services import _locked_open, _log
from hims.core.choices import AccessAction
from hims.core.errors import Conflict, ValidationFailed
from hims.lib.db import insert_unless_conflict
from hims.scheduling.choices import QuotaChannel
from hims.scheduling.models import Slot, SlotQuota
from hims.scheduling.services import appointment_book, appointment_cancel

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hims.accounts.models import User
    from hims.network.models import Department

# A follow-up takes a follow-up place; a referral an online place at the receiving OPD, as if
# the patient had booked it themself.
CHANNEL: dict[str, str] = {
    ReferralKind.FOLLOW_UP: QuotaChannel.FOLLOW_UP,
    ReferralKind.REFERRAL: QuotaChannel.ONLINE,
}


def referral_create(
    *,
    encounter: Encounter,
    actor: User,
    kind: str,
    to_department: Department | None,
    reason: str = "",
    urgency: str = ReferralUrgency.ROUTINE,
    wanted_on: date | None = None,
    slot: Slot | None = None,
    request: HttpRequest | None = None,
) -> Referral:
    """Write the follow-up or referral of an open visit, and book `slot` for it when given."""
    reason = reason.strip()
    if kind not in ReferralKind.values:
        raise ValidationFailed(_("Choose a follow-up or a referral."), field="kind")
    if urgency not in ReferralUrgency.values:
        raise ValidationFailed(_("Choose how urgent it is."), field="urgency")
    if kind == ReferralKind.FOLLOW_UP:
        to_department = to_department or encounter.department
    if to_department is None:
        raise ValidationFailed(_("Choose the department."), field="to_department")
    if kind == ReferralKind.REFERRAL:
        if not reason:
            raise ValidationFailed(_("Say why you refer the patient."), field="reason")
        if to_department.pk == encounter.department_id:
            raise ValidationFailed(
                _("This is the patient's own OPD: book a follow-up instead."),
                field="to_department",
            )
    if slot is not None and slot.department_id != to_department.pk:
        raise ValidationFailed(_("Choose a time of that department."), field="slot")
    if wanted_on is not None and wanted_on < timezone.localdate():
        raise ValidationFailed(_("The day must not be in the past."), field="wanted_on")
    with transaction.atomic():
        locked = _locked_open(encounter)
        referral = Referral(
            encounter=locked,
            patient_id=locked.patient_id,
            kind=kind,
            to_department=to_department,
            urgency=urgency,
            reason=reason[:2000],
            wanted_on=slot.day if slot is not None else wanted_on,
            created_by=actor,
        )
        if not insert_unless_conflict(referral):
            raise Conflict(_("The patient is already sent to this department from this visit."))
        if slot is not None:
            # A refusal (full, already booked that day, closed) rolls the referral back too.
            appointment = appointment_book(
                slot=slot, patient=locked.patient, channel=CHANNEL[kind], actor=actor
            )
            Referral.objects.filter(pk=referral.pk).update(
                status=ReferralStatus.BOOKED, appointment=appointment
            )
            referral.status, referral.appointment = ReferralStatus.BOOKED, appointment
        _log(
            locked, actor, AccessAction.CREATE, "ServiceRequest", f"referral-{referral.pk}", request
        )
    return referral


def referral_cancel(
    *, referral: Referral, actor: User, request: HttpRequest | None = None
) -> Referral:
    """Cancel it, and its booking if there is one (the place goes back at once)."""
    with transaction.atomic():
        if (
            not Referral.objects.filter(pk=referral.pk)
            .exclude(status=ReferralStatus.CANCELLED)
            .update(status=ReferralStatus.CANCELLED)
        ):
            raise Conflict(_("This is already cancelled."))
        if referral.appointment is not None:
            appointment_cancel(
                appointment=referral.appointment, actor=actor, reason="referral cancelled"
            )
        _log(
            referral.encounter,
            actor,
            AccessAction.UPDATE,
            "ServiceRequest",
            f"referral-{referral.pk}",
            request,
        )
    referral.refresh_from_db()
    return referral


@dataclass
class SlotPlaces:
    slot: Slot
    free: int


def slots_with_places(*, department: Department, day: date, kind: str) -> list[SlotPlaces]:
    """The day's slots of the department that still have a place of the channel a follow-up or
    a referral books (two queries)."""
    channel = CHANNEL.get(kind, QuotaChannel.ONLINE)
    quotas = SlotQuota.objects.filter(channel=channel, is_open=True, booked__lt=F("capacity"))
    slots = (
        Slot.objects.filter(
            department=department,
            day=day,
            is_blocked=False,
            ends_at__gt=timezone.now(),
            quotas__in=quotas,
        )
        .select_related("practitioner")
        .prefetch_related(Prefetch("quotas", queryset=quotas, to_attr="open_quotas"))
        .order_by("starts_at")
        .distinct()
    )
    return [
        SlotPlaces(slot, sum(q.capacity - q.booked for q in slot.open_quotas))  # type: ignore[attr-defined]
        for slot in slots
    ]
