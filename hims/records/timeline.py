"""The patient's timeline across every facility of the network: visits with their diagnoses,
vitals, prescriptions and signed lab reports, newest first, in one query whatever the length of
the history. Each visit row carries its records as JSON (`hims.lib.json_sql`), read back into
model instances that hold the columns the timeline shows (the others are deferred).

What a reader sees is cut by their access (`RecordAccess.allows`): a doctor reading under a
consent sees only the record types and dates the patient allowed. The caller logs one access
entry per visit shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Count, F, Max, Min, Q
from django.utils.translation import get_language

from hims.accounts.models import User
from hims.clinical.models import (
    Diagnosis,
    Encounter,
    Icd10Code,
    LabOrder,
    LabPanel,
    LabParameter,
    LabResult,
    Medicine,
    PrescriptionItem,
    VitalSigns,
)
from hims.clinical.selectors import (
    CourseEnd,
    LabReportRow,
    lab_rows_of,
    today_starts,
    vitals_flags,
)
from hims.lib.json_sql import JSONFields, json_first, json_instance, json_parse, json_rows

if TYPE_CHECKING:
    from hims.records.access import RecordAccess

PAGE = 25
# What a timeline entry shows: building each row's related objects with all their columns
# costs more than the query (a 500-visit history is 2,000 related objects).
VISIT_COLUMNS = (
    "patient_id",
    "status",
    "started_at",
    "closed_at",
    "chief_complaint",
    "advice",
    "facility__name",
    "facility__name_hi",
    "department__facility_id",
    "department__speciality__name",
    "department__speciality__name_hi",
    "practitioner__username",
    "practitioner__first_name",
    "practitioner__last_name",
)
# The same for the records nested in each visit as JSON (without the ids of the objects they
# point to, which come with those objects: each key costs the database time).
DIAGNOSIS_COLUMNS = ("id", "kind", "certainty")
CODE_COLUMNS = ("id", "code", "title", "title_hi")
VITALS_COLUMNS = (
    "id",
    "systolic_mmhg",
    "diastolic_mmhg",
    "pulse_per_min",
    "temperature_c",
    "spo2_percent",
    "respiratory_rate",
    "weight_kg",
    "height_cm",
    "glucose_mg_dl",
    "glucose_fasting",
)
ITEM_COLUMNS = ("id", "frequency", "duration_days")
MEDICINE_COLUMNS = ("id", "salt", "strength")
ORDER_COLUMNS = ("id", "status", "signed_at")
PANEL_COLUMNS = ("id", "name", "name_hi")
RESULT_COLUMNS = (
    "id",
    "value_numeric",
    "value_text",
    "unit",
    "reference_low",
    "reference_high",
    "flag",
    "is_current",
    "amend_reason",
    "entered_at",
)
PARAMETER_COLUMNS = (
    "id",
    "name",
    "name_hi",
    "decimals",
    "choices",
    "choices_hi",
    "normal_values",
    "sort_order",
)
SIGNATORY_COLUMNS = ("id", "username", "first_name", "last_name")


@dataclass
class VisitEntry:
    """One visit as the timeline shows it."""

    encounter: Encounter
    show_visit: bool  # complaints, diagnoses, vitals (OPConsultation)
    show_prescription: bool
    show_lab: bool  # signed lab reports (DiagnosticReport), dated by their sign-off
    diagnoses: list[Diagnosis] = field(default_factory=list)
    vitals: VitalSigns | None = None
    prescription: list[PrescriptionItem] = field(default_factory=list)
    lab_reports: list[LabReport] = field(default_factory=list)

    @cached_property
    def vitals_flags(self) -> dict[str, str]:
        """Worked out when a page shows the entry, not for every visit of a whole history."""
        return vitals_flags(self.vitals) if self.vitals is not None else {}


@dataclass
class LabReport:
    """A signed lab report with its lines in the reader's language."""

    order: LabOrder
    rows: list[LabReportRow]
    language: str = "en"

    @property
    def name(self) -> str:
        return self.order.panel.name_in(self.language)

    @property
    def abnormal(self) -> int:
        return sum(1 for row in self.rows if row.result.is_abnormal)


@dataclass(frozen=True)
class TimelineFilter:
    facility_id: int | None = None
    since: date | None = None
    until: date | None = None
    diagnosis_code: str = ""  # ICD-10 code or its first letters (e.g. "E11")


@dataclass
class Timeline:
    entries: list[VisitEntry]
    older: str | None  # cursor for the next page, None at the end


def _cursor(encounter: Encounter) -> str:
    return f"{encounter.started_at.isoformat()}_{encounter.pk}"


def _after_cursor(cursor: str) -> Q:
    stamp, _sep, pk = cursor.rpartition("_")
    try:
        at, last = datetime.fromisoformat(stamp), int(pk)
    except ValueError:
        return Q()
    return Q(started_at__lt=at) | Q(started_at=at, pk__lt=last)


