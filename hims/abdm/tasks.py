from __future__ import annotations

from celery import shared_task

from hims.abdm.services import health_information_transfer


@shared_task(name="abdm.transfer_health_information", acks_late=True)
def transfer_health_information(hi_request_id: int) -> str:
    """Push the records of an acknowledged health-information request (runs once)."""
    return str(health_information_transfer(hi_request_id=hi_request_id).status)


@shared_task(name="abdm.link_care_context", acks_late=True)
def link_care_context(encounter_id: int) -> str:
    """After a visit closes: make it known to the patient's ABHA (once; nothing to do for a
    patient without an ABHA number or a facility without an HFR ID)."""
    from hims.abdm.services import care_context_link
    from hims.clinical.models import Encounter
    from hims.core.errors import ValidationFailed

    encounter = Encounter.objects.filter(pk=encounter_id).first()
    if encounter is None:
        return "gone"
    try:
        return care_context_link(encounter=encounter).reference
    except ValidationFailed as skipped:
        return f"skipped: {skipped.field}"
