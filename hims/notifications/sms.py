"""SMS gateway adapters. The real gateway cannot be reached from here; these local backends
stand in for it and keep the same contract: `send(to, body) -> provider message id`."""

from __future__ import annotations

import json
import logging
import secrets
import sys
import threading
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from hims.lib.identifiers import mask_mobile

logger = logging.getLogger(__name__)
_file_lock = threading.Lock()


class SMSError(Exception):
    """The gateway refused or failed; the outbox retries."""


class SMSBackend(Protocol):
    """`reference` is our outbox message id: a gateway that supports it drops a repeated send."""

    def send(self, *, to: str, body: str, reference: str = "") -> str: ...


class ConsoleBackend:
    """Prints each SMS to stdout with the number masked (the demo reads OTPs here)."""

    def send(self, *, to: str, body: str, reference: str = "") -> str:
        message_id = f"console-{secrets.token_hex(6)}"
        sys.stdout.write(f"[SMS to {mask_mobile(to)}] {body}\n")
        sys.stdout.flush()
        return message_id


class FileBackend:
    """Appends each SMS as one JSON line to HIMS_SMS_FILE (tests and the demo OTP page read it)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or settings.HIMS_SMS_FILE)

    def send(self, *, to: str, body: str, reference: str = "") -> str:
        message_id = f"file-{secrets.token_hex(6)}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {
                "id": message_id,
                "reference": reference,
                "to": to,
                "body": body,
                "at": timezone.now().isoformat(),
            },
            ensure_ascii=False,
        )
        with _file_lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return message_id


class FileAndConsoleBackend(FileBackend):
    def send(self, *, to: str, body: str, reference: str = "") -> str:
        message_id = super().send(to=to, body=body, reference=reference)
        ConsoleBackend().send(to=to, body=body, reference=reference)
        return message_id


def sms_backend() -> SMSBackend:
    backend_class = import_string(settings.HIMS_SMS_BACKEND)
    return backend_class()  # type: ignore[no-any-return]


def sms_file_read(
    *, path: Path | None = None, to: str | None = None, limit: int = 20
) -> list[dict[str, str]]:
    """The last messages the file backend wrote (newest first), optionally for one number."""
    file = Path(path or settings.HIMS_SMS_FILE)
    if not file.exists():
        return []
    rows = [
        json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    if to:
        rows = [row for row in rows if row["to"] == to]
    return list(reversed(rows))[:limit]
