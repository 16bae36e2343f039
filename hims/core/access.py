"""The one helper through which every read or write of patient data is logged.

Later issues (patients, records) call `access_record` from their selectors and services, and
the patient sees the rows in "who viewed my record". `client_ip` and the actor's role come
from the request; nothing personal (names, mobiles, ABHA numbers) is written here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hims.core.choices import AccessAction, AccessBasis, AccessOutcome
from hims.core.models import AccessEvent

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hims.accounts.models import User
    from hims.network.models import Facility


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # Behind nginx, the proxy sets X-Forwarded-For; only its last hop is trusted (docs/deploy.md).
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[-1].strip() if forwarded else request.META.get("REMOTE_ADDR")
    return ip or None


def request_channel(request: HttpRequest | None) -> str:
    if request is None:
        return "cli"
    path = request.path_info
    if path.startswith("/fhir/"):
        return "fhir"
    if path.startswith("/api/"):
        return "api"
    return "web"


def access_record(
    *,
    actor: User | None,
    action: AccessAction | str,
    resource_type: str,
    basis: AccessBasis | str,
    patient_id: int | None = None,
    resource_id: str | int = "",
    facility: Facility | None = None,
    actor_role: str = "",
    purpose: str = "",
    outcome: AccessOutcome | str = AccessOutcome.ALLOWED,
    reason: str = "",
    request: HttpRequest | None = None,
) -> AccessEvent:
    """Append one access-log entry. Call inside the transaction that reads or writes the data."""
    return AccessEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_role=actor_role,
        facility=facility,
        patient_id=patient_id,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id),
        basis=basis,
        purpose=purpose,
        outcome=outcome,
        reason=reason[:500],
        client_ip=client_ip(request),
        channel=request_channel(request),
    )
