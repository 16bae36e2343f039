from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from hims.scheduling.services import slots_generate


@shared_task(name="scheduling.generate_slots")
def generate_slots() -> int:
    """Keep slots generated for the booking window ahead (HIMS_SLOT_WINDOW_DAYS)."""
    return slots_generate(start=timezone.localdate(), days=settings.HIMS_SLOT_WINDOW_DAYS)
