from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from hims.core.errors import Conflict, ValidationFailed
from hims.core.models import AccessEvent
from hims.lib.identifiers import luhn_valid
from hims.patients.models import (
    Patient,
    PatientChange,
    PatientFacilityNumber,
    PatientMerge,
    PatientNameKey,
    ScanShareToken,
)
from hims.patients.services import (
    DuplicateSuspected,
    patient_merge,
    patient_merge_review,
    patient_register,
    patient_update,
)
from hims.patients.tests.factories import abha, make_patient, registration


def test_registration_gives_a_valid_uhid_history_and_an_access_log_entry(clerk, facility):
    patient = patient_register(data=registration(), actor=clerk, facility=facility)
    assert (
        patient.uhid.startswith("DL") and len(patient.uhid) == 12 and luhn_valid(patient.uhid[2:])
    )
    assert patient.name_key == "sunit devi"
    assert PatientNameKey.objects.filter(key="sunit devi").exists()
    change = PatientChange.objects.get(patient=patient)
    assert (
        change.action == "created"
        and change.changed_by == clerk
        and change.changes["mobile"] == [None, "9811100002"]
    )
    event = AccessEvent.objects.get(patient_id=patient.pk)
    assert event.action == "create" and event.actor == clerk and event.facility == facility


def test_abha_number_with_hyphens_is_stored_as_digits_and_shown_grouped(clerk, facility):
    number = abha("9154872361")
    grouped = f"{number[:2]}-{number[2:6]}-{number[6:10]}-{number[10:]}"
    patient = patient_register(
        data=registration(abha_number=grouped), actor=clerk, facility=facility
    )
    assert patient.abha_number == number
    assert patient.abha_display == grouped
    assert patient.abha_masked == f"XX-XXXX-XXXX-{number[-4:]}"


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("abha_number", "91-5487-2361-7073", "mistyped"),
        ("abha_number", "1234", "14 digits"),
        ("mobile", "12345", "10-digit"),
        ("birth_date", "2999-01-01", "future"),
        ("abha_address", "9ramesh@abdm", "ABHA address"),
        ("pincode", "01234", "PIN"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_written(
    clerk, facility, field, value, words
):
    with pytest.raises(ValidationFailed) as error:
        patient_register(data=registration(**{field: value}), actor=clerk, facility=facility)
    assert field in error.value.errors
    assert words in " ".join(error.value.errors[field])
    assert (
        not Patient.objects.exists()
        and not PatientChange.objects.exists()
        and not AccessEvent.objects.exists()
    )


def test_a_birth_date_age_or_year_is_required(clerk, facility):
    data = registration()
    del data["birth_date"]
    with pytest.raises(ValidationFailed) as error:
        patient_register(data=data, actor=clerk, facility=facility)
    assert "birth_date" in error.value.errors


def test_age_alone_gives_an_approximate_birth_date(clerk, facility):
    data = registration(age_years="40")
    del data["birth_date"]
    patient = patient_register(data=data, actor=clerk, facility=facility)
    assert patient.birth_date_is_estimated
    assert patient.age_years == 40


def test_same_mobile_and_birth_year_is_suspected_and_explained(clerk, facility):
    existing = make_patient(
        name="Sunita Devi",
        name_hi="",
        gender="female",
        birth_date=date(1985, 3, 12),
        mobile="9811100002",
    )
    with pytest.raises(DuplicateSuspected) as suspected:
        patient_register(data=registration(name="Suneeta Devee"), actor=clerk, facility=facility)
    [candidate] = suspected.value.candidates
    assert candidate.patient == existing
    reasons = [str(r) for r in candidate.reasons]
    assert (
        "same mobile number" in reasons
        and "same name" in reasons
        and "same date of birth" in reasons
    )
    assert Patient.objects.count() == 1


def test_a_hindi_registration_is_matched_with_an_english_record(clerk, facility):
    existing = make_patient(
        name="Ramesh Kumar", name_hi="", birth_date=date(1980, 5, 17), mobile="9811100009"
    )
    data = registration(name="रमेश कुमार", gender="male", birth_date="1980-05-17", mobile="")
    with pytest.raises(DuplicateSuspected) as suspected:
        patient_register(data=data, actor=clerk, facility=facility)
    assert [c.patient for c in suspected.value.candidates] == [existing]


def test_confirming_a_new_person_registers_despite_candidates(clerk, facility):
    make_patient(
        name="Sunita Devi", gender="female", birth_date=date(1985, 3, 12), mobile="9811100002"
    )
    patient = patient_register(
        data=registration(name="Sunita Devi"), actor=clerk, facility=facility, confirm_new=True
    )
    assert Patient.objects.count() == 2 and patient.mobile == "9811100002"


def test_a_different_person_of_the_family_is_not_suspected(clerk, facility):
    make_patient(
        name="Ramesh Kumar", gender="male", birth_date=date(1980, 5, 17), mobile="9811100002"
    )
    patient = patient_register(
        data=registration(name="Pinky Kumari", birth_date="2012-01-05"),
        actor=clerk,
        facility=facility,
    )
    assert patient.pk


def test_an_abha_number_can_never_be_registered_twice(clerk, facility):
    number = abha("9100000000")
    first = make_patient(abha_number=number)
    with pytest.raises(ValidationFailed) as error:
        patient_register(
            data=registration(abha_number=number, name="Someone Else"),
            actor=clerk,
            facility=facility,
            confirm_new=True,
        )
    assert error.value.field == "abha_number" and first.uhid_display in str(error.value)
    assert Patient.objects.count() == 1


def test_an_update_keeps_the_old_and_new_values(clerk, facility):
    patient = patient_register(data=registration(), actor=clerk, facility=facility)
    patient_update(
        patient=patient,
        data=registration(name="Sunita Sharma", mobile="9811100003"),
        actor=clerk,
        facility=facility,
        reason="married",
    )
    patient.refresh_from_db()
    assert patient.name == "Sunita Sharma" and patient.name_key == "sunit srm"
    change = PatientChange.objects.filter(action="updated").get()
    assert change.changes == {
        "name": ["Sunita Devi", "Sunita Sharma"],
        "mobile": ["9811100002", "9811100003"],
    }
    assert change.reason == "married"
    assert AccessEvent.objects.filter(patient_id=patient.pk, action="update").count() == 1


def test_an_update_with_bad_input_changes_nothing(clerk, facility):
    patient = patient_register(data=registration(), actor=clerk, facility=facility)
    with pytest.raises(ValidationFailed):
        patient_update(
            patient=patient, data=registration(mobile="55"), actor=clerk, facility=facility
        )
    patient.refresh_from_db()
    assert patient.mobile == "9811100002" and PatientChange.objects.count() == 1


# --- merge ------------------------------------------------------------------------------------


def _linked_rows(patient: Patient) -> dict[str, int]:
    return {
        "facility_numbers": PatientFacilityNumber.objects.filter(patient=patient).count(),
        "tokens": ScanShareToken.objects.filter(patient=patient).count(),
        "changes": PatientChange.objects.filter(patient=patient).exclude(action="merged").count(),
    }


def test_merge_moves_every_linked_row_and_the_loser_redirects(facility_admin, facility):
    survivor = make_patient(name="Ramesh Kumar", mobile="9811100001", abha_number=None)
    loser = make_patient(
        name="Ramesh Kumaar", mobile="", abha_number=abha("9122"), pincode="110002"
    )
    PatientFacilityNumber.objects.create(patient=loser, facility=facility, number="LNJP/2019/77")
    now = timezone.now()
    ScanShareToken.objects.create(
        facility=facility,
        counter="c1",
        patient=loser,
        token_number="5",
        issued_on=now.date(),
        expires_at=now,
    )
    PatientChange.objects.create(patient=loser, action="updated", changes={"x": [1, 2]})
    before = {k: _linked_rows(survivor)[k] + _linked_rows(loser)[k] for k in _linked_rows(loser)}

    merge = patient_merge(
        survivor_id=survivor.pk,
        loser_id=loser.pk,
        actor=facility_admin,
        facility=facility,
        reason="same person, spelling",
    )
    survivor.refresh_from_db()
    loser.refresh_from_db()
    assert _linked_rows(loser) == {"facility_numbers": 0, "tokens": 0, "changes": 0}
    assert _linked_rows(survivor) == before  # nothing lost
    assert loser.merged_into == survivor and loser.abha_number is None
    assert survivor.abha_number == abha("9122") and survivor.pincode == "110002"  # blanks filled
    assert merge.loser_snapshot["name"] == "Ramesh Kumaar"
    assert merge.moved["patients.patientfacilitynumber.patient"] == 1
    assert AccessEvent.objects.filter(action="merge").count() == 2
    assert list(Patient.objects.active()) == [survivor]


def test_a_merged_record_cannot_be_merged_again_or_into_itself(facility_admin, facility):
    a, b, c = make_patient(), make_patient(mobile="9811100005"), make_patient(mobile="9811100006")
    patient_merge(
        survivor_id=a.pk, loser_id=b.pk, actor=facility_admin, facility=facility, reason="dup"
    )
    with pytest.raises(Conflict):
        patient_merge(
            survivor_id=c.pk, loser_id=b.pk, actor=facility_admin, facility=facility, reason="dup"
        )
    with pytest.raises(ValidationFailed):
        patient_merge(
            survivor_id=a.pk, loser_id=a.pk, actor=facility_admin, facility=facility, reason="dup"
        )
    with pytest.raises(ValidationFailed):
        patient_merge(
            survivor_id=a.pk, loser_id=c.pk, actor=facility_admin, facility=facility, reason=" "
        )


def test_a_merge_is_reviewed_by_another_administrator(facility_admin, network_admin, facility):
    from hims.core.errors import AccessDenied

    a, b = make_patient(), make_patient(mobile="9811100005")
    merge = patient_merge(
        survivor_id=a.pk, loser_id=b.pk, actor=facility_admin, facility=facility, reason="dup"
    )
    with pytest.raises(AccessDenied):
        patient_merge_review(merge=merge, actor=facility_admin)
    reviewed = patient_merge_review(merge=merge, actor=network_admin)
    assert reviewed.reviewed_by == network_admin and PatientMerge.objects.get().reviewed_at


def test_updating_a_merged_record_is_refused(facility_admin, facility):
    a, b = make_patient(), make_patient(mobile="9811100005")
    patient_merge(
        survivor_id=a.pk, loser_id=b.pk, actor=facility_admin, facility=facility, reason="dup"
    )
    b.refresh_from_db()
    with pytest.raises(Conflict):
        patient_update(patient=b, data=registration(), actor=facility_admin, facility=facility)
