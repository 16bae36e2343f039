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
    LabFlag,
    LabOrderStatus,
    LabValueKind,
    ReferralKind,
    ReferralStatus,
    ReferralUrgency,
    Route,
    Specimen,
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


# --- the laboratory ----------------------------------------------------------------------------


class LabPanel(models.Model):
    """A test that can be ordered (CBC, lipid profile, fasting blood sugar): one sample, one
    report. Shipped in data/lab_tests.csv with its parameters."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_hi = models.CharField(_("name in Hindi"), max_length=120, blank=True)
    loinc = models.CharField(_("LOINC code"), max_length=10, blank=True)
    specimen = models.CharField(_("sample"), max_length=16, choices=Specimen.choices)
    fasting = models.BooleanField(_("needs fasting"), default=False)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("lab test")
        verbose_name_plural = _("lab tests")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str) -> str:
        return self.name_hi if language == "hi" and self.name_hi else self.name


class LabParameter(models.Model):
    """One value reported in a panel (haemoglobin in the CBC), with its unit, its reference range
    (for women where it differs), critical limits and the range a real value can have at all.
    A text parameter (urine colour) has a list of answers and the ones that are normal."""

    panel = models.ForeignKey(LabPanel, on_delete=models.PROTECT, related_name="parameters")
    code = models.CharField(_("code"), max_length=24)
    loinc = models.CharField(_("LOINC code"), max_length=10, blank=True)
    name = models.CharField(_("name"), max_length=120)
    name_hi = models.CharField(_("name in Hindi"), max_length=120, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=LabValueKind.choices)
    decimals = models.PositiveSmallIntegerField(_("decimal places"), default=0)
    low = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    high = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    low_female = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    high_female = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    critical_low = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    critical_high = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    plausible_low = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    plausible_high = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    choices = models.CharField(_("answers"), max_length=300, blank=True)  # "Nil|Trace|1+"
    choices_hi = models.CharField(_("answers in Hindi"), max_length=300, blank=True)
    normal_values = models.CharField(_("normal answers"), max_length=200, blank=True)
    optional = models.BooleanField(_("optional"), default=False)
    sum_group = models.CharField(max_length=20, blank=True)  # "differential": adds up to 100
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("lab parameter")
        verbose_name_plural = _("lab parameters")
        ordering = ["panel", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["panel", "code"], name="lab_parameter_unique"),
            models.CheckConstraint(
                condition=Q(kind=LabValueKind.TEXT)
                | (
                    Q(plausible_low__isnull=False) & Q(plausible_high__gt=models.F("plausible_low"))
                ),
                name="lab_parameter_numeric_has_plausible_range",
            ),
            models.CheckConstraint(
                condition=Q(kind=LabValueKind.NUMERIC) | ~Q(choices=""),
                name="lab_parameter_text_has_answers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.panel_id}:{self.code}"

    @property
    def is_numeric(self) -> bool:
        return self.kind == LabValueKind.NUMERIC

    def name_in(self, language: str) -> str:
        return self.name_hi if language == "hi" and self.name_hi else self.name

    def answers(self) -> list[str]:
        return [a for a in self.choices.split("|") if a]

    def answer_in(self, value: str, language: str) -> str:
        """A text answer as the reader says it ("Nil" is "नहीं" in Hindi)."""
        if language != "hi" or not self.choices_hi:
            return value
        return dict(zip(self.answers(), self.choices_hi.split("|"), strict=False)).get(value, value)

    def reference_range(self, sex: str) -> tuple[Decimal | None, Decimal | None]:
        """The range for a patient of this sex (FHIR gender code). Where men and women differ and
        the sex is neither, the range spans both (so only a value abnormal for both is flagged)."""
        female = (
            self.low_female if self.low_female is not None else self.low,
            self.high_female if self.high_female is not None else self.high,
        )
        if sex == "female":
            return female
        if sex == "male" or female == (self.low, self.high):
            return self.low, self.high
        lows = [v for v in (self.low, female[0]) if v is not None]
        highs = [v for v in (self.high, female[1]) if v is not None]
        return (min(lows) if lows else None, max(highs) if highs else None)

    def flag_for(self, *, number: Decimal | None, text: str, sex: str) -> str:
        """The interpretation of a value for a patient of this sex (a LabFlag value)."""
        if not self.is_numeric:
            normal = {v.lower() for v in self.normal_values.split("|") if v}
            return LabFlag.NORMAL if text.lower() in normal else LabFlag.ABNORMAL
        assert number is not None
        low, high = self.reference_range(sex)
        if self.critical_low is not None and number < self.critical_low:
            return LabFlag.CRITICAL_LOW
        if self.critical_high is not None and number > self.critical_high:
            return LabFlag.CRITICAL_HIGH
        if low is not None and number < low:
            return LabFlag.LOW
        if high is not None and number > high:
            return LabFlag.HIGH
        return LabFlag.NORMAL


class LabOrderQuerySet(models.QuerySet["LabOrder"]):
    def pending(self) -> LabOrderQuerySet:
        return self.filter(
            status__in=[LabOrderStatus.ORDERED, LabOrderStatus.COLLECTED, LabOrderStatus.RESULTED]
        )

    def signed(self) -> LabOrderQuerySet:
        return self.filter(status=LabOrderStatus.SIGNED)


def _stamped(stage: str) -> Q:
    """`<stage>_at` and `<stage>_by` are set together or not at all."""
    return Q(**{f"{stage}_at__isnull": True, f"{stage}_by__isnull": True}) | Q(
        **{f"{stage}_at__isnull": False, f"{stage}_by__isnull": False}
    )


def _not_before(later: str, earlier: str) -> Q:
    return Q(**{f"{later}__isnull": True}) | Q(**{f"{later}__gte": models.F(earlier)})


class LabOrder(models.Model):
    """A test ordered in a visit (a FHIR ServiceRequest; once resulted, its DiagnosticReport).
    Ordered, sample collected, results entered, signed off; or cancelled with a reason. Each step
    is timed and signed by whoever took it; the CHECK constraints keep the times and the status
    together. Signed is final: a correction is an amendment (LabResult.supersedes)."""

    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="lab_orders")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="lab_orders"
    )
    facility = models.ForeignKey("network.Facility", on_delete=models.PROTECT, related_name="+")
    panel = models.ForeignKey(LabPanel, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=LabOrderStatus.choices, default=LabOrderStatus.ORDERED
    )
    note = models.CharField(_("note for the lab"), max_length=200, blank=True)
    ordered_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    ordered_at = models.DateTimeField(_("ordered"), default=timezone.now)
    collected_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    collected_at = models.DateTimeField(_("sample collected"), null=True, blank=True)
    resulted_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resulted_at = models.DateTimeField(_("results entered"), null=True, blank=True)
    signed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    amended_at = models.DateTimeField(_("last amended"), null=True, blank=True)

    objects = LabOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("lab order")
        verbose_name_plural = _("lab orders")
        ordering = ["ordered_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status=LabOrderStatus.ORDERED,
                    collected_at__isnull=True,
                    resulted_at__isnull=True,
                    signed_at__isnull=True,
                )
                | Q(
                    status=LabOrderStatus.COLLECTED,
                    collected_at__isnull=False,
                    resulted_at__isnull=True,
                    signed_at__isnull=True,
                )
                | Q(
                    status=LabOrderStatus.RESULTED,
                    collected_at__isnull=False,
                    resulted_at__isnull=False,
                    signed_at__isnull=True,
                )
                | Q(
                    status=LabOrderStatus.SIGNED,
                    collected_at__isnull=False,
                    resulted_at__isnull=False,
                    signed_at__isnull=False,
                )
                | Q(status=LabOrderStatus.CANCELLED, signed_at__isnull=True),
                name="lab_order_times_match_status",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=LabOrderStatus.CANCELLED, cancelled_at__isnull=False)
                    & ~Q(cancel_reason="")
                )
                | (~Q(status=LabOrderStatus.CANCELLED) & Q(cancelled_at__isnull=True)),
                name="lab_order_cancelled_has_time_and_reason",
            ),
            *(
                models.CheckConstraint(condition=_stamped(stage), name=f"lab_order_{stage}_by_whom")
                for stage in ("collected", "resulted", "signed", "cancelled")
            ),
            models.CheckConstraint(
                condition=_not_before("collected_at", "ordered_at")
                & _not_before("resulted_at", "collected_at")
                & _not_before("signed_at", "resulted_at"),
                name="lab_order_steps_in_order",
            ),
            models.CheckConstraint(
                condition=Q(amended_at__isnull=True) | Q(status=LabOrderStatus.SIGNED),
                name="lab_order_only_signed_is_amended",
            ),
            models.UniqueConstraint(
                fields=["encounter", "panel"],
                condition=~Q(status=LabOrderStatus.CANCELLED),
                name="lab_order_once_per_visit",
            ),
        ]
        indexes = [
            models.Index(fields=["facility", "status", "ordered_at"], name="lab_order_worklist"),
            models.Index(fields=["patient", "-ordered_at"], name="lab_order_patient_time"),
        ]

    def __str__(self) -> str:
        return f"Lab order {self.pk} ({self.status})"

    @property
    def is_signed(self) -> bool:
        return self.status == LabOrderStatus.SIGNED


class LabResult(models.Model):
    """One value of a lab order (a FHIR Observation), with the unit, reference range and flag it
    was reported with. Rows are never changed: a correction inserts a new row that supersedes
    the old one (which stays, no longer current); after sign-off the correction needs a reason.
    The database refuses edits, deletions and results without a sample (migration 0007)."""

    order = models.ForeignKey(LabOrder, on_delete=models.PROTECT, related_name="results")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="lab_results"
    )
    parameter = models.ForeignKey(LabParameter, on_delete=models.PROTECT, related_name="+")
    value_numeric = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    value_text = models.CharField(max_length=60, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    reference_low = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    reference_high = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    flag = models.CharField(_("flag"), max_length=2, choices=LabFlag.choices)
    is_current = models.BooleanField(default=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    amend_reason = models.CharField(_("reason for the correction"), max_length=200, blank=True)
    entered_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lab result")
        verbose_name_plural = _("lab results")
        ordering = ["entered_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(value_numeric__isnull=False) & Q(value_text=""))
                | (Q(value_numeric__isnull=True) & ~Q(value_text="")),
                name="lab_result_one_value",
            ),
            models.UniqueConstraint(
                fields=["order", "parameter"],
                condition=Q(is_current=True),
                name="lab_result_one_current_value",
            ),
        ]

    def __str__(self) -> str:
        return f"Lab result {self.pk}"

    @property
    def is_abnormal(self) -> bool:
        return self.flag != LabFlag.NORMAL

    @property
    def is_critical(self) -> bool:
        return self.flag in (LabFlag.CRITICAL_LOW, LabFlag.CRITICAL_HIGH)

    def value_display(self, language: str = "en") -> str:
        if self.value_numeric is None:
            return self.parameter.answer_in(self.value_text, language)
        places = Decimal(1).scaleb(-self.parameter.decimals)
        return f"{self.value_numeric.quantize(places):f}"

    def range_display(self, language: str = "en") -> str:
        if self.value_numeric is None:
            normal = [v for v in self.parameter.normal_values.split("|") if v]
            return ", ".join(self.parameter.answer_in(v, language) for v in normal)
        places = Decimal(1).scaleb(-self.parameter.decimals)
        low = None if self.reference_low is None else f"{self.reference_low.quantize(places):f}"
        high = None if self.reference_high is None else f"{self.reference_high.quantize(places):f}"
        if low and high:
            return f"{low}\u2013{high}"
        if high:
            return f"≤ {high}"
        if low:
            return f"≥ {low}"
        return ""


class Referral(models.Model):
    """The doctor sends the patient on: back to this OPD on a later day (follow-up) or to another
    department or facility (referral), with the reason the next doctor reads. Booked at once
    when a place is chosen (the appointment is linked), or left open for the patient to book."""

    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="referrals")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="referrals"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ReferralKind.choices)
    to_department = models.ForeignKey(
        "network.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("to department"),
    )
    urgency = models.CharField(
        _("urgency"),
        max_length=8,
        choices=ReferralUrgency.choices,
        default=ReferralUrgency.ROUTINE,
    )
    reason = models.TextField(_("reason"), blank=True)
    wanted_on = models.DateField(_("wanted on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.OPEN
    )
    appointment = models.OneToOneField(
        "scheduling.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referral",
    )
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("referral or follow-up")
        verbose_name_plural = _("referrals and follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ReferralStatus.BOOKED, appointment__isnull=False)
                | ~Q(status=ReferralStatus.BOOKED),
                name="referral_booked_has_appointment",
            ),
            # A referral says why; a follow-up may simply be "come back in a week".
            models.CheckConstraint(
                condition=Q(kind=ReferralKind.FOLLOW_UP) | ~Q(reason=""),
                name="referral_has_reason",
            ),
            models.UniqueConstraint(
                fields=["encounter", "to_department"],
                condition=~Q(status=ReferralStatus.CANCELLED),
                name="referral_once_per_department",
            ),
        ]
        indexes = [models.Index(fields=["patient", "-created_at"], name="referral_patient_time")]

    def __str__(self) -> str:
        return f"Referral {self.pk} ({self.kind}, {self.status})"
