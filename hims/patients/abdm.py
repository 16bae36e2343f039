"""The ABDM gateway adapter. The national gateway cannot be reached from here: the local
implementation records each outbound call (as the gateway would receive it) in a JSON-lines
file, and contract tests check those shapes against the published v3 API. Nothing in this
code base claims that the real gateway was called."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

_lock = threading.Lock()


class AbdmGateway(Protocol):
    def patient_share_on_share(self, *, request_id: str, body: dict[str, Any]) -> str: ...


class LocalGateway:
    """Writes outbound calls to HIMS_ABDM_OUTBOX (var/abdm-outbox.log)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or settings.HIMS_ABDM_OUTBOX)

    def _record(self, *, path: str, request_id: str, body: dict[str, Any]) -> str:
        message_id = str(uuid.uuid4())
        line = {
            "path": path,
            "headers": {"REQUEST-ID": message_id, "TIMESTAMP": timezone.now().isoformat()},
            "inReplyTo": request_id,
            "body": body,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        return message_id

    def patient_share_on_share(self, *, request_id: str, body: dict[str, Any]) -> str:
        return self._record(
            path="/api/hiecm/patient-share/v3/on-share", request_id=request_id, body=body
        )


def abdm_gateway() -> AbdmGateway:
    return import_string(settings.HIMS_ABDM_GATEWAY)()  # type: ignore[no-any-return]


def abdm_outbox_read(*, path: Path | None = None) -> list[dict[str, Any]]:
    file = Path(path or settings.HIMS_ABDM_OUTBOX)
    if not file.exists():
        return []
    return [
        json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
