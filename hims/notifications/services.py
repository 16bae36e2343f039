"""Queue messages in the outbox (inside the caller's transaction) and deliver them once."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hims.lib.db import insert_unless_conflict
from hims.lib.identifiers import mask_mobile
from hims.notifications.choices import MessageStatus
from hims.notifications.messages import message_render
from hims.notifications.models import OutboxMessage
from hims.notifications.sms import SMSError, sms_backend

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=5)


def message_queue(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    dedupe_key: str,
    language: str | None = None,
    sensitive: bool = False,
) -> OutboxMessage:
    """Write the message; it is handed to a worker only after the surrounding transaction commits."""
    language = language or settings.LANGUAGE_CODE
    body = message_render(template=template, context=context, language=language)
    message = OutboxMessage(
        to=to,
        template=template,
        language=language,
        body=body,
        sensitive=sensitive,
        dedupe_key=dedupe_key,
    )
    # ON CONFLICT DO NOTHING rather than a savepoint: a repeat writes nothing and aborts nothing.
    if not insert_unless_conflict(message, conflict_fields=["dedupe_key"]):
        return OutboxMessage.objects.get(dedupe_key=dedupe_key)
    transaction.on_commit(lambda: _dispatch(message.pk, urgent=sensitive))
    return message


_sweep_lock = threading.Lock()
_sweep_covers_until = 0.0  # time.monotonic(): messages committed before it await a sweep


def _dispatch(message_id: int, *, urgent: bool) -> None:
    """Hand the message to a worker. One-time codes go at once, one task each. Other messages
    (booking notices, reminders) are coalesced per process: the first after a quiet spell
    schedules one sweep HIMS_OUTBOX_COALESCE_SECONDS (and a half) later, which delivers every
    message pending by then, and the messages committed meanwhile add nothing. A booking rush
    thus sends one task a second per web process, not one per booking; the minute sweep (beat)
    is the safety net."""
    from hims.celery import app
    from hims.notifications.tasks import deliver_message, deliver_pending

    global _sweep_covers_until
    try:
        seconds = settings.HIMS_OUTBOX_COALESCE_SECONDS
        if urgent or app.conf.task_always_eager or seconds <= 0:
            deliver_message.delay(message_id)
            return
        now = time.monotonic()
        with _sweep_lock:
            if now < _sweep_covers_until:
                return
            _sweep_covers_until = now + seconds
        deliver_pending.apply_async(countdown=seconds + 0.5)
    except Exception:  # broker down: the minute sweep picks the message up
        logger.warning("outbox dispatch deferred id=%s", message_id, exc_info=True)


def message_deliver(*, message_id: int) -> bool:
    """Claim the message (conditional update: one worker wins), send it, record the outcome."""
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=MessageStatus.PENDING, attempts__lt=MAX_ATTEMPTS
    ).update(status=MessageStatus.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now())
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        provider_id = sms_backend().send(
            to=message.to, body=message.body, reference=f"outbox-{message.pk}"
        )
    except SMSError as error:
        status = MessageStatus.FAILED if message.attempts >= MAX_ATTEMPTS else MessageStatus.PENDING
        OutboxMessage.objects.filter(pk=message_id).update(
            status=status, last_error=str(error)[:300]
        )
        logger.warning(
            "sms failed id=%s to=%s attempt=%s",
            message_id,
            mask_mobile(message.to),
            message.attempts,
        )
        return False
    updates: dict[str, Any] = {
        "status": MessageStatus.SENT,
        "sent_at": timezone.now(),
        "provider_id": provider_id,
    }
    if message.sensitive:
        updates["body"] = ""
    OutboxMessage.objects.filter(pk=message_id).update(**updates)
    return True


def message_deliver_pending(*, limit: int = 500, budget_seconds: float = 50.0) -> int:
    """Sweep: deliver messages left pending (a coalesced batch, or a broker outage), and put
    back those a worker claimed but never finished (it crashed mid-send). Run by Celery beat
    every minute and after a burst of bookings; takes batches of `limit` until none is left or
    the time budget is spent. A message whose worker was merely slow may then go twice: the
    gateway gets our message id to drop repeats."""
    OutboxMessage.objects.filter(
        status=MessageStatus.SENDING, claimed_at__lt=timezone.now() - STALE_CLAIM
    ).update(status=MessageStatus.PENDING)
    delivered = 0
    deadline = time.monotonic() + budget_seconds
    seen_up_to = 0
    while time.monotonic() < deadline:
        ids = list(
            OutboxMessage.objects.filter(
                status=MessageStatus.PENDING, attempts__lt=MAX_ATTEMPTS, pk__gt=seen_up_to
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            break
        delivered += sum(message_deliver(message_id=pk) for pk in ids)
        seen_up_to = ids[-1]  # a failed send stays pending for the next sweep, not this one
    return delivered
