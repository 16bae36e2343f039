"""e-Prescription: medicines from the master, directions in the patient's language, and the
allergy and duplicate-therapy warnings a doctor may override only with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from hims.clinical.medicines import item_directions, medicine_search
from hims.clinical.models import Medicine, PrescriptionItem
from hims.clinical.services import (
    EncounterClosed,
    PrescriptionWarning,
    allergy_record,
    encounter_close,
    encounter_notes_save,
    prescription_item_add,
)
from hims.core.errors import ValidationFailed
from hims.core.models import AccessEvent


def _medicine(salt: str, strength: str = "") -> Medicine:
    found = Medicine.objects.filter(salt=salt)
    return (found.filter(strength=strength) if strength else found).first()  # type: ignore[return-value]


def _add(visit, doctor, medicine, **extra):  # type: ignore[no-untyped-def]
    fields = {"dose": "1", "frequency": "bd", "duration_days": "5"} | extra
    return prescription_item_add(encounter=visit, actor=doctor, medicine_id=medicine.pk, **fields)


def test_the_master_is_loaded_and_found_in_english_or_hindi(db):
    assert Medicine.objects.count() >= 50
    assert {m.salt for m in medicine_search("amoxi")} >= {"Amoxicillin"}
    assert "Paracetamol" in {m.salt for m in medicine_search("पैरासिटामोल")}


def test_directions_read_in_the_patients_language(visit, doctor):
    item = _add(visit, doctor, _medicine("Paracetamol", "500 mg"), timing="after_food")
    assert item_directions(item, "en") == "1 tablet twice a day after food, for 5 days"
    assert item_directions(item, "hi") == "1 गोली दिन में दो बार खाने के बाद, 5 दिन तक"
    assert AccessEvent.objects.filter(resource_type="MedicationRequest", action="create").exists()


def test_a_known_allergy_stops_the_medicine_until_a_reason_is_given(visit, doctor):
    allergy_record(encounter=visit, actor=doctor, substance="Penicillin", reaction="rash")
    amoxicillin = _medicine("Amoxicillin", "500 mg")
    with pytest.raises(PrescriptionWarning) as warned:
        _add(visit, doctor, amoxicillin)
    assert "Penicillin" in str(warned.value)
    assert not PrescriptionItem.objects.exists()
    item = _add(visit, doctor, amoxicillin, override_reason="Tolerated it last year")
    assert item.warning_override == "Tolerated it last year"


def test_two_medicines_of_one_class_warn_as_duplicate_therapy(visit, doctor):
    _add(visit, doctor, _medicine("Ibuprofen"))
    with pytest.raises(PrescriptionWarning) as warned:
        _add(visit, doctor, _medicine("Diclofenac sodium"))
    assert "Ibuprofen" in str(warned.value)
    _add(visit, doctor, _medicine("Diclofenac sodium"), override_reason="Switching tomorrow")
    assert PrescriptionItem.objects.count() == 2


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"dose": "0"}, "dose"),
        ({"dose": "one"}, "dose"),
        ({"dose": "Infinity"}, "dose"),
        ({"duration_days": "0"}, "duration_days"),
        ({"duration_days": "400"}, "duration_days"),
        ({"duration_days": "five"}, "duration_days"),
        ({"frequency": "hourly"}, "frequency"),
        ({"timing": "midnight"}, "timing"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(visit, doctor, extra, field):
    with pytest.raises(ValidationFailed) as refused:
        _add(visit, doctor, _medicine("Cetirizine"), **extra)
    assert refused.value.field == field
    assert not PrescriptionItem.objects.exists()


def test_the_database_refuses_an_impossible_dose_from_any_code_path(visit, doctor):
    with pytest.raises(IntegrityError), transaction.atomic():
        PrescriptionItem.objects.create(
            encounter=visit,
            medicine=_medicine("Cetirizine"),
            dose=Decimal(0),
            frequency="od",
            duration_days=5,
            prescribed_by=doctor,
        )


def test_a_closed_visit_takes_no_more_medicines(visit, doctor):
    encounter_notes_save(
        encounter=visit, actor=doctor, chief_complaint="Cold", examination="", advice=""
    )
    encounter_close(encounter=visit, actor=doctor)
    with pytest.raises(EncounterClosed):
        _add(visit, doctor, _medicine("Cetirizine"))
