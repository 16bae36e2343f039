from __future__ import annotations

from celery import shared_task

from hims.records.services import consents_expire_due


@shared_task(name="records.expire_consents")
def expire_consents() -> int:
    """Relabel consents past their end (access already stopped at the time itself)."""
    return consents_expire_due()
