"""What the health-information provider keeps of its ABDM conversations.

Every message from the gateway carries ids (requestId, consentId, transactionId) that are unique
here, and the services insert-or-ignore on them: a replayed notification or request finds its
row already there and changes nothing.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.abdm.choices import ConsentStatus, TransferStatus


class CareContext(models.Model):
    """A closed visit made known to the patient's ABHA (linked through the gateway), so that a
    consent can name it."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="care_contexts"
    )
    encounter = models.OneToOneField(
        "clinical.Encounter", on_delete=models.PROTECT, related_name="care_context"
    )
    reference = models.CharField(_("reference"), max_length=64, unique=True)
    display = models.CharField(_("shown as"), max_length=200)
    abha_number = models.CharField(_("ABHA number"), max_length=14)
    linked_at = models.DateTimeField(_("linked"), default=timezone.now)

    class Meta:
        verbose_name = _("care context")
        verbose_name_plural = _("care contexts")
        constraints = [
            models.CheckConstraint(
                condition=Q(abha_number__regex=r"^[0-9]{14}$"), name="care_context_abha_format"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ConsentNotification(models.Model):
    """One consent notification as received (the gateway's requestId makes a replay visible)."""

    request_id = models.CharField(max_length=64, unique=True)
    artefact_id = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=ConsentStatus.choices)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("consent notification")
        verbose_name_plural = _("consent notifications")

    def __str__(self) -> str:
        return f"{self.artefact_id} {self.status}"


class ConsentArtefact(models.Model):
    """A consent the patient granted (or its revocation, expiry or denial), as the consent
    manager told us. `patient` is empty only for a revocation of a consent we never heard
    granted: the row is kept so that a late GRANTED cannot bring it back."""

    artefact_id = models.CharField(_("consent id"), max_length=64, unique=True)
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consent_artefacts",
    )
    status = models.CharField(_("status"), max_length=10, choices=ConsentStatus.choices)
    purpose = models.CharField(_("purpose"), max_length=10, blank=True)
    hi_types = models.JSONField(_("record types"), default=list)
    date_from = models.DateTimeField(_("records from"), null=True, blank=True)
    date_to = models.DateTimeField(_("records until"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    hip_id = models.CharField(_("HIP id"), max_length=64, blank=True)
    consent_manager_id = models.CharField(_("consent manager"), max_length=64, blank=True)
    care_contexts = models.ManyToManyField(CareContext, related_name="consents", blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)

    class Meta:
        verbose_name = _("consent artefact")
        verbose_name_plural = _("consent artefacts")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ConsentStatus.GRANTED)
                | (
                    Q(patient__isnull=False)
                    & Q(date_from__isnull=False)
                    & Q(date_to__isnull=False)
                    & Q(expires_at__isnull=False)
                ),
                name="consent_granted_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.artefact_id} ({self.status})"


class HealthInformationRequest(models.Model):
    """A requester's ask for the records a consent covers, and what became of it."""

    transaction_id = models.CharField(max_length=64, unique=True)
    request_id = models.CharField(max_length=64, unique=True)
    artefact = models.ForeignKey(
        ConsentArtefact, on_delete=models.PROTECT, related_name="health_information_requests"
    )
    date_from = models.DateTimeField()
    date_to = models.DateTimeField()
    data_push_url = models.URLField(max_length=500)
    requester_public_key = models.TextField()
    requester_nonce = models.CharField(max_length=64)
    requester_key_expiry = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=TransferStatus.choices, default=TransferStatus.REQUESTED
    )
    refused = models.BooleanField(default=False)  # answered with a refusal; nothing was sent
    care_context_count = models.PositiveIntegerField(default=0)
    record_count = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    # Where the request came from, so the access log written by the transfer says so.
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    request_path = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("health-information request")
        verbose_name_plural = _("health-information requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(status=TransferStatus.REQUESTED) | Q(finished_at__isnull=False),
                name="hi_request_finished_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transaction_id} ({self.status})"
