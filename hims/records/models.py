"""The shared record's own rows: consents the patient gave and emergency (break-the-glass)
accesses. Who may read what is decided in `hims.records.access` from these and from the
treating relationship; every read is logged in `hims.core.models.AccessEvent`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.records.choices import ConsentPurpose, ConsentStatus, EmergencyReview, HiType


class Consent(models.Model):
    """A doctor at a facility asks to see a patient's records; the patient grants (possibly
    narrowed), refuses, and may withdraw at any time. A grant covers the record types in
    `hi_types` dated within [records_from, records_to], for the requesting doctor at the
    requesting facility, until `expires_at`. Expiry needs no job: every check compares the
    clock (a nightly task only relabels the status)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="consents"
    )
    facility = models.ForeignKey(
        "network.Facility", on_delete=models.PROTECT, related_name="+", verbose_name=_("facility")
    )
    requester = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("doctor")
    )
    purpose = models.CharField(_("purpose"), max_length=8, choices=ConsentPurpose.choices)
    hi_types = models.JSONField(_("record types"), default=list)
    records_from = models.DateField(_("records from"))
    records_to = models.DateField(_("records until"))
    expires_at = models.DateTimeField(_("valid until"))
    note = models.CharField(_("why the doctor asks"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ConsentStatus.choices, default=ConsentStatus.REQUESTED
    )
    requested_at = models.DateTimeField(_("asked"), default=timezone.now)
    decided_at = models.DateTimeField(_("answered"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(records_from__lte=F("records_to")), name="consent_range_ordered"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("requested_at")), name="consent_expires_later"
            ),
            # A consent covers at least one kind of record.
            models.CheckConstraint(condition=~Q(hi_types=[]), name="consent_has_record_types"),
            # The timestamps follow the status, so no code path can grant without answering.
            models.CheckConstraint(
                condition=(Q(status=ConsentStatus.REQUESTED) & Q(decided_at__isnull=True))
                | (
                    Q(status__in=[ConsentStatus.GRANTED, ConsentStatus.DENIED])
                    & Q(decided_at__isnull=False)
                    & Q(revoked_at__isnull=True)
                )
                | (Q(status=ConsentStatus.REVOKED) & Q(revoked_at__isnull=False))
                | Q(status=ConsentStatus.EXPIRED),
                name="consent_status_times",
            ),
            # One open request per doctor and patient: asking again does not flood the patient.
            models.UniqueConstraint(
                fields=["patient", "requester", "facility"],
                condition=Q(status=ConsentStatus.REQUESTED),
                name="consent_one_open_request",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "status"], name="consent_patient_status"),
            models.Index(fields=["requester", "patient"], name="consent_requester_patient"),
        ]

    def __str__(self) -> str:
        return f"Consent {self.pk} ({self.status})"

    @property
    def is_in_force(self) -> bool:
        return self.status == ConsentStatus.GRANTED and self.expires_at > timezone.now()

    @property
    def status_now(self) -> str:
        """The status as the patient should read it: a grant past its expiry is expired."""
        if self.status == ConsentStatus.GRANTED and self.expires_at <= timezone.now():
            return ConsentStatus.EXPIRED
        return self.status

    @property
    def status_now_label(self) -> str:
        return str(ConsentStatus(self.status_now).label)

    @property
    def hi_type_labels(self) -> list[str]:
        return [str(HiType(value).label) for value in self.hi_types if value in HiType.values]


class EmergencyAccess(models.Model):
    """Break the glass: a doctor opens a record with no treating relationship or consent, for a
    stated reason, for a short time. The patient is told at once, and a reviewer judges it."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    facility = models.ForeignKey(
        "network.Facility", on_delete=models.PROTECT, related_name="+", verbose_name=_("facility")
    )
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(_("opened"), default=timezone.now)
    expires_at = models.DateTimeField(_("ends"))
    review = models.CharField(
        _("review"), max_length=12, choices=EmergencyReview.choices, default=EmergencyReview.PENDING
    )
    reviewed_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.CharField(_("reviewer's note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("started_at")), name="emergency_ends_later"
            ),
            models.CheckConstraint(
                condition=(
                    Q(review=EmergencyReview.PENDING)
                    & Q(reviewed_at__isnull=True)
                    & Q(reviewed_by__isnull=True)
                )
                | (
                    ~Q(review=EmergencyReview.PENDING)
                    & Q(reviewed_at__isnull=False)
                    & Q(reviewed_by__isnull=False)
                ),
                name="emergency_review_complete",
            ),
            # A reviewer never judges their own emergency access.
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("actor")),
                name="emergency_not_self_reviewed",
            ),
        ]
        indexes = [
            models.Index(
                fields=["actor", "patient", "-expires_at"], name="emergency_actor_patient"
            ),
            models.Index(fields=["review", "-started_at"], name="emergency_review_queue"),
        ]

    def __str__(self) -> str:
        return f"EmergencyAccess {self.pk} ({self.review})"
