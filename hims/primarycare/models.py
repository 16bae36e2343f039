"""Primary care: the immunization schedule (data), doses given, and pregnancies (antenatal care).

The schedule is a reference table shipped in data/uip_schedule.csv and edited in the admin;
patient rows (doses given, pregnancies) are written only through `services.py`. What must never
break is in the database: one row per patient and dose (per pregnancy for Td in pregnancy), a
dose never dated after it was recorded, a batch number always written, at most one ongoing
pregnancy per patient.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hims.primarycare.choices import DueBasis, PregnancyOutcome, PregnancyStatus


class LocalDate(TruncDate):
    """The calendar day of a timestamp in India (settings.TIME_ZONE), whatever time zone is
    active: fit for a CHECK constraint, unlike TruncDate with a ZoneInfo, which a migration
    cannot write down."""

    def get_tzname(self) -> str:
        return str(settings.TIME_ZONE)


class VaccineDose(models.Model):
    """One dose of the national schedule (UIP), e.g. "penta-2". A dose of a series (`series`,
    ordered by `sort_order`) waits `min_interval_days` after the previous dose of that series;
    it is due at `due_age_days` from birth (or during pregnancy, for Td) and may be given up to
    the age of `given_up_to_days` (blank: no upper age)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    series = models.SlugField(_("series"), max_length=20)
    name = models.CharField(_("vaccine"), max_length=80)
    name_hi = models.CharField(_("vaccine in Hindi"), max_length=80, blank=True)
    dose_label = models.CharField(_("dose"), max_length=40)
    dose_label_hi = models.CharField(_("dose in Hindi"), max_length=40, blank=True)
    due_basis = models.CharField(
        _("due counted from"), max_length=10, choices=DueBasis.choices, default=DueBasis.BIRTH
    )
    due_age_days = models.PositiveIntegerField(_("due at age (days)"), null=True, blank=True)
    min_interval_days = models.PositiveSmallIntegerField(
        _("days after the previous dose of the series"), default=28
    )
    given_up_to_days = models.PositiveIntegerField(
        _("given up to age (days)"), null=True, blank=True
    )
    sort_order = models.PositiveSmallIntegerField(_("order in the schedule"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("vaccine dose")
        verbose_name_plural = _("immunization schedule")
        ordering = ["sort_order", "code"]
        constraints = [
            # Childhood doses have an age; pregnancy doses do not.
            models.CheckConstraint(
                condition=(Q(due_basis=DueBasis.BIRTH) & Q(due_age_days__isnull=False))
                | (
                    Q(due_basis=DueBasis.PREGNANCY)
                    & Q(due_age_days__isnull=True)
                    & Q(given_up_to_days__isnull=True)
                ),
                name="vaccine_dose_due_age_by_basis",
            ),
            models.CheckConstraint(
                condition=Q(given_up_to_days__isnull=True)
                | Q(given_up_to_days__gte=F("due_age_days")),
                name="vaccine_dose_limit_after_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.dose_label}"

    @property
    def label(self) -> str:
        """Vaccine and dose in the language of the page."""
        if get_language() == "hi" and self.name_hi:
            return f"{self.name_hi}, {self.dose_label_hi or self.dose_label}"
        return f"{self.name}, {self.dose_label}"


class Immunization(models.Model):
    """A dose given to a patient (FHIR Immunization), by whom, where, from which batch."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="immunizations"
    )
    vaccine_dose = models.ForeignKey(
        VaccineDose, on_delete=models.PROTECT, related_name="+", verbose_name=_("vaccine dose")
    )
    given_on = models.DateField(_("given on"))
    facility = models.ForeignKey(
        "network.Facility", on_delete=models.PROTECT, related_name="+", verbose_name=_("facility")
    )
    given_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("given by")
    )
    batch_number = models.CharField(_("batch number"), max_length=40)
    encounter = models.ForeignKey(
        "clinical.Encounter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Td in pregnancy is given again in a later pregnancy: those rows name the pregnancy.
    pregnancy = models.ForeignKey(
        "Pregnancy", on_delete=models.PROTECT, null=True, blank=True, related_name="td_doses"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("immunization")
        verbose_name_plural = _("immunizations")
        ordering = ["given_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "vaccine_dose"],
                condition=Q(pregnancy__isnull=True),
                name="immunization_once_per_dose",
            ),
            models.UniqueConstraint(
                fields=["patient", "vaccine_dose", "pregnancy"],
                condition=Q(pregnancy__isnull=False),
                name="immunization_once_per_pregnancy",
            ),
            # Not given after it was written down (the day in India, where it is given).
            models.CheckConstraint(
                condition=Q(given_on__lte=LocalDate("recorded_at")),
                name="immunization_not_given_in_future",
            ),
            models.CheckConstraint(
                condition=~Q(batch_number=""), name="immunization_batch_written"
            ),
        ]
        indexes = [models.Index(fields=["patient", "given_on"], name="immunization_patient_day")]

    def __str__(self) -> str:
        return f"Immunization {self.pk}"


class Pregnancy(models.Model):
    """A pregnancy registered for antenatal care from the first day of the last menstrual
    period (LMP); the expected date of delivery is LMP + 280 days (Naegele)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="pregnancies"
    )
    lmp = models.DateField(_("first day of the last period (LMP)"))
    edd = models.DateField(_("expected date of delivery"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PregnancyStatus.choices,
        default=PregnancyStatus.ONGOING,
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=PregnancyOutcome.choices, blank=True
    )
    facility = models.ForeignKey(
        "network.Facility", on_delete=models.PROTECT, related_name="+", verbose_name=_("facility")
    )
    registered_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    registered_at = models.DateTimeField(_("registered on"), default=timezone.now)
    ended_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    encounter = models.ForeignKey(
        "clinical.Encounter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("pregnancy")
        verbose_name_plural = _("pregnancies")
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status=PregnancyStatus.ONGOING),
                name="pregnancy_one_ongoing",
            ),
            models.CheckConstraint(condition=Q(edd__gt=F("lmp")), name="pregnancy_edd_after_lmp"),
            # The end date and outcome are there exactly when the pregnancy has ended.
            models.CheckConstraint(
                condition=(
                    Q(status=PregnancyStatus.ONGOING) & Q(ended_on__isnull=True) & Q(outcome="")
                )
                | (
                    Q(status=PregnancyStatus.ENDED)
                    & Q(ended_on__isnull=False)
                    & ~Q(outcome="")
                    & Q(ended_on__gte=F("lmp"))
                ),
                name="pregnancy_end_complete",
            ),
        ]
        indexes = [models.Index(fields=["status", "edd"], name="pregnancy_status_edd")]

    def __str__(self) -> str:
        return f"Pregnancy {self.pk} ({self.status})"

    @property
    def is_ongoing(self) -> bool:
        return self.status == PregnancyStatus.ONGOING
