"""The gateway calls a health-information provider makes, behind an adapter.

The national gateway cannot be reached from here. `LocalHipGateway` records each call (path,
headers, body, as the gateway would receive it) in the same JSON-lines outbox as the Scan and
Share adapter (HIMS_ABDM_OUTBOX); contract tests read the shapes back. Nothing here claims that
the real gateway was called. A deployment plugs a real client in by dotted path
(HIMS_ABDM_HIP_GATEWAY) that signs in to the gateway and posts the same bodies.

The data push itself is not a gateway call: it goes over real HTTP to the requester's
dataPushUrl (hims.abdm.services).
"""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from hims.patients.abdm import LocalGateway

LINK_TOKEN_PREFIX = "local-unissued-"  # noqa: S105 (a label, not a secret)


def gateway_envelope(*, body: dict[str, Any], in_reply_to: str | None = None) -> dict[str, Any]:
    """requestId and timestamp (UTC, milliseconds) as every v0.5 gateway body starts."""
    envelope: dict[str, Any] = {
        "requestId": str(uuid.uuid4()),
        "timestamp": timezone.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        **body,
    }
    if in_reply_to:
        envelope["resp"] = {"requestId": in_reply_to}
    return envelope


class HipGateway(Protocol):
    def link_token(self, *, abha_number: str, hip_id: str) -> str: ...

    def links_add_contexts(self, *, body: dict[str, Any]) -> str: ...

    def consents_on_notify(self, *, body: dict[str, Any], in_reply_to: str) -> str: ...

    def health_information_on_request(self, *, body: dict[str, Any], in_reply_to: str) -> str: ...

    def health_information_notify(self, *, body: dict[str, Any]) -> str: ...


class LocalHipGateway(LocalGateway):
    """Records what would be sent; sends nothing."""

    def link_token(self, *, abha_number: str, hip_id: str) -> str:
        """A real client gets a linking token by /v0.5/users/auth/init and /confirm (the patient
        authenticates). Locally the init call is recorded and an obviously local placeholder is
        returned: it is no token the gateway issued."""
        body = gateway_envelope(
            body={
                "query": {
                    "id": f"{abha_number}@abdm",
                    "purpose": "LINK",
                    "authMode": "DEMOGRAPHICS",
                    "requester": {"type": "HIP", "id": hip_id},
                }
            }
        )
        self._record(path="/v0.5/users/auth/init", request_id=body["requestId"], body=body)
        return f"{LINK_TOKEN_PREFIX}{uuid.uuid4()}"

    def links_add_contexts(self, *, body: dict[str, Any]) -> str:
        return self._record(
            path="/v0.5/links/link/add-contexts", request_id=body["requestId"], body=body
        )

    def consents_on_notify(self, *, body: dict[str, Any], in_reply_to: str) -> str:
        return self._record(path="/v0.5/consents/hip/on-notify", request_id=in_reply_to, body=body)

    def health_information_on_request(self, *, body: dict[str, Any], in_reply_to: str) -> str:
        return self._record(
            path="/v0.5/health-information/hip/on-request", request_id=in_reply_to, body=body
        )

    def health_information_notify(self, *, body: dict[str, Any]) -> str:
        return self._record(
            path="/v0.5/health-information/notify", request_id=body["requestId"], body=body
        )


def hip_gateway() -> HipGateway:
    path = getattr(settings, "HIMS_ABDM_HIP_GATEWAY", "hims.abdm.gateway.LocalHipGateway")
    return import_string(path)()  # type: ignore[no-any-return]
