"""The patient's timeline across every facility of the network: visits with their diagnoses,
vitals and prescriptions, newest first, in a fixed number of queries whatever the length of
the history (one for the visits, one each for diagnoses, vitals and prescriptions, and one each for
the codes and medicines they name).

What a reader sees is cut by their access (`RecordAccess.allows`): a doctor reading under a
consent sees only the record types and dates the patient allowed. The caller logs one access
entry per visit shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Min, Q
from django.utils.translation import get_language

from hims.clinical.models import (
    Diagnosis,
    Encounter,
    Icd10Code,
    LabOrder,
    Medicine,
    PrescriptionItem,
    VitalSigns,
)
from hims.clinical.selectors import (
    CourseEnd,
    LabReportRow,
    lab_orders_with_results,
    lab_report_rows,
    today_starts,
    vitals_flags,
)

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


@dataclass
class VisitEntry:
    """One visit as the timeline shows it."""

    encounter: Encounter
    show_visit: bool  # complaints, diagnoses, vitals (OPConsultation)
    show_prescription: bool
    show_lab: bool  # signed lab reports (DiagnosticReport), dated by their sign-off
    diagnoses: list[Diagnosis] = field(default_factory=list)
    vitals: VitalSigns | None = None
    vitals_flags: dict[str, str] = field(default_factory=dict)
    prescription: list[PrescriptionItem] = field(default_factory=list)
    lab_reports: list[LabReport] = field(default_factory=list)


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
    """A page of the patients' visits (all of them with limit=None), newest first."""
    visits = (
        Encounter.objects.filter(patient_id__in=list(patient_ids))
        .select_related("facility", "department__speciality", "practitioner")
        .only(*VISIT_COLUMNS)
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

    entries = []
    for encounter in rows:
        entry = VisitEntry(
            encounter=encounter,
            show_visit=access.allows("Encounter", encounter.started_at),
            show_prescription=access.allows("MedicationRequest", encounter.started_at),
            show_lab=access.allows("DiagnosticReport"),
        )
        if entry.show_visit or entry.show_prescription or entry.show_lab:
            entries.append(entry)
    _attach(entries, access)
    return Timeline(entries=entries, older=older)


def _attach(entries: list[VisitEntry], access: RecordAccess) -> None:
    """Diagnoses, the last vitals, the prescription and the signed lab reports of each visit,
    in seven queries. The code list and the medicine master are small: each code or medicine
    is built once and shared, not once per row as a join would."""
    by_id = {entry.encounter.pk: entry for entry in entries}
    lab_ids = [pk for pk, entry in by_id.items() if entry.show_lab]
    if lab_ids:
        language = get_language() or "en"
        reports = lab_orders_with_results(
            LabOrder.objects.signed()
            .filter(encounter_id__in=lab_ids)
            .filter(access.dates_q("DiagnosticReport", "signed_at__date"))
            .order_by("signed_at", "pk")
        )
        for order in reports:
            by_id[order.encounter_id].lab_reports.append(
                LabReport(order, lab_report_rows(order, language), language)
            )
    visit_ids = [pk for pk, entry in by_id.items() if entry.show_visit]
    rx_ids = [pk for pk, entry in by_id.items() if entry.show_prescription]
    if visit_ids:
        diagnoses = list(
            Diagnosis.objects.filter(encounter_id__in=visit_ids).order_by("kind", "pk")
        )
        codes = Icd10Code.objects.in_bulk({d.code_id for d in diagnoses})
        for diagnosis in diagnoses:
            diagnosis.code = codes[diagnosis.code_id]
            by_id[diagnosis.encounter_id].diagnoses.append(diagnosis)
        latest: dict[int, VitalSigns] = {}
        for vitals in VitalSigns.objects.filter(encounter_id__in=visit_ids).order_by(
            "recorded_at", "pk"
        ):
            latest[vitals.encounter_id] = vitals
        for encounter_id, vitals in latest.items():
            by_id[encounter_id].vitals = vitals
            by_id[encounter_id].vitals_flags = vitals_flags(vitals)
    if rx_ids:
        items = list(PrescriptionItem.objects.filter(encounter_id__in=rx_ids).order_by("pk"))
        medicines = Medicine.objects.in_bulk({item.medicine_id for item in items})
        for item in items:
            item.medicine = medicines[item.medicine_id]
            by_id[item.encounter_id].prescription.append(item)


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
    """Four queries. Medicines are current while their course lasts (prescribed + days, the
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
    # Grouped in the database: one row per condition, however long the history; the prefixes
    # are matched against the short code list, not every diagnosis.
    grouped = (
        Diagnosis.objects.filter(
            access.dates_q("Condition", "recorded_at__date"),
            code_id__in=Icd10Code.objects.filter(chronic).values("pk"),
            encounter__patient_id__in=ids,
        )
        .values("code_id")
        .annotate(
            first_seen=Min("recorded_at"),
            visits=Count("encounter_id", distinct=True),
            latest_id=Max("pk"),
        )
    )
    rows = list(grouped)
    codes = Icd10Code.objects.in_bulk([row["code_id"] for row in rows])
    conditions = [
        Condition(
            codes[row["code_id"]],
            row["latest_id"],
            row["first_seen"],
            row["visits"],
        )
        for row in rows
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
