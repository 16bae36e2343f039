"""The transactional outbox: a message is written in the same transaction as what caused it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.notifications.choices import Channel, MessageStatus


class OutboxMessage(models.Model):
    """One message to one recipient; delivered at most once by `message_deliver`.

    `dedupe_key` makes queuing idempotent (the same event never queues two messages).
    Sensitive bodies (OTPs) are blanked once delivered.
    """

    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.SMS
    )
    to = models.CharField(_("to"), max_length=20)
    template = models.CharField(_("template"), max_length=40)
    language = models.CharField(_("language"), max_length=5)
    body = models.TextField(_("text"))
    sensitive = models.BooleanField(default=False)
    dedupe_key = models.CharField(max_length=100, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [
            # The sweep walks pending messages in id order (see message_deliver_pending).
            models.Index(fields=["id"], condition=Q(status="pending"), name="outbox_pending_id"),
        ]

    def __str__(self) -> str:
        return f"{self.template} #{self.pk} ({self.status})"
