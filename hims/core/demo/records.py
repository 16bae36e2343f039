"""Demo health records: past visits of the demo family at two hospitals, so `make run` shows
a timeline, a summary with long-term conditions and current medicines, and a consent request
waiting for the patient's answer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from hims.accounts.choices import Role
from hims.accounts.models import User
from hims.clinical.choices import EncounterStatus
from hims.clinical.lab import (
    lab_order_place,
    lab_report_sign,
    lab_results_enter,
    lab_sample_collect,
)
from hims.clinical.models import (
    Diagnosis,
    Encounter,
    Icd10Code,
    Medicine,
    PrescriptionItem,
    VitalSigns,
)
from hims.core.demo import facilities as data
from hims.network.models import Facility
from hims.patients.models import Patient
from hims.records.choices import ConsentPurpose, HiType
from hims.records.services import consent_request


def past_visit_create(
    *,
    patient: Patient,
    facility: Facility,
    practitioner: User,
    days_ago: int,
    codes: Sequence[str] = ("E11.9",),
    medicines: Sequence[tuple[str, str, int]] = (("Metformin", "bd", 30),),
    vitals: dict[str, Any] | None = None,
    complaint: str = "",
    advice: str = "",
    lab: Mapping[str, Mapping[str, str]] | None = None,
    technician: User | None = None,
    closed: bool = True,
) -> Encounter:
    """A visit written straight into the tables, as if it had happened `days_ago`: diagnoses,
    one set of vitals, medicines (salt prefix, frequency, days), lab tests ({panel: {parameter:
    value}}, ordered, collected, entered and signed by `technician` through the lab services),
    then closed (the children go in first: the database refuses writes to a closed visit).
    For demo data and tests."""
    started = timezone.now() - timedelta(days=days_ago)
    encounter = Encounter.objects.create(
        patient=patient,
        facility=facility,
        practitioner=practitioner,
        started_at=started,
        chief_complaint=complaint,
        advice=advice,
    )
    for index, code in enumerate(codes):
        Diagnosis.objects.create(
            encounter=encounter,
            code=Icd10Code.objects.get(code=code),
            kind="primary" if index == 0 else "secondary",
            certainty="confirmed",
            recorded_by=practitioner,
            recorded_at=started,
        )
    if vitals:
        VitalSigns.objects.create(
            encounter=encounter, recorded_by=practitioner, recorded_at=started, **vitals
        )
    for salt, frequency, days in medicines:
        medicine = Medicine.objects.filter(salt__istartswith=salt).order_by("pk").first()
        if medicine is None:
            continue
        PrescriptionItem.objects.create(
            encounter=encounter,
            medicine=medicine,
            dose=Decimal(1),
            frequency=frequency,
            duration_days=days,
            prescribed_by=practitioner,
            prescribed_at=started,
        )
    if lab:
        assert technician is not None, "lab reports need the technician who signs them"
        orders = lab_order_place(encounter=encounter, actor=practitioner, panel_codes=list(lab))
        for order in orders:
            lab_sample_collect(order=order, actor=technician)
            lab_results_enter(order=order, actor=technician, values=lab[order.panel.code])
            lab_report_sign(order=order, actor=technician)
    if closed:
        Encounter.objects.filter(pk=encounter.pk).update(
            status=EncounterStatus.CLOSED, closed_at=started + timedelta(minutes=12)
        )
        encounter.refresh_from_db()
    return encounter


def demo_records_seed(*, family: Sequence[Patient], created: Counter[str]) -> None:
    """Visits for the first two members of the demo family, once."""
    if not family or Encounter.objects.filter(patient__in=family).exists():
        return
    lnjp = Facility.objects.filter(code=data.FLAGSHIP).first()
    gtb = Facility.objects.filter(code=data.SECOND_HOSPITAL).first()
    doctor = User.objects.filter(username=f"doctor.{data.FLAGSHIP}").first()
    technician = User.objects.filter(username=f"labtech.{data.FLAGSHIP}").first()
    gtb_doctor = User.objects.filter(username=f"doctor.{data.SECOND_HOSPITAL}").first()
    if not (lnjp and gtb and doctor and gtb_doctor and technician):
        return
    adult = family[0]
    bp = {"systolic_mmhg": 148, "diastolic_mmhg": 94, "pulse_per_min": 82, "weight_kg": 71}
    plan = [
        (adult, lnjp, doctor, 190, ("E11.9",), (("Metformin", "bd", 90),), "thirst, tiredness"),
        (
            adult,
            lnjp,
            doctor,
            100,
            ("E11.9", "I10"),
            (("Metformin", "bd", 90), ("Amlodipine", "od", 90)),
            "headache in the mornings",
        ),
        (
            adult,
            lnjp,
            doctor,
            12,
            ("E11.9", "I10"),
            (("Metformin", "bd", 90), ("Amlodipine", "od", 90)),
            "review of sugar and BP",
        ),
    ]
    if len(family) > 1:
        plan.append(
            (family[1], gtb, gtb_doctor, 40, ("J06.9",), (("Paracetamol", "tds", 3),), "fever")
        )
    labs = {12: {"FBS": {"GLU_F": "148"}, "HBA1C": {"HBA1C": "7.9"}}}
    for patient, facility, practitioner, days, codes, medicines, complaint in plan:
        past_visit_create(
            patient=patient,
            facility=facility,
            practitioner=practitioner,
            days_ago=days,
            codes=codes,
            medicines=medicines,
            vitals=bp,
            complaint=complaint,
            advice="walk 30 minutes a day; less salt and sugar",
            lab=labs.get(days) if patient == adult else None,
            technician=technician,
        )
        created["visits"] += 1
    # The GTB doctor treats the child, not the adult: a request waits for the adult's answer.
    consent_request(
        patient=adult,
        requester=gtb_doctor,
        role=Role.DOCTOR,
        facility=gtb,
        purpose=ConsentPurpose.CARE_MANAGEMENT,
        hi_types=[HiType.OP_CONSULTATION, HiType.PRESCRIPTION, HiType.DIAGNOSTIC_REPORT],
        records_from=timezone.localdate() - timedelta(days=365),
        records_to=timezone.localdate(),
        valid_days=30,
        note="Family doctor's second opinion on blood pressure",
    )
    created["consent requests"] += 1
