"""The master patient index: one record per person for the whole network.

This is the core identity the platform needs (demo data, patient sign-in); the patients issue
extends it with history, duplicates, merge, search keys and ABDM intake.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.lib.identifiers import format_14_digits, format_uhid, mask_abha_number, mask_mobile
from hims.network.choices import District, Gender
from hims.patients.choices import RegistrationChannel, Relation


class PatientQuerySet(models.QuerySet["Patient"]):
    def active(self) -> PatientQuerySet:
        """Records in use: a merged-away record redirects to its survivor and is not listed."""
        return self.filter(merged_into__isnull=True)


class Patient(models.Model):
    """A person known to the network, identified by UHID and, where they have one, ABHA."""

    # Uniqueness is declared in Meta (UniqueConstraint), which on PostgreSQL builds one btree per
    # column; `unique=True` would add a second `_like` index per column that nothing uses.
    uhid = models.CharField(_("UHID"), max_length=12)
    abha_number = models.CharField(_("ABHA number"), max_length=14, null=True, blank=True)  # noqa: DJ001 (NULL: unique when present)
    abha_address = models.CharField(_("ABHA address"), max_length=64, null=True, blank=True)  # noqa: DJ001
    name = models.CharField(_("name"), max_length=200)
    name_hi = models.CharField(_("name in Hindi"), max_length=200, blank=True)
    # Phonetic key of the name (hims.lib.phonetic), the same for both scripts; it links to the
    # table of distinct keys that fuzzy search scans instead of every patient.
    name_key = models.CharField(max_length=200, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    birth_date = models.DateField(_("date of birth"))
    birth_date_is_estimated = models.BooleanField(_("date of birth is approximate"), default=False)
    mobile = models.CharField(_("mobile"), max_length=10, blank=True)
    address_line = models.CharField(_("address"), max_length=300, blank=True)
    locality = models.CharField(_("locality"), max_length=120, blank=True)
    district = models.CharField(_("district"), max_length=20, choices=District.choices, blank=True)
    pincode = models.CharField(_("PIN code"), max_length=6, blank=True)
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=200, blank=True)
    emergency_contact_mobile = models.CharField(
        _("emergency contact mobile"), max_length=10, blank=True
    )
    emergency_contact_relation = models.CharField(
        _("relation"), max_length=10, choices=Relation.choices, blank=True
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=5,
        choices=[("hi", "हिन्दी"), ("en", "English")],
        default="hi",
    )
    registered_at = models.ForeignKey(
        "network.Facility",
        on_delete=models.PROTECT,
        db_index=False,  # covered by the patient_facility_recent index
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered at"),
    )
    registered_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    registration_channel = models.CharField(
        _("registered"),
        max_length=12,
        choices=RegistrationChannel.choices,
        default=RegistrationChannel.COUNTER,
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        db_index=False,  # a partial index below: almost every row is NULL
        null=True,
        blank=True,
        related_name="merged_records",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        constraints = [
            models.UniqueConstraint(fields=["uhid"], name="patient_uhid_unique"),
            models.UniqueConstraint(fields=["abha_number"], name="patient_abha_number_unique"),
            models.UniqueConstraint(fields=["abha_address"], name="patient_abha_address_unique"),
            models.CheckConstraint(
                condition=Q(uhid__regex=r"^DL[0-9]{10}$"), name="patient_uhid_format"
            ),
            models.CheckConstraint(
                condition=Q(abha_number__isnull=True) | Q(abha_number__regex=r"^[0-9]{14}$"),
                name="patient_abha_format",
            ),
            models.CheckConstraint(
                condition=Q(mobile="") | Q(mobile__regex=r"^[6-9][0-9]{9}$"),
                name="patient_mobile_format",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="patient_not_merged_into_self"
            ),
            # A merged-away record gives its ABHA number up to the survivor.
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(abha_number__isnull=True),
                name="patient_merged_has_no_abha",
            ),
        ]
        indexes = [
            # Lookups by mobile (a family) and duplicate checks by mobile + birth year.
            models.Index(fields=["mobile", "birth_date"], name="patient_mobile_birth"),
            # Name search fetches by exact phonetic key, narrowed by age.
            models.Index(fields=["name_key", "birth_date"], name="patient_namekey_birth"),
            # A facility's recent registrations.
            models.Index(fields=["registered_at", "-created_at"], name="patient_facility_recent"),
            models.Index(
                fields=["merged_into"],
                name="patient_merged_into",
                condition=Q(merged_into__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.uhid_display

    @property
    def uhid_display(self) -> str:
        return format_uhid(self.uhid)

    @property
    def abha_display(self) -> str:
        return format_14_digits(self.abha_number) if self.abha_number else ""

    @property
    def abha_masked(self) -> str:
        return mask_abha_number(self.abha_number or "")

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def age_years(self) -> int:
        today = date.today()
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class PatientFacilityNumber(models.Model):
    """A facility's own number for a patient (its old register or MRN), kept beside the UHID."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="facility_numbers")
    facility = models.ForeignKey("network.Facility", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("facility number"), max_length=40)

    class Meta:
        verbose_name = _("facility patient number")
        verbose_name_plural = _("facility patient numbers")
        constraints = [
            models.UniqueConstraint(fields=["facility", "number"], name="facility_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.facility_id}:{self.number}"


class PatientNameKey(models.Model):
    """Distinct phonetic name keys. Fuzzy search scans this small table (trigram index on
    PostgreSQL), then fetches patients by exact key through an ordinary btree index."""

    key = models.CharField(max_length=200, unique=True)

    class Meta:
        verbose_name = _("name key")

    def __str__(self) -> str:
        return self.key


class PatientChange(models.Model):
    """One change to a patient's demographics: who, when, which fields from what to what."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    facility = models.ForeignKey(
        "network.Facility", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=10)  # created, updated, merged
    changes = models.JSONField(default=dict)  # {"field": [old, new]}
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("patient record change")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["patient", "-changed_at"], name="patient_change_at")]

    def __str__(self) -> str:
        return f"{self.action} {self.patient_id} at {self.changed_at:%Y-%m-%d %H:%M}"


class PatientMerge(models.Model):
    """An audited merge: the loser's rows moved to the survivor; the loser now redirects."""

    survivor = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="merges_won")
    loser = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="merge_lost")
    merged_at = models.DateTimeField(default=timezone.now)
    merged_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    loser_snapshot = models.JSONField(default=dict)
    moved = models.JSONField(default=dict)  # {"app.Model.field": rows moved}
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("patient merge")
        verbose_name_plural = _("patient merges")
        ordering = ["-merged_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(survivor=models.F("loser")), name="merge_distinct")
        ]

    def __str__(self) -> str:
        return f"merge {self.loser_id} -> {self.survivor_id}"


