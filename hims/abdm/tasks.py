from __future__ import annotations

from celery import shared_task

from hims.abdm.services import health_information_transfer


@shared_task(name="abdm.transfer_health_information", acks_late=True)
def transfer_health_information(hi_request_id: int) -> str:
    """Push the records of an acknowledged health-information request (runs once)."""
    return str(health_information_transfer(hi_request_id=hi_request_id).status)
