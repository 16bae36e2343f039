"""Queue messages in the outbox (inside the caller's transaction) and deliver them once."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

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
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                to=to,
                template=template,
                language=language,
                body=body,
                sensitive=sensitive,
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        return OutboxMessage.objects.get(dedupe_key=dedupe_key)
    transaction.on_commit(lambda: _dispatch(message.pk))
    return message


def _dispatch(message_id: int) -> None:
    from hims.notifications.tasks import deliver_message

    try:
        deliver_message.delay(message_id)
    except Exception:  # broker down: the periodic sweep (message_deliver_pending) picks it up
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


def message_deliver_pending(*, limit: int = 500) -> int:
    """Sweep: deliver messages left pending (broker outage), and put back those a worker claimed
    but never finished (it crashed mid-send). Run by Celery beat every minute. A message whose
    worker was merely slow may then go twice: the gateway gets our message id to drop repeats."""
    OutboxMessage.objects.filter(
        status=MessageStatus.SENDING, claimed_at__lt=timezone.now() - STALE_CLAIM
    ).update(status=MessageStatus.PENDING)
    ids = list(
        OutboxMessage.objects.filter(status=MessageStatus.PENDING, attempts__lt=MAX_ATTEMPTS)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(message_deliver(message_id=pk) for pk in ids)
