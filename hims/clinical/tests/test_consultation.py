"""The OPD consultation: starting from a called token, vitals, diagnoses, allergies, closing, and
the addendum as the only change to a closed visit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from hims.clinical.icd10 import icd10_load, icd10_rows, icd10_search
from hims.clinical.models import Addendum, Diagnosis, Encounter, Icd10Code, VitalSigns
from hims.clinical.selectors import vitals_flags
from hims.clinical.services import (
    EncounterClosed,
    addendum_add,
    allergy_record,
    diagnosis_add,
    encounter_close,
    encounter_notes_save,
    encounter_start,
    vitals_record,
)
from hims.core.errors import Conflict, ValidationFailed
from hims.core.models import AccessEvent
from hims.lib.testing import race


def test_the_shipped_code_list_is_loaded_unique_and_loading_again_changes_nothing(db):
    rows = icd10_rows()
    assert len(rows) >= 90
    assert Icd10Code.objects.count() == len({r["code"] for r in rows})
    assert all(r["title"] and r["title_hi"] for r in rows)
    assert icd10_load(Icd10Code) == 0
    Icd10Code.objects.filter(code="I10").update(title="changed")
    assert icd10_load(Icd10Code) == 1
    assert Icd10Code.objects.get(code="I10").title == "Essential (primary) hypertension"


@pytest.mark.parametrize(
    ("query", "expected"),
    [("I10", "I10"), ("i10", "I10"), ("diabetes", "E11.9"), ("शुगर", "E11.9"), ("बीपी", "I10")],
)
def test_diagnoses_are_found_by_code_english_words_or_common_hindi(db, query, expected):
    found = [c.code for c in icd10_search(query)]
    assert expected in found
    if query.upper() == expected:
        assert found[0] == expected  # the exact code first


def test_starting_the_visit_takes_the_token_into_the_room_once(called, doctor):
    visit = encounter_start(token=called, actor=doctor)
    called.refresh_from_db()
    assert called.status == "in_room"
    assert (visit.patient_id, visit.facility_id, visit.status) == (
        called.patient_id,
        called.queue.facility_id,
        "in_progress",
    )
    assert encounter_start(token=called, actor=doctor).pk == visit.pk  # pressed twice
    assert Encounter.objects.count() == 1
    assert AccessEvent.objects.filter(resource_type="Encounter", action="create").count() == 1


def test_vitals_are_stored_with_bmi_and_abnormal_values_flagged(visit, doctor):
    vitals = vitals_record(
        encounter=visit,
        actor=doctor,
        readings={
            "systolic_mmhg": "152",
            "diastolic_mmhg": "96",
            "pulse_per_min": 88,
            "temperature_c": "38.4",
            "spo2_percent": "91",
            "weight_kg": "72.5",
            "height_cm": "165",
            "glucose_mg_dl": "210",
        },
        glucose_fasting=False,
    )
    assert vitals.bmi == Decimal("26.6")
    assert vitals_flags(vitals) == {
        "systolic_mmhg": "high",
        "diastolic_mmhg": "high",
        "temperature_c": "high",
        "spo2_percent": "low",
        "bmi": "high",
        "glucose_mg_dl": "high",
    }
    assert AccessEvent.objects.filter(resource_type="Observation", patient_id=visit.patient_id)


@pytest.mark.parametrize(
    ("readings", "field"),
    [
        ({"systolic_mmhg": "1200", "diastolic_mmhg": "80"}, "systolic_mmhg"),
        ({"temperature_c": "98.6"}, "temperature_c"),  # Fahrenheit in the Celsius box
        ({"systolic_mmhg": "80", "diastolic_mmhg": "120"}, "systolic_mmhg"),
        ({"systolic_mmhg": "120"}, "systolic_mmhg"),
        ({"pulse_per_min": "seventy"}, "pulse_per_min"),
        ({"pulse_per_min": "72.5"}, "pulse_per_min"),
        ({"spo2_percent": "NaN"}, "spo2_percent"),
        ({"bp": "120/80"}, "bp"),
        ({}, None),
    ],
)
def test_implausible_readings_are_refused_naming_the_reading_and_nothing_is_written(
    visit, doctor, readings, field
):
    with pytest.raises(ValidationFailed) as refused:
        vitals_record(encounter=visit, actor=doctor, readings=readings)
    assert refused.value.field == field
    assert not VitalSigns.objects.exists()


def test_the_database_refuses_implausible_vitals_from_any_code_path(visit, doctor):
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalSigns.objects.create(encounter=visit, recorded_by=doctor, temperature_c=Decimal(98))


def test_one_main_diagnosis_per_visit_and_each_code_once(visit, doctor):
    diagnosis_add(encounter=visit, actor=doctor, code="i10")
    with pytest.raises(Conflict) as twice:
        diagnosis_add(encounter=visit, actor=doctor, code="I10", kind="secondary")
    assert twice.value.field == "code"
    with pytest.raises(Conflict) as second_main:
        diagnosis_add(encounter=visit, actor=doctor, code="E11.9")
    assert second_main.value.field == "kind"
    diagnosis_add(encounter=visit, actor=doctor, code="E11.9", kind="secondary")
    with pytest.raises(ValidationFailed):
        diagnosis_add(encounter=visit, actor=doctor, code="XYZ")
    assert Diagnosis.objects.filter(encounter=visit).count() == 2


def test_an_allergy_is_kept_once_per_substance(visit, doctor):
    allergy_record(encounter=visit, actor=doctor, substance="Penicillin", reaction="rash")
    with pytest.raises(Conflict):
        allergy_record(encounter=visit, actor=doctor, substance="  penicillin ")
    assert visit.patient.allergies.count() == 1


def test_a_closed_visit_changes_only_by_addendum(visit, doctor):
    with pytest.raises(ValidationFailed):
        encounter_close(encounter=visit, actor=doctor)  # nothing written yet
    encounter_notes_save(
        encounter=visit, actor=doctor, chief_complaint="Fever 3 days", examination="", advice=""
    )
    closed = encounter_close(encounter=visit, actor=doctor)
    assert closed.status == "closed" and closed.closed_at is not None
    assert closed.token.status == "done"
    for write in (
        lambda: encounter_notes_save(
            encounter=visit, actor=doctor, chief_complaint="changed", examination="", advice=""
        ),
        lambda: vitals_record(encounter=visit, actor=doctor, readings={"pulse_per_min": 80}),
        lambda: diagnosis_add(encounter=visit, actor=doctor, code="R50.9"),
        lambda: encounter_close(encounter=visit, actor=doctor),
    ):
        with pytest.raises(EncounterClosed):
            write()
    note = addendum_add(encounter=visit, actor=doctor, text="Malaria test came back negative.")
    assert Addendum.objects.get().pk == note.pk
    assert Encounter.objects.get(pk=visit.pk).chief_complaint == "Fever 3 days"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_write_racing_the_close_either_lands_before_it_or_is_refused(called, doctor):
    visit = encounter_start(token=called, actor=doctor)
    encounter_notes_save(
        encounter=visit, actor=doctor, chief_complaint="Cough", examination="", advice=""
    )

    def work(i: int) -> object:
        if i == 0:
            return encounter_close(encounter=visit, actor=doctor)
        return vitals_record(encounter=visit, actor=doctor, readings={"pulse_per_min": 70 + i})

    results = race(work, 6)
    closed_at = Encounter.objects.get(pk=visit.pk).closed_at
    assert closed_at is not None
    written = [r for r in results if isinstance(r, VitalSigns)]
    refused = [r for r in results if isinstance(r, EncounterClosed)]
    assert len(written) + len(refused) == 5
    assert all(v.recorded_at <= closed_at for v in written)  # nothing landed after the close
    assert VitalSigns.objects.count() == len(written)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("trigger", ["off", "on"])
def test_control_a_write_without_the_row_lock_lands_on_a_closed_visit_unless_the_trigger_stops_it(
    called, doctor, trigger
):
    """The guards' control: check "still open?" without locking, let the close happen between
    the check and the write. With the database trigger switched off the write lands on the
    closed visit (the race the row lock prevents); with it on, the database refuses it."""
    import threading

    from django.db import DatabaseError, connection

    visit = encounter_start(token=called, actor=doctor)
    encounter_notes_save(
        encounter=visit, actor=doctor, chief_complaint="Cough", examination="", advice=""
    )
    checked, closed = threading.Event(), threading.Event()
    outcome: list[object] = []

    def naive_write() -> None:
        try:
            with transaction.atomic():
                assert not Encounter.objects.get(pk=visit.pk).is_closed  # no lock taken
                checked.set()
                closed.wait(10)
                outcome.append(
                    VitalSigns.objects.create(encounter=visit, recorded_by=doctor, pulse_per_min=80)
                )
        except DatabaseError as refused:
            outcome.append(refused)
        finally:
            connection.close()

    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE clinical_vitalsigns {'DISABLE' if trigger == 'off' else 'ENABLE'} "
            "TRIGGER clinical_vitalsigns_visit_open"
        )
    try:
        writer = threading.Thread(target=naive_write)
        writer.start()
        checked.wait(10)
        encounter_close(encounter=visit, actor=doctor)
        closed.set()
        writer.join()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE clinical_vitalsigns ENABLE TRIGGER clinical_vitalsigns_visit_open"
            )
    assert Encounter.objects.get(pk=visit.pk).is_closed
    landed = VitalSigns.objects.filter(encounter=visit).count()
    if trigger == "off":
        assert landed == 1  # written after the close: the race
    else:
        assert landed == 0 and isinstance(outcome[0], DatabaseError)


def test_the_database_keeps_a_closed_visit_final_whatever_code_path_tries(visit, doctor):
    from django.db import DatabaseError

    encounter_notes_save(
        encounter=visit, actor=doctor, chief_complaint="Fever", examination="", advice=""
    )
    encounter_close(encounter=visit, actor=doctor)
    with pytest.raises(DatabaseError), transaction.atomic():
        Encounter.objects.filter(pk=visit.pk).update(chief_complaint="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        Encounter.objects.filter(pk=visit.pk).update(status="in_progress", closed_at=None)
    with pytest.raises(DatabaseError), transaction.atomic():
        VitalSigns.objects.create(encounter=visit, recorded_by=doctor, pulse_per_min=80)
    with pytest.raises(DatabaseError), transaction.atomic():
        Diagnosis.objects.create(
            encounter=visit, code_id=Icd10Code.objects.get(code="R50.9").pk, recorded_by=doctor
        )
    assert Encounter.objects.get(pk=visit.pk).chief_complaint == "Fever"


def test_merging_two_records_of_one_person_moves_their_closed_visits(visit, doctor, facility):
    from hims.patients.services import patient_merge
    from hims.patients.tests.factories import make_patient

    encounter_notes_save(
        encounter=visit, actor=doctor, chief_complaint="Fever", examination="", advice=""
    )
    encounter_close(encounter=visit, actor=doctor)
    survivor = make_patient(mobile="9811100077", name="Ramesh Kumar")
    patient_merge(
        survivor_id=survivor.pk,
        loser_id=visit.patient_id,
        actor=doctor,
        facility=facility,
        reason="Registered twice",
    )
    moved = Encounter.objects.get(pk=visit.pk)
    assert moved.patient_id == survivor.pk and moved.is_closed


def test_closing_the_visit_of_a_patient_with_abha_links_it_as_a_care_context(
    visit, doctor, django_capture_on_commit_callbacks
):
    from hims.abdm.models import CareContext
    from hims.patients.tests.factories import abha

    Patient = type(visit.patient)
    Patient.objects.filter(pk=visit.patient_id).update(abha_number=abha("9177"))
    encounter_notes_save(
        encounter=visit, actor=doctor, chief_complaint="cough", examination="", advice=""
    )
    with django_capture_on_commit_callbacks(execute=True):
        encounter_close(encounter=visit, actor=doctor)
    (linked,) = CareContext.objects.filter(encounter=visit)
    assert linked.patient_id == visit.patient_id


def test_closing_a_visit_without_abha_links_nothing(
    visit, doctor, django_capture_on_commit_callbacks
):
    from hims.abdm.models import CareContext

    encounter_notes_save(
        encounter=visit, actor=doctor, chief_complaint="cough", examination="", advice=""
    )
    with django_capture_on_commit_callbacks(execute=True):
        encounter_close(encounter=visit, actor=doctor)
    assert not CareContext.objects.exists()
