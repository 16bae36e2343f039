from __future__ import annotations

from celery import shared_task

from hims.core.idempotency import idempotency_keys_expire


@shared_task(name="core.expire_idempotency_keys")
def expire_idempotency_keys() -> int:
    return idempotency_keys_expire()
