from __future__ import annotations

from celery import shared_task

from hims.accounts.services import sign_in_records_prune


@shared_task(name="accounts.prune_sign_in_records")
def prune_sign_in_records() -> int:
    return sign_in_records_prune()