class ScanShareToken(models.Model):
    """The token given to a patient who shared their ABHA profile at a facility counter.

    A second scan by the same person at the same facility while the token is valid gets the
    same token (partial unique index on open tokens)."""

    facility = models.ForeignKey("network.Facility", on_delete=models.PROTECT, related_name="+")
    counter = models.CharField(_("counter"), max_length=50)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="scan_share_tokens")
    token_number = models.CharField(_("token"), max_length=12)
    issued_on = models.DateField()
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    profile = models.JSONField(default=dict)  # what we keep of the shared profile (ABHA masked)
    new_patient = models.BooleanField(default=False)
    attended_at = models.DateTimeField(null=True, blank=True)
    # The same token in the facility's registration-counter queue (boards, call next).
    queue_token = models.OneToOneField(
        "scheduling.QueueToken",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scan_share",
    )

    class Meta:
        verbose_name = _("Scan and Share token")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "issued_on", "token_number"], name="scan_token_unique_number"
            ),
        ]
        indexes = [
            models.Index(fields=["facility", "counter", "-issued_at"], name="scan_token_counter")
        ]

    def __str__(self) -> str:
        return self.token_number


class ScanShareRequest(models.Model):
    """Each profile-share call received (by its REQUEST-ID): a retried call is answered again,
    never handled twice; a rescan is a new request answered with the same valid token."""

    request_id = models.CharField(max_length=64, unique=True)
    token = models.ForeignKey(ScanShareToken, on_delete=models.CASCADE, related_name="requests")
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.request_id


class DailyCounter(models.Model):
    """A per-facility, per-day counter for short token numbers, advanced by a conditional UPDATE."""

    facility = models.ForeignKey("network.Facility", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=30)
    day = models.DateField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "scope", "day"], name="daily_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.day}: {self.value}"


class PatientImportRow(models.Model):
    """A row of an imported register that became (or matched) a patient: re-importing the same
    file finds its rows here and creates nothing new."""

    fingerprint = models.CharField(max_length=64, unique=True)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="import_rows")
    source = models.CharField(max_length=200)
    imported_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.fingerprint[:12]
