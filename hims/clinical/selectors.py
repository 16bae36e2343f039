"""Reading the consultation: what is abnormal in a set of vital signs."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from hims.clinical.models import VitalSigns

HIGH, LOW = "high", "low"

# Adult limits (outside them the value is flagged, not refused). BMI uses the Asian cut-offs
# adopted in India: 23 and over is overweight.
LIMITS: dict[str, tuple[Decimal | None, Decimal | None]] = {
    "systolic_mmhg": (Decimal(90), Decimal(139)),
    "diastolic_mmhg": (Decimal(60), Decimal(89)),
    "pulse_per_min": (Decimal(60), Decimal(100)),
    "temperature_c": (Decimal(35), Decimal("37.5")),
    "spo2_percent": (Decimal(94), None),
    "respiratory_rate": (Decimal(12), Decimal(20)),
    "bmi": (Decimal("18.5"), Decimal("22.9")),
}
GLUCOSE_LIMITS = {True: (Decimal(70), Decimal(99)), False: (Decimal(70), Decimal(139))}
FLAG_TEXT = {HIGH: _("high"), LOW: _("low")}


def vitals_flags(vitals: VitalSigns) -> dict[str, str]:
    """{reading: "high" | "low"} for each reading outside its adult limits. Blood glucose is
    judged as fasting or random (not known: random)."""
    flags: dict[str, str] = {}
    readings: dict[str, object] = {f: getattr(vitals, f) for f in LIMITS if f != "bmi"}
    readings["bmi"] = vitals.bmi
    for field, (low, high) in LIMITS.items():
        value = readings[field]
        if value is None:
            continue
        number = Decimal(str(value))
        if low is not None and number < low:
            flags[field] = LOW
        elif high is not None and number > high:
            flags[field] = HIGH
    if vitals.glucose_mg_dl is not None:
        low, high = GLUCOSE_LIMITS[bool(vitals.glucose_fasting)]
        if vitals.glucose_mg_dl < low:
            flags["glucose_mg_dl"] = LOW
        elif vitals.glucose_mg_dl > high:
            flags["glucose_mg_dl"] = HIGH
    return flags
