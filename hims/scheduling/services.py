"""The one write path that consumes slot places (STYLE.md, scarce resources).

`appointment_book` is a conditional UPDATE (`booked = booked + 1 WHERE booked < capacity`) and
an INSERT in one transaction: no lock is taken, a full slot is refused without writing, and the
CHECK constraint on SlotQuota would stop any other code path that tried to overbook.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.core.errors import Conflict, NotFound
from hims.scheduling.choices import AppointmentStatus, QuotaChannel
from hims.scheduling.models import Appointment, ScheduleSession, Slot, SlotQuota

if TYPE_CHECKING:
    from hims.accounts.models import User
    from hims.patients.models import Patient

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a counter


class SlotFull(Conflict):
    code = "slot_full"
    default_message = _("This time is fully booked. Please choose another time.")


class AlreadyBooked(Conflict):
    code = "already_booked"
    default_message = _("This patient already has a booking in this department on this day.")


def booking_reference_new() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def appointment_book(
    *, slot: Slot, patient: Patient, channel: str = QuotaChannel.ONLINE, actor: User | None = None
) -> Appointment:
    """Book one place of the slot's quota for `channel`, or refuse (SlotFull, AlreadyBooked)."""
    if not Slot.objects.filter(pk=slot.pk, is_blocked=False).exists():
        raise SlotFull()
    with transaction.atomic():
        # Only this row's own columns in the WHERE: PostgreSQL re-checks them on the row version
        # it gets after waiting for a concurrent booking. A join here (slot__is_blocked) turns the
        # filter into `id IN (subquery)`, whose old snapshot is not re-checked: the CHECK
        # constraint then refused the twenty-first booking in our concurrency test.
        taken = SlotQuota.objects.filter(
            slot_id=slot.pk, channel=channel, booked__lt=F("capacity")
        ).update(booked=F("booked") + 1)
        if not taken:
            raise SlotFull()
        quota = SlotQuota.objects.get(slot=slot, channel=channel)
        try:
            with transaction.atomic():
                return Appointment.objects.create(
                    reference=booking_reference_new(),
                    slot=slot,
                    quota=quota,
                    patient=patient,
                    department_id=slot.department_id,
                    day=slot.day,
                    booked_by=actor,
                )
        except IntegrityError as error:
            text = str(error)
            # PostgreSQL names the constraint; SQLite names its columns.
            if (
                "appointment_one_active_per_department_day" in text
                or "appointment.patient_id" in text
            ):
                raise AlreadyBooked() from error  # the outer transaction undoes the increment
            raise


def appointment_cancel(*, appointment: Appointment) -> Appointment:
    """Cancel and give the place back at once; cancelling twice changes nothing."""
    with transaction.atomic():
        cancelled = Appointment.objects.filter(
            pk=appointment.pk, status=AppointmentStatus.BOOKED
        ).update(status=AppointmentStatus.CANCELLED, cancelled_at=timezone.now())
        if cancelled:
            SlotQuota.objects.filter(pk=appointment.quota_id, booked__gt=0).update(
                booked=F("booked") - 1
            )
    appointment.refresh_from_db()
    return appointment


def slot_get(*, slot_id: int) -> Slot:
    slot = Slot.objects.filter(pk=slot_id).first()
    if slot is None:
        raise NotFound(_("No such slot."))
    return slot


def slots_generate(*, start: date, days: int) -> int:
    """Create the slots of every active session for `days` days from `start`; running it again
    creates nothing (the unique slot-time constraints decide, not a prior read)."""
    created = 0
    zone = timezone.get_current_timezone()
    sessions = ScheduleSession.objects.filter(is_active=True).select_related("department")
    for session in sessions:
        for offset in range(days):
            day = start + timedelta(days=offset)
            if str(day.weekday()) not in session.weekdays or day < session.valid_from:
                continue
            if session.valid_until and day > session.valid_until:
                continue
            moment = datetime.combine(day, session.starts, tzinfo=zone)
            end_of_session = datetime.combine(day, session.ends, tzinfo=zone)
            step = timedelta(minutes=session.slot_minutes)
            while moment + step <= end_of_session:
                created += _slot_create(
                    session=session, day=day, starts_at=moment, ends_at=moment + step
                )
                moment += step
    return created


def _slot_create(
    *, session: ScheduleSession, day: date, starts_at: datetime, ends_at: datetime
) -> int:
    try:
        with transaction.atomic():
            slot = Slot.objects.create(
                facility_id=session.department.facility_id,
                department_id=session.department_id,
                practitioner_id=session.practitioner_id,
                session=session,
                starts_at=starts_at,
                ends_at=ends_at,
                day=day,
            )
            SlotQuota.objects.bulk_create(
                SlotQuota(slot=slot, channel=channel, capacity=places)
                for channel, places in session.places().items()
                if places
            )
    except IntegrityError:
        return 0  # already generated
    return 1
