"""Reading the consultation: what is abnormal in a set of vital signs; lab orders and reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import DateTimeField, F, Func, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.clinical.choices import LabFlag, LabOrderStatus
from hims.clinical.models import LabOrder, LabParameter, LabResult, VitalSigns

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


# --- the laboratory ----------------------------------------------------------------------------


def lab_orders_with_results(orders: QuerySet[LabOrder]) -> QuerySet[LabOrder]:
    """Orders with their panel, signatories and every result (current and superseded) with its
    parameter: two queries however many orders and values."""
    return orders.select_related(
        "panel", "facility", "ordered_by", "signed_by", "collected_by", "resulted_by"
    ).prefetch_related(
        Prefetch(
            "results",
            queryset=LabResult.objects.select_related("parameter", "entered_by").order_by(
                "parameter__sort_order", "-entered_at", "-pk"
            ),
        )
    )


def lab_orders_for_encounter(*, encounter_id: int) -> list[LabOrder]:
    """The visit's lab orders (cancelled ones too), oldest first, with their results."""
    return list(lab_orders_with_results(LabOrder.objects.filter(encounter_id=encounter_id)))


def lab_reports_for_patient(
    *, patient_ids: Iterable[int], signed_only: bool = True
) -> list[LabOrder]:
    """The lab reports of these patients (one person's records, merged ones included), newest
    first, with their results: two queries. Signed-off reports only unless `signed_only` is
    false (cancelled orders are left out either way). The caller logs what it shows."""
    orders = LabOrder.objects.filter(patient_id__in=list(patient_ids))
    orders = orders.signed() if signed_only else orders.exclude(status=LabOrderStatus.CANCELLED)
    return list(
        lab_orders_with_results(orders.select_related("patient")).order_by("-ordered_at", "-pk")
    )


def lab_worklist(*, facility_id: int) -> list[LabOrder]:
    """Orders at the facility still waiting for a sample, results or sign-off, oldest first."""
    return list(
        LabOrder.objects.pending()
        .filter(facility_id=facility_id)
        .select_related("panel", "patient", "ordered_by")
        .order_by("ordered_at", "pk")
    )


def lab_recently_signed(*, facility_id: int, limit: int = 20) -> list[LabOrder]:
    return list(
        LabOrder.objects.signed()
        .filter(facility_id=facility_id)
        .select_related("panel", "patient", "signed_by")
        .order_by("-signed_at", "-pk")[:limit]
    )


LAB_FLAG_TEXT = dict(LabFlag.choices)


@dataclass
class LabReportRow:
    """One line of a report in a language: the current value, and the values it corrected."""

    parameter: LabParameter
    result: LabResult
    earlier: list[LabResult]  # superseded values, newest first
    language: str = "en"

    @property
    def name(self) -> str:
        return self.parameter.name_in(self.language)

    @property
    def value(self) -> str:
        return self.result.value_display(self.language)

    @property
    def range(self) -> str:
        return self.result.range_display(self.language)

    @property
    def flag_text(self) -> str:
        return str(LAB_FLAG_TEXT[self.result.flag]) if self.result.is_abnormal else ""

    @property
    def amendments(self) -> list[dict[str, object]]:
        """The corrections made after sign-off (each has a reason): what the value was, why it
        changed, by whom and when."""
        newer = [self.result, *self.earlier]
        return [
            {
                "was": older.value_display(self.language),
                "reason": new.amend_reason,
                "by": new.entered_by,
                "at": new.entered_at,
            }
            for new, older in zip(newer, self.earlier, strict=False)
            if new.amend_reason
        ]


def lab_report_rows(order: LabOrder, language: str = "en") -> list[LabReportRow]:
    """The report's lines in the catalogue's order, from the prefetched results (no query)."""
    return lab_rows_of(order.results.all(), language)


def lab_rows_of(results: Iterable[LabResult], language: str = "en") -> list[LabReportRow]:
    """Report lines from results (each with its parameter) in the catalogue's order, newest
    first within a parameter: the order `lab_orders_with_results` prefetches them in."""
    rows: dict[int, LabReportRow] = {}
    superseded: dict[int, list[LabResult]] = {}
    for result in results:
        if result.is_current:
            rows[result.parameter_id] = LabReportRow(result.parameter, result, [], language)
        else:
            superseded.setdefault(result.parameter_id, []).append(result)
    for parameter_id, row in rows.items():
        row.earlier = superseded.get(parameter_id, [])
    return list(rows.values())


# --- medicines ---------------------------------------------------------------------------------


class CourseEnd(Func):
    """prescribed_at + duration_days days, in SQL (SQLite has no interval arithmetic)."""

    output_field = DateTimeField()
    template = "(%(expressions)s)"
    arg_joiner = " + INTERVAL '1 day' * "

    def __init__(self) -> None:
        super().__init__(F("prescribed_at"), F("duration_days"))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="datetime(%(expressions)s || ' days')",
            arg_joiner=", '+' || ",
            **extra,
        )


def today_starts() -> datetime:
    """Midnight at the start of today in India time: a course that ends after it still runs."""
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