def timeline_get(
    *,
    patient_ids: Sequence[int],
    access: RecordAccess,
    filters: TimelineFilter = TimelineFilter(),
    before: str = "",
    limit: int | None = PAGE,
) -> Timeline:
    """A page of the patients' visits (all of them with limit=None), newest first: one query."""
    visits = (
        Encounter.objects.filter(patient_id__in=list(patient_ids))
        .select_related("facility", "department__speciality", "practitioner")
        .only(*VISIT_COLUMNS)
        .annotate(**_nested(access))
        .order_by("-started_at", "-pk")
    )
    if filters.facility_id:
        visits = visits.filter(facility_id=filters.facility_id)
    if filters.since:
        visits = visits.filter(started_at__date__gte=filters.since)
    if filters.until:
        visits = visits.filter(started_at__date__lte=filters.until)
    if filters.diagnosis_code:
        visits = visits.filter(
            pk__in=Diagnosis.objects.filter(
                code__code__istartswith=filters.diagnosis_code.upper()
            ).values("encounter_id")
        )
    if before:
        visits = visits.filter(_after_cursor(before))
    rows = list(visits[: limit + 1] if limit is not None else visits)
    older = _cursor(rows[limit - 1]) if limit is not None and len(rows) > limit else None
    rows = rows[:limit] if limit is not None else rows

    reader = _Reader(get_language() or "en")
    entries = []
    for encounter in rows:
        entry = VisitEntry(
            encounter=encounter,
            show_visit=access.allows("Encounter", encounter.started_at),
            show_prescription=access.allows("MedicationRequest", encounter.started_at),
            show_lab=access.allows("DiagnosticReport"),
        )
        if entry.show_visit or entry.show_prescription or entry.show_lab:
            reader.fill(entry)
            entries.append(entry)
    return Timeline(entries=entries, older=older)


def _columns(names: Sequence[str], via: str = "") -> dict[str, F]:
    """JSON keys for `names` (the columns of the row, or of its relation `via`)."""
    return {name: F(f"{via}__{name}" if via else name) for name in names}


def _nested(access: RecordAccess) -> dict[str, Any]:
    """A visit's records as JSON annotations, for the record types the reader may see at all
    (a consent for prescriptions alone reads no diagnoses). Dates are cut per visit in Python
    by `access.allows`, as they always were; lab reports by their sign-off date, in SQL."""
    nested: dict[str, Any] = {}
    if access.allows("Encounter"):
        nested["diagnoses_json"] = json_rows(
            Diagnosis.objects,
            parent="encounter",
            **_columns(DIAGNOSIS_COLUMNS),
            code=JSONFields(**_columns(CODE_COLUMNS, via="code")),
        )
        nested["vitals_json"] = json_first(
            VitalSigns.objects.order_by("-recorded_at", "-pk"),
            parent="encounter",
            **_columns(VITALS_COLUMNS),
        )
    if access.allows("MedicationRequest"):
        nested["prescription_json"] = json_rows(
            PrescriptionItem.objects,
            parent="encounter",
            **_columns(ITEM_COLUMNS),
            medicine=JSONFields(**_columns(MEDICINE_COLUMNS, via="medicine")),
        )
    if access.allows("DiagnosticReport"):
        nested["lab_json"] = json_rows(
            LabOrder.objects.signed().filter(access.dates_q("DiagnosticReport", "signed_at__date")),
            parent="encounter",
            **_columns(ORDER_COLUMNS),
            panel=JSONFields(**_columns(PANEL_COLUMNS, via="panel")),
            results=json_rows(
                LabResult.objects,
                parent="order",
                **_columns(RESULT_COLUMNS),
                parameter=JSONFields(**_columns(PARAMETER_COLUMNS, via="parameter")),
                entered_by=JSONFields(**_columns(SIGNATORY_COLUMNS, via="entered_by")),
            ),
        )
    return nested


