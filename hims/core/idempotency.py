"""Idempotency-Key for API writes: a retried request gets the first answer, never a second act.

The key row is inserted before the work, in the work's own transaction, so two copies of a
request racing each other cannot both act: the second waits on the key's unique index, then
replays the first answer. A refusal rolls the key back with the rest (nothing written, a retry
may act). A key reused for a different request is refused.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.core.errors import Busy, Conflict, ValidationFailed
from hims.core.models import IdempotencyKey
from hims.lib.db import insert_unless_conflict

KEY_HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 100
WAIT_SECONDS = 5.0
KEEP = timedelta(hours=24)


def _fingerprint(request: HttpRequest) -> str:
    method = (request.method or "").encode()
    try:
        body = request.body
    except RawPostDataException:  # a multipart form already parsed: its fields stand for it
        body = urlencode(sorted(request.POST.lists()), doseq=True).encode()
    return hashlib.sha256(method + request.path.encode() + b"\n" + body).hexdigest()


def idempotent_call(
    request: HttpRequest, act: Callable[[], HttpResponse], *, key: str | None = None
) -> HttpResponse:
    """Run `act` once per (user, Idempotency-Key); without the header, just run it. Pages pass
    `key` from a hidden form field, so a double-tapped button acts once."""
    key = (key if key is not None else request.headers.get(KEY_HEADER, "")).strip()
    if not key:
        return act()
    if len(key) > KEY_MAX_LENGTH:
        raise ValidationFailed(
            _("The Idempotency-Key is too long (at most 100 characters)."), field=KEY_HEADER
        )
    user_id: int | None = request.user.pk if request.user.is_authenticated else None
    fingerprint = _fingerprint(request)
    # The key row is written in the same transaction as the work: a booking commits once, and a
    # refusal (the work raising) rolls the key back with everything else, writing nothing. A
    # concurrent copy of the request waits on the key's unique index until this one ends, then
    # replays its answer (or acts, if this one was rolled back).
    try:
        with transaction.atomic():
            # Hand-written statements: every booking over the API passes here twice.
            record = IdempotencyKey(user_id=user_id, key=key, fingerprint=fingerprint)
            if not insert_unless_conflict(record):
                raise _KeyTaken()
            response = act()
            if response.status_code >= 500:
                raise _Discard(response)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {IdempotencyKey._meta.db_table} "  # noqa: S608 (the model's table)
                    "SET status = %s, body = %s, content_type = %s, location = %s WHERE id = %s",
                    [
                        response.status_code,
                        response.content.decode("utf-8"),
                        response.get("Content-Type", "application/json"),
                        response.get("Location", ""),
                        record.pk,
                    ],
                )
    except _KeyTaken:
        return _replay(user_id=user_id, key=key, fingerprint=fingerprint)
    except _Discard as discarded:
        return discarded.response  # nothing kept: a retry may act
    return response


class _KeyTaken(Exception):
    """Another copy of the request holds (or held) the key."""


class _Discard(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _replay(*, user_id: int | None, key: str, fingerprint: str) -> HttpResponse:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        record = IdempotencyKey.objects.filter(user=user_id, key=key).first()
        if record is None:
            raise Busy(_("The first copy of this request failed; send it again."))
        if record.fingerprint != fingerprint:
            raise Conflict(
                _("This Idempotency-Key was already used for a different request."),
                field=KEY_HEADER,
            )
        if record.status is not None:
            response = HttpResponse(
                record.body, status=record.status, content_type=record.content_type
            )
            response["Idempotent-Replayed"] = "true"
            if record.location:
                response["Location"] = record.location
            return response
        if time.monotonic() > deadline:
            raise Busy()
        time.sleep(0.05)


def idempotency_keys_expire() -> int:
    """Forget keys after a day (run daily)."""
    deleted, _detail = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return deleted


def json_created(body: dict[str, Any], *, location: str = "") -> JsonResponse:
    response = JsonResponse(body, status=201, json_dumps_params={"ensure_ascii": False})
    if location:
        response["Location"] = location
    return response
