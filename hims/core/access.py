"""The one helper through which every read or write of patient data is logged.

Later issues (patients, records) call `access_record` from their selectors and services, and
the patient sees the rows in "who viewed my record". `client_ip` and the actor's role come
from the request; nothing personal (names, mobiles, ABHA numbers) is written here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings

from hims.core.choices import AccessAction, AccessBasis, AccessOutcome
from hims.core.models import AccessEvent

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hims.accounts.models import User
    from hims.network.models import Facility


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. X-Forwarded-For is trusted only for the number of proxies we run
    (HIMS_PROXY_COUNT, 1 behind nginx); otherwise anyone could pick their own address and slip
    past the per-address sign-in limits."""
    if request is None:
        return None
    proxies = settings.HIMS_PROXY_COUNT
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies] or None
    return request.META.get("REMOTE_ADDR") or None


def request_channel(request: HttpRequest | None) -> str:
    if request is None:
        return "cli"
    path = request.path_info
    if path.startswith("/fhir/"):
        return "fhir"
    if path.startswith("/api/"):
        return "api"
    return "web"


def _acting_role(request: HttpRequest | None) -> str:
    membership = getattr(request, "membership", None)
    return str(getattr(membership, "role", "") or "")


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
    """Append one access-log entry. Call inside the transaction that reads or writes the data.
    The role defaults to the one the staff member is acting in on this request."""
    return AccessEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_role=actor_role or _acting_role(request),
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


def access_record_listed(
    *,
    actor: User,
    patient_ids: Sequence[int],
    basis: AccessBasis | str,
    facility: Facility | None = None,
    actor_role: str = "",
    request: HttpRequest | None = None,
) -> None:
    """One `search` entry per patient shown in a list, written in one INSERT."""
    _record_many(
        actor=actor,
        action=AccessAction.SEARCH,
        entries=[(patient_id, "Patient", patient_id) for patient_id in patient_ids],
        basis=basis,
        facility=facility,
        actor_role=actor_role,
        request=request,
    )


def _record_many(
    *,
    actor: User | None,
    action: str,
    entries: Sequence[tuple[int, str, int | str]],  # (patient id, record type, record id)
    basis: AccessBasis | str,
    facility: Facility | None,
    actor_role: str = "",
    purpose: str = "",
    reason: str = "",
    request: HttpRequest | None = None,
) -> None:
    if not entries:
        return
    ip, channel = client_ip(request), request_channel(request)
    actor_role = actor_role or _acting_role(request)
    AccessEvent.objects.bulk_create(
        AccessEvent(
            actor=actor if actor is not None and actor.is_authenticated else None,
            actor_role=actor_role,
            facility=facility,
            patient_id=patient_id,
            action=action,
            resource_type=resource_type,
            resource_id=str(resource_id),
            basis=basis,
            purpose=purpose,
            outcome=AccessOutcome.ALLOWED,
            reason=reason[:500],
            client_ip=ip,
            channel=channel,
        )
        for patient_id, resource_type, resource_id in entries
    )


def access_record_patient(
    *,
    actor: User | None,
    patient_id: int,
    action: AccessAction | str,
    basis: AccessBasis | str = AccessBasis.ADMINISTRATION,
    facility: Facility | None = None,
    request: HttpRequest | None = None,
    **details: str,
) -> AccessEvent:
    """`access_record` for the patient record itself (demographics)."""
    return access_record(
        actor=actor,
        action=action,
        resource_type="Patient",
        resource_id=patient_id,
        patient_id=patient_id,
        basis=basis,
        facility=facility,
        request=request,
        **details,  # type: ignore[arg-type]
    )


def access_record_resources(
    *,
    actor: User,
    resource_type: str,
    resource_ids: Sequence[int | str],
    patient_id: int,
    basis: AccessBasis | str,
    facility: Facility | None = None,
    purpose: str = "",
    request: HttpRequest | None = None,
) -> None:
    """One `read` entry per record of the patient shown on a page, written in one INSERT."""
    _record_many(
        actor=actor,
        action=AccessAction.READ,
        entries=[(patient_id, resource_type, resource_id) for resource_id in resource_ids],
        basis=basis,
        facility=facility,
        purpose=purpose,
        request=request,
    )


def access_record_shown(
    *,
    actor: User | None,
    shown: Sequence[tuple[int, str, int | str]],  # (patient id, record type, record id)
    basis: AccessBasis | str,
    facility: Facility | None = None,
    actor_role: str = "",
    purpose: str = "",
    reason: str = "",
    request: HttpRequest | None = None,
) -> None:
    """One `read` entry per record of any type shown on a page (a timeline), in one INSERT."""
    _record_many(
        actor=actor,
        action=AccessAction.READ,
        entries=shown,
        basis=basis,
        facility=facility,
        actor_role=actor_role,
        purpose=purpose,
        reason=reason,
        request=request,
    )
