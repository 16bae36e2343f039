"""A realistic closed OPD visit, built through the clinical services as a doctor would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from hims.clinical.models import Encounter, Medicine
from hims.clinical.services import (
    allergy_record,
    diagnosis_add,
    encounter_close,
    encounter_notes_save,
    encounter_start,
    prescription_item_add,
    vitals_record,
)
from hims.network.models import Room
from hims.scheduling.queues import appointment_check_in, token_call_next
from hims.scheduling.services import appointment_book
from hims.scheduling.tests.factories import make_slot

COMPLAINT_HI = "तीन दिन से बुखार और खांसी"
ADVICE_HI = "गुनगुना पानी पिएं; तीन दिन बाद फिर दिखाएं"


def open_visit(*, department: Any, doctor: Any, patient: Any, room_code: str = "7") -> Encounter:
    room, _created = Room.objects.get_or_create(
        facility=department.facility,
        code=room_code,
        defaults={"department": department, "kind": "consultation", "name": room_code},
    )
    slot = make_slot(department, starts_at=timezone.now() + timedelta(minutes=30))
    booking = appointment_book(slot=slot, patient=patient)
    token = appointment_check_in(appointment=booking, actor=None)
    called = token_call_next(queue=token.queue, room=room, actor=doctor)
    assert called is not None
    return encounter_start(token=called, actor=doctor)


def closed_visit(
    *, department: Any, doctor: Any, patient: Any, prescribe: bool = True
) -> Encounter:
    """Fever and cough: notes in Hindi, a full set of vitals, two ICD-10 diagnoses, a known
    allergy and (unless told otherwise) two medicines; then closed."""
    visit = open_visit(department=department, doctor=doctor, patient=patient)
    encounter_notes_save(
        encounter=visit,
        actor=doctor,
        chief_complaint=COMPLAINT_HI,
        examination="Throat congested, chest clear",
        advice=ADVICE_HI,
    )
    vitals_record(
        encounter=visit,
        actor=doctor,
        readings={
            "systolic_mmhg": 128,
            "diastolic_mmhg": 84,
            "pulse_per_min": 96,
            "temperature_c": "38.4",
            "spo2_percent": 97,
            "respiratory_rate": 18,
            "weight_kg": "68.5",
            "height_cm": "170",
            "glucose_mg_dl": 110,
        },
        glucose_fasting=True,
    )
    diagnosis_add(encounter=visit, actor=doctor, code="J06.9", certainty="confirmed")
    diagnosis_add(encounter=visit, actor=doctor, code="R50.9", kind="secondary")
    allergy_record(
        encounter=visit, actor=doctor, substance="Penicillin", reaction="Rash", severity="severe"
    )
    if prescribe:
        paracetamol = Medicine.objects.get(salt="Paracetamol", strength="500 mg", form="tablet")
        cetirizine = Medicine.objects.get(salt="Cetirizine", strength="10 mg", form="tablet")
        prescription_item_add(
            encounter=visit,
            actor=doctor,
            medicine_id=paracetamol.pk,
            dose="1",
            frequency="tds",
            duration_days=3,
            instructions="बुखार होने पर",
        )
        prescription_item_add(
            encounter=visit,
            actor=doctor,
            medicine_id=cetirizine.pk,
            dose="1",
            frequency="hs",
            duration_days=5,
        )
    return encounter_close(encounter=visit, actor=doctor)
