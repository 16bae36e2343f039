from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hims.scheduling.notices import reminders_queue
from hims.scheduling.services import online_places_release, slots_generate


@shared_task(name="scheduling.generate_slots")
def generate_slots() -> int:
    """Keep slots generated for the booking window ahead (HIMS_SLOT_WINDOW_DAYS)."""
    return slots_generate(start=timezone.localdate(), days=settings.HIMS_SLOT_WINDOW_DAYS)


@shared_task(name="scheduling.release_online_places")
def release_online_places() -> int:
    """Online places still free shortly before their slot go to the counter (every 5 minutes)."""
    return online_places_release()


@shared_task(name="scheduling.send_reminders")
def send_reminders() -> int:
    """The day-before SMS for tomorrow's bookings (daily, evening; safe to run twice: one
    message per booking)."""
    with transaction.atomic():
        return reminders_queue(day=timezone.localdate() + timedelta(days=1))
