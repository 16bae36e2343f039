"""The OPD consultation: the encounter and what the doctor writes into it.

A closed encounter is never edited: the services refuse (with the encounter row locked, so a
close cannot interleave with a write) and later notes go in as addenda. Plausible ranges of the
vital signs are CHECK constraints as well as form errors, so no code path stores a BP of 1200.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hims.clinical.choices import (
    AllergySeverity,
    AllergyStatus,
    DiagnosisCertainty,
    DiagnosisKind,
    EncounterStatus,
    Frequency,
    Route,
    Timing,
)


class Encounter(models.Model):
    """One OPD visit: a patient seen by a practitioner at a facility (department) on a day."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="encounters"
    )
    facility = models.ForeignKey("network.Facility", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "network.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    practitioner = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("doctor")
    )
    token = models.OneToOneField(
        "scheduling.QueueToken",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="encounter",
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="encounters",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=EncounterStatus.choices,
        default=EncounterStatus.IN_PROGRESS,
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    chief_complaint = models.TextField(_("complaints"), blank=True)
    examination = models.TextField(_("examination"), blank=True)
    advice = models.TextField(_("advice"), blank=True)

    class Meta:
        verbose_name = _("OPD visit")
        verbose_name_plural = _("OPD visits")
        constraints = [
            models.CheckConstraint(
                condition=(Q(status=EncounterStatus.CLOSED) & Q(closed_at__isnull=False))
                | (Q(status=EncounterStatus.IN_PROGRESS) & Q(closed_at__isnull=True)),
                name="encounter_closed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["patient", "-started_at"], name="encounter_patient_time")]

    def __str__(self) -> str:
        return f"Encounter {self.pk} ({self.status})"

    @property
    def is_closed(self) -> bool:
        return self.status == EncounterStatus.CLOSED


# (field, low, high, unit): what a vital sign may plausibly be. Outside these, it is a typing
# error, not a reading (a BP of 1200, a temperature of 98.6 typed into the Celsius box).
PLAUSIBLE = {
    "systolic_mmhg": (Decimal(50), Decimal(300)),
    "diastolic_mmhg": (Decimal(20), Decimal(200)),
    "pulse_per_min": (Decimal(20), Decimal(250)),
    "temperature_c": (Decimal(30), Decimal(45)),
    "spo2_percent": (Decimal(50), Decimal(100)),
    "respiratory_rate": (Decimal(4), Decimal(80)),
    "weight_kg": (Decimal("0.3"), Decimal(350)),
    "height_cm": (Decimal(20), Decimal(250)),
    "glucose_mg_dl": (Decimal(10), Decimal(1000)),
}


def _in_range(field: str) -> Q:
    low, high = PLAUSIBLE[field]
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": low, f"{field}__lte": high})


class VitalSigns(models.Model):
    """One set of readings, taken by a nurse or the doctor during the encounter."""

    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="vitals")
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    systolic_mmhg = models.PositiveSmallIntegerField(_("BP systolic (mmHg)"), null=True, blank=True)
    diastolic_mmhg = models.PositiveSmallIntegerField(
        _("BP diastolic (mmHg)"), null=True, blank=True
    )
    pulse_per_min = models.PositiveSmallIntegerField(_("pulse (per minute)"), null=True, blank=True)
    temperature_c = models.DecimalField(
        _("temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    spo2_percent = models.PositiveSmallIntegerField(_("SpO2 (%)"), null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(
        _("respiratory rate (per minute)"), null=True, blank=True
    )
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    height_cm = models.DecimalField(
        _("height (cm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    glucose_mg_dl = models.PositiveSmallIntegerField(
        _("blood glucose (mg/dL)"), null=True, blank=True
    )
    glucose_fasting = models.BooleanField(_("fasting"), null=True, blank=True)

    class Meta:
        verbose_name = _("vital signs")
        verbose_name_plural = _("vital signs")
        constraints = [
            *(
                models.CheckConstraint(condition=_in_range(field), name=f"vitals_{field}_plausible")
                for field in PLAUSIBLE
            ),
            models.CheckConstraint(
                condition=Q(systolic_mmhg__isnull=True)
                | Q(diastolic_mmhg__isnull=True)
                | Q(systolic_mmhg__gt=models.F("diastolic_mmhg")),
                name="vitals_systolic_above_diastolic",
            ),
        ]

    def __str__(self) -> str:
        return f"Vitals {self.pk}"

    @property
    def bmi(self) -> Decimal | None:
        if not self.weight_kg or not self.height_cm:
            return None
        metres = Decimal(self.height_cm) / 100
        return (Decimal(self.weight_kg) / (metres * metres)).quantize(Decimal("0.1"))


class Icd10Code(models.Model):
    """A WHO ICD-10 code from the list shipped with the project (data/icd10_opd.csv): the common
    OPD diagnoses, with the English title, a Hindi title and the words patients use in Hindi."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_hi = models.CharField(_("title in Hindi"), max_length=200, blank=True)
    terms_hi = models.CharField(_("common Hindi terms"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("ICD-10 code")
        verbose_name_plural = _("ICD-10 codes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Diagnosis(models.Model):
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="diagnoses")
    code = models.ForeignKey(Icd10Code, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        _("kind"), max_length=10, choices=DiagnosisKind.choices, default=DiagnosisKind.PRIMARY
    )
    certainty = models.CharField(
        _("certainty"),
        max_length=12,
        choices=DiagnosisCertainty.choices,
        default=DiagnosisCertainty.PROVISIONAL,
    )
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("diagnosis")
        verbose_name_plural = _("diagnoses")
        constraints = [
            models.UniqueConstraint(fields=["encounter", "code"], name="diagnosis_once_per_visit"),
            models.UniqueConstraint(
                fields=["encounter"],
                condition=Q(kind="primary"),
                name="diagnosis_one_primary_per_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code_id} in {self.encounter_id}"


class Allergy(models.Model):
    """A patient's known allergy (to a medicine, a food, anything), from any visit."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="allergies"
    )
    substance = models.CharField(_("allergic to"), max_length=120)
    reaction = models.CharField(_("reaction"), max_length=200, blank=True)
    severity = models.CharField(
        _("severity"),
        max_length=10,
        choices=AllergySeverity.choices,
        default=AllergySeverity.MODERATE,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AllergyStatus.choices, default=AllergyStatus.ACTIVE
    )
    encounter = models.ForeignKey(
        Encounter, on_delete=models.PROTECT, null=True, blank=True, related_name="allergies"
    )
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("allergy")
        verbose_name_plural = _("allergies")
        constraints = [
            models.UniqueConstraint(
                "patient",
                models.functions.Lower("substance"),
                condition=Q(status="active"),
                name="allergy_active_once_per_substance",
            ),
        ]

    def __str__(self) -> str:
        return f"Allergy {self.pk}"


class Addendum(models.Model):
    """A note added to a closed encounter: the only way to change what a closed visit says."""

    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(_("addendum"))

    class Meta:
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")
        ordering = ["written_at", "pk"]

    def __str__(self) -> str:
        return f"Addendum {self.pk}"


MEDICINE_FORMS = {
    "tablet": pgettext_lazy("medicine form", "tablet"),
    "capsule": pgettext_lazy("medicine form", "capsule"),
    "syrup": pgettext_lazy("medicine form", "syrup"),
    "inhaler": pgettext_lazy("medicine form", "inhaler"),
    "powder": pgettext_lazy("medicine form", "powder"),
    "cream": pgettext_lazy("medicine form", "cream"),
}


class Medicine(models.Model):
    """A generic medicine of the master list (salt, strength, form), shipped in
    data/medicines.csv. The Jan Aushadhi work adds products, stock and prices on top of it.
    `therapeutic_class` finds duplicate therapy; `allergy_group` finds a known allergy."""

    salt = models.CharField(_("generic name"), max_length=120)
    strength = models.CharField(_("strength"), max_length=40, blank=True)
    form = models.CharField(_("form"), max_length=20)
    therapeutic_class = models.CharField(_("class"), max_length=40)
    allergy_group = models.CharField(_("allergy group"), max_length=40, blank=True)
    name_hi = models.CharField(_("name in Hindi"), max_length=120, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("medicine")
        verbose_name_plural = _("medicines")
        ordering = ["salt", "strength"]
        constraints = [
            models.UniqueConstraint(fields=["salt", "strength", "form"], name="medicine_unique")
        ]

    def __str__(self) -> str:
        return " ".join(p for p in (self.salt, self.strength, self.form) if p)

    @property
    def form_display(self) -> str:
        return str(MEDICINE_FORMS.get(self.form, self.form))


class PrescriptionItem(models.Model):
    """One medicine prescribed in a visit: how much, how often, how long, how."""

    encounter = models.ForeignKey(
        Encounter, on_delete=models.PROTECT, related_name="prescription_items"
    )
    medicine = models.ForeignKey(Medicine, on_delete=models.PROTECT, related_name="+")
    dose = models.DecimalField(_("dose"), max_digits=5, decimal_places=2)
    frequency = models.CharField(_("how often"), max_length=6, choices=Frequency.choices)
    timing = models.CharField(
        _("when"), max_length=14, choices=Timing.choices, default=Timing.AFTER_FOOD
    )
    route = models.CharField(_("route"), max_length=8, choices=Route.choices, default=Route.ORAL)
    duration_days = models.PositiveSmallIntegerField(_("for (days)"))
    instructions = models.CharField(_("instructions"), max_length=200, blank=True)
    warning_override = models.CharField(
        _("reason for prescribing despite the warning"), max_length=200, blank=True
    )
    prescribed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    prescribed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("prescribed medicine")
        verbose_name_plural = _("prescribed medicines")
        ordering = ["prescribed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dose__gt=0) & Q(dose__lte=100), name="prescription_dose_range"
            ),
            models.CheckConstraint(
                condition=Q(duration_days__gte=1) & Q(duration_days__lte=365),
                name="prescription_duration_range",
            ),
            models.UniqueConstraint(
                fields=["encounter", "medicine"], name="prescription_medicine_once_per_visit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.medicine} x{self.dose}"