class _Reader:
    """Turns a visit's JSON into its records. Each code, medicine, lab panel, parameter and
    signatory is built once and shared by every row naming it (a long history names a few
    dozen). The JSON carries no order (`JSONArrayAgg`): the rows are sorted here as the pages
    always showed them."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._built: dict[tuple[type[models.Model], int], models.Model] = {}

    def _shared(self, model: type[models.Model], data: dict[str, Any]) -> Any:
        key = (model, data["id"])
        if key not in self._built:
            self._built[key] = json_instance(model, data)
        return self._built[key]

    def fill(self, entry: VisitEntry) -> None:
        encounter = entry.encounter
        if entry.show_visit:
            for data in _json(encounter, "diagnoses"):
                code = self._shared(Icd10Code, data["code"])
                entry.diagnoses.append(
                    json_instance(Diagnosis, data, encounter=encounter, code=code)
                )
            entry.diagnoses.sort(key=lambda d: (d.kind, d.pk))
            vitals = _json(encounter, "vitals", default=None)
            entry.vitals = (
                json_instance(VitalSigns, vitals, encounter=encounter) if vitals else None
            )
        if entry.show_prescription:
            for data in _json(encounter, "prescription"):
                medicine = self._shared(Medicine, data["medicine"])
                entry.prescription.append(
                    json_instance(PrescriptionItem, data, encounter=encounter, medicine=medicine)
                )
            entry.prescription.sort(key=lambda item: item.pk)
        if entry.show_lab:
            entry.lab_reports = sorted(
                (self._lab_report(encounter, data) for data in _json(encounter, "lab")),
                key=lambda report: (report.order.signed_at, report.order.pk),
            )

    def _lab_report(self, encounter: Encounter, data: dict[str, Any]) -> LabReport:
        panel = self._shared(LabPanel, data["panel"])
        order = json_instance(LabOrder, data, encounter=encounter, panel=panel)
        results = [
            json_instance(
                LabResult,
                line,
                order=order,
                parameter=self._shared(LabParameter, line["parameter"]),
                entered_by=self._shared(User, line["entered_by"]),
            )
            for line in data["results"]
        ]
        # The catalogue's order, the newest value of a parameter first.
        results.sort(key=lambda r: (-r.entered_at.timestamp(), -r.pk))
        results.sort(key=lambda r: r.parameter.sort_order)
        return LabReport(order, lab_rows_of(results, self.language), self.language)


def _json(encounter: Encounter, records: str, default: Any = ()) -> Any:
    """The visit's `<records>_json` annotation, parsed (`default` when it was not read)."""
    text = getattr(encounter, f"{records}_json", None)
    return default if text is None else json_parse(text)


# ICD-10 blocks of long-term conditions worth keeping in view at every visit.
CHRONIC_PREFIXES = (
    "A15", "A16", "B18", "B20", "D50", "D56", "D57", "E03", "E05", "E10", "E11", "E13", "E14",
    "E66", "E78", "F20", "F31", "F32", "F33", "G20", "G35", "G40", "I10", "I11", "I12", "I13",
    "I20", "I25", "I48", "I50", "I63", "I69", "J44", "J45", "K70", "K74", "M05", "M06", "M15",
    "M16", "M17", "N18",
)  # fmt: skip


@dataclass
class Condition:
    """A long-term condition: its code, when first diagnosed, at how many visits."""

    code: Icd10Code
    latest_id: int  # the last diagnosis of it (what the access log names)
    first_seen: datetime
    visits: int


@dataclass
class Summary:
    """The one-screen summary: allergies, long-term conditions and current medicines."""

    allergies: list[object]
    conditions: list[Condition]
    current_medicines: list[PrescriptionItem]


def summary_get(*, patient_ids: Sequence[int], access: RecordAccess) -> Summary:
    """Three queries. Medicines are current while their course lasts (prescribed + days, the
    rule FHIR's MedicationRequest status follows)."""
    from hims.clinical.choices import AllergyStatus
    from hims.clinical.models import Allergy

    ids = list(patient_ids)
    allergies: list[object] = []
    if access.allows("AllergyIntolerance"):
        allergies = list(
            Allergy.objects.filter(patient_id__in=ids, status=AllergyStatus.ACTIVE).order_by(
                "substance"
            )
        )
    chronic = Q()
    for prefix in CHRONIC_PREFIXES:
        chronic |= Q(code__startswith=prefix)
    # Grouped in the database: one row per condition, however long the history, with the
    # code's columns; the prefixes are matched against the short code list, not every diagnosis.
    grouped = (
        Diagnosis.objects.filter(
            access.dates_q("Condition", "recorded_at__date"),
            code_id__in=Icd10Code.objects.filter(chronic).values("pk"),
            encounter__patient_id__in=ids,
        )
        .values(*(f"code__{name}" for name in CODE_COLUMNS))
        .annotate(
            first_seen=Min("recorded_at"),
            visits=Count("encounter_id", distinct=True),
            latest_id=Max("pk"),
        )
    )
    conditions = [
        Condition(
            json_instance(Icd10Code, {name: row[f"code__{name}"] for name in CODE_COLUMNS}),
            row["latest_id"],
            row["first_seen"],
            row["visits"],
        )
        for row in grouped
    ]
    medicines: list[PrescriptionItem] = [
        item
        for item in PrescriptionItem.objects.alias(course_end=CourseEnd())
        .filter(
            access.dates_q("MedicationRequest", "prescribed_at__date"),
            encounter__patient_id__in=ids,
            course_end__gte=today_starts(),
        )
        .select_related("medicine", "encounter__facility")
        .order_by("-prescribed_at", "pk")
    ]
    return Summary(
        allergies=allergies,
        conditions=sorted(conditions, key=lambda c: c.code.code),
        current_medicines=medicines,
    )
