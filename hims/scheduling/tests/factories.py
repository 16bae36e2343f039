"""Slots and bookings for tests, always relative to today (never fixed dates)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from hims.accounts.choices import UserKind
from hims.accounts.models import User
from hims.scheduling.models import ScheduleSession, Slot, SlotQuota


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """A local time `days` from today."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(
        hours=hour, minutes=minute
    )


def make_slot(
    department: Any,
    *,
    starts_at: datetime | None = None,
    online: int = 2,
    counter: int = 1,
    priority: int = 0,
    minutes: int = 10,
    session: ScheduleSession | None = None,
    practitioner: Any = None,
) -> Slot:
    starts_at = starts_at or at(2, 9)
    slot = Slot.objects.create(
        facility=department.facility,
        department=department,
        practitioner=practitioner,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        day=timezone.localdate(starts_at),
        session=session,
    )
    for channel, places in (("online", online), ("counter", counter), ("priority", priority)):
        SlotQuota.objects.create(slot=slot, channel=channel, capacity=places)
    return slot


def patient_login(mobile: str = "9811100001") -> User:
    user, created = User.objects.get_or_create(
        kind=UserKind.PATIENT, mobile=mobile, defaults={"username": f"patient-{mobile}"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user
