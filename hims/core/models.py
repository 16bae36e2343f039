"""The access log: one append-only row for every read or write of a patient's data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.core.choices import AccessAction, AccessBasis, AccessOutcome


class AccessEventQuerySet(models.QuerySet["AccessEvent"]):
    def for_patient(self, patient_id: int) -> AccessEventQuerySet:
        return self.filter(patient_id=patient_id)

    def update(self, **kwargs: object) -> int:
        raise TypeError("the access log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("the access log is append-only")


class AccessEvent(models.Model):
    """Who touched which patient's data, as what, why, and when. Never updated or deleted.

    PostgreSQL and SQLite triggers refuse UPDATE and DELETE (migration 0002), so not even raw
    SQL can rewrite history. `patient_id` is the patient's primary key (the patients app
    links it); it is also the planned distribution key when the log is sharded.
    """

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_role = models.CharField(_("as"), max_length=20, blank=True)
    facility = models.ForeignKey(
        "network.Facility",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("facility"),
    )
    patient_id = models.BigIntegerField(_("patient"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=AccessAction.choices)
    resource_type = models.CharField(_("record type"), max_length=40)
    resource_id = models.CharField(_("record"), max_length=64, blank=True)
    basis = models.CharField(_("basis"), max_length=20, choices=AccessBasis.choices)
    purpose = models.CharField(_("purpose"), max_length=20, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=AccessOutcome.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    client_ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, blank=True)  # web, api, fhir, cli

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["patient_id", "-at"], name="access_patient_at"),
            models.Index(fields=["actor", "-at"], name="access_actor_at"),
            models.Index(fields=["facility", "-at"], name="access_facility_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.resource_type}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise TypeError("the access log is append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise TypeError("the access log is append-only")


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key and the answer given to it (kept for a day)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    body = models.TextField(blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_key"),
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(user__isnull=True),
                name="idempotency_unique_anonymous",
            ),
        ]

    def __str__(self) -> str:
        return self.key
