"""The timeline read as JSON in one query shows exactly what the ORM reads of the same visits:
each entry is rendered both ways, in English and Hindi, and the pages must match."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from hims.accounts.choices import Role
from hims.clinical.lab import lab_result_amend
from hims.clinical.models import Encounter, LabOrder, VitalSigns
from hims.clinical.selectors import lab_orders_with_results, lab_report_rows
from hims.clinical.tests.conftest import CBC_NORMAL
from hims.conftest import _staff
from hims.core.choices import AccessBasis
from hims.core.demo.records import past_visit_create
from hims.patients.tests.factories import make_patient
from hims.records.access import RecordAccess, self_access
from hims.records.models import Consent
from hims.records.timeline import LabReport, VisitEntry, timeline_get

pytestmark = pytest.mark.django_db

URINE = {
    "COLOUR": "pale yellow",
    "APPEAR": "Clear",
    "PH": "6.0",
    "SG": "1.020",
    "U_PROT": "2+",
    "U_GLU": "Nil",
    "U_KET": "Nil",
    "U_WBC": "8",
    "U_RBC": "1",
}


@pytest.fixture
def history(facility, doctor):  # type: ignore[no-untyped-def]
    """Three visits: two diagnoses, two medicines and a corrected blood count; a urine test and a
    later second set of vitals with decimals and a fasting sugar; one with no records at all."""
    technician = _staff("lena", Role.LAB_TECHNICIAN, facility)
    patient = make_patient(mobile="9811100001", gender="female")
    blood = past_visit_create(
        patient=patient,
        facility=facility,
        practitioner=doctor,
        days_ago=30,
        codes=("E11.9", "I10"),
        medicines=(("Metformin", "bd", 30), ("Amlodipine", "od", 5)),
        vitals={"systolic_mmhg": 150, "diastolic_mmhg": 95, "weight_kg": Decimal(60)},
        lab={"CBC": CBC_NORMAL},
        technician=technician,
        closed=False,
    )
    lab_result_amend(
        order=LabOrder.objects.get(encounter=blood),
        actor=doctor,
        parameter_code="HB",
        value="10.1",
        reason="Rerun on a fresh sample",
    )
    urine = past_visit_create(
        patient=patient,
        facility=facility,
        practitioner=doctor,
        days_ago=10,
        codes=("N39.0",),
        vitals={"temperature_c": Decimal("37.5"), "height_cm": Decimal(150)},
        lab={"URINE": URINE},
        technician=technician,
        closed=False,
    )
    VitalSigns.objects.create(
        encounter=urine,
        recorded_by=doctor,
        recorded_at=urine.started_at + timedelta(minutes=20),
        temperature_c=Decimal("38.2"),
        weight_kg=Decimal("60.0"),
        height_cm=Decimal(150),
        glucose_mg_dl=120,
        glucose_fasting=True,
    )
    past_visit_create(
        patient=patient, facility=facility, practitioner=doctor, days_ago=2, codes=(), medicines=()
    )
    return patient


def _read_by_the_orm(entry: VisitEntry, language: str) -> VisitEntry:
    """The same entry from the ORM, as the timeline read it before the JSON."""
    encounter = Encounter.objects.select_related(
        "facility", "department__speciality", "practitioner"
    ).get(pk=entry.encounter.pk)
    orders = LabOrder.objects.signed().filter(encounter=encounter).order_by("signed_at", "pk")
    return VisitEntry(
        encounter=encounter,
        show_visit=entry.show_visit,
        show_prescription=entry.show_prescription,
        show_lab=entry.show_lab,
        diagnoses=list(encounter.diagnoses.select_related("code").order_by("kind", "pk")),
        vitals=encounter.vitals.order_by("-recorded_at", "-pk").first(),
        prescription=list(encounter.prescription_items.select_related("medicine").order_by("pk")),
        lab_reports=[
            LabReport(order, lab_report_rows(order, language), language)
            for order in lab_orders_with_results(orders)
        ],
    )


def _rendered(entry: VisitEntry) -> str:
    return render_to_string(
        "records/partials/_visit_entry.html",
        {"entry": entry, "lab_pdf": "records:my-lab-report-pdf"},
    )


@pytest.mark.parametrize("language", ["en", "hi"])
def test_each_entry_shows_what_the_orm_reads(history, language):
    with translation.override(language):
        timeline = timeline_get(patient_ids=[history.pk], access=self_access(history.pk))
        assert len(timeline.entries) == 3
        for entry in timeline.entries:
            assert _rendered(entry) == _rendered(_read_by_the_orm(entry, language))
    blood = timeline.entries[2]
    assert [d.code.code for d in blood.diagnoses] == ["E11.9", "I10"]
    (corrected,) = [row for report in blood.lab_reports for row in report.rows if row.amendments]
    assert corrected.value == "10.1" and [a["was"] for a in corrected.amendments] == ["14.2"]
    urine = timeline.entries[1]
    assert urine.vitals is not None and urine.vitals.temperature_c == Decimal("38.2")
    assert urine.vitals_flags == {"temperature_c": "high", "bmi": "high", "glucose_mg_dl": "high"}


def test_the_whole_history_is_one_query(history):
    with CaptureQueriesContext(connection) as captured:
        timeline = timeline_get(
            patient_ids=[history.pk], access=self_access(history.pk), limit=None
        )
        for entry in timeline.entries:
            _rendered(entry)
    assert len(captured) == 1, [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize(("last_day", "reports"), [(0, [0, 1, 1]), (1, [0, 0, 0])])
def test_under_a_consent_only_the_allowed_types_and_dates_are_read(
    history, doctor, facility, last_day, reports
):
    """Prescriptions dated in the range; lab reports signed in it (both were signed today)."""
    today = timezone.localdate()
    consent = Consent.objects.create(
        patient=history,
        requester=doctor,
        facility=facility,
        purpose="CAREMGT",
        hi_types=["Prescription", "DiagnosticReport"],
        records_from=today - timedelta(days=20),
        records_to=today - timedelta(days=last_day),
        status="GRANTED",
        decided_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=1),
    )
    access = RecordAccess(history.pk, AccessBasis.CONSENT, "CAREMGT", (consent,))
    timeline = timeline_get(patient_ids=[history.pk], access=access)
    assert [e.show_prescription for e in timeline.entries] == [True, True, False]
    assert not any(e.show_visit or e.diagnoses or e.vitals for e in timeline.entries)
    assert [len(e.lab_reports) for e in timeline.entries] == reports
    assert [len(e.prescription) for e in timeline.entries] == [0, 1, 0]
