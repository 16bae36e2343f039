"""Identity invariants under real concurrency, on PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection

from hims.core.errors import DomainError
from hims.lib.testing import race
from hims.patients.models import Patient, ScanShareToken
from hims.patients.scan_share import scan_share_receive
from hims.patients.services import patient_register
from hims.patients.tests.factories import abha, registration

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
WORKERS = 8


def _race(work: Callable[[int], Any], workers: int = WORKERS) -> list[Any]:
    return race(work, workers)


def test_one_abha_number_registered_at_once_by_eight_clerks_gives_one_patient(clerk, facility):
    number = abha("9133")

    def register(index: int) -> Patient:
        data = registration(name=f"Person {index}", abha_number=number, mobile=f"98111{index:05d}")
        return patient_register(data=data, actor=clerk, facility=facility, confirm_new=True)

    results = _race(register)
    created = [r for r in results if isinstance(r, Patient)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(created) == 1 and len(refused) == WORKERS - 1
    assert all(r.field == "abha_number" for r in refused)
    assert Patient.objects.filter(abha_number=number).count() == 1


def test_control_without_the_unique_index_a_check_then_insert_guard_lets_duplicates_in(
    clerk, facility
):
    """The same race with the database guard dropped and only a Python check: duplicates appear."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'patients_patient'::regclass AND contype = 'u' "
            "AND pg_get_constraintdef(oid) = 'UNIQUE (abha_number)'"
        )
        [constraint] = cursor.fetchone()
        cursor.execute(f'ALTER TABLE patients_patient DROP CONSTRAINT "{constraint}"')
    number = abha("9144")
    try:

        def naive(index: int) -> Patient | None:
            if Patient.objects.filter(abha_number=number).exists():
                return None
            time.sleep(0.05)  # the gap between check and write that real requests also have
            return Patient.objects.create(
                uhid=f"DL{index:09d}0",
                name="x",
                gender="male",
                birth_date="1980-01-01",
                abha_number=number,
            )

        results = _race(naive)
        duplicates = Patient.objects.filter(abha_number=number).count()
        assert duplicates > 1, results
    finally:
        Patient.objects.filter(abha_number=number).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f'ALTER TABLE patients_patient ADD CONSTRAINT "{constraint}" UNIQUE (abha_number)'
            )


def _scan_payload(index: int) -> dict[str, Any]:
    number = abha(f"92{index:02d}")
    return {
        "intent": "PROFILE_SHARE",
        "metaData": {
            "hipId": "IN0700000001",
            "context": "counter-1",
            "hprId": "",
            "latitude": 0,
            "longitude": 0,
        },
        "profile": {
            "patient": {
                "abhaNumber": number,
                "abhaAddress": f"person.{index:02d}@sbx",
                "name": f"Person {chr(65 + index)}",
                "gender": "M",
                "dayOfBirth": 1,
                "monthOfBirth": 1,
                "yearOfBirth": 1970 + index,
                "address": {"line": "", "district": "", "state": "", "pincode": ""},
                "phoneNumber": f"98200{index:05d}",
            }
        },
    }


def test_simultaneous_scans_by_different_people_get_gap_free_unique_tokens(facility):
    facility.hfr_id = "IN0700000001"
    facility.save()
    results = _race(
        lambda i: scan_share_receive(payload=_scan_payload(i), request_id=str(uuid.uuid4()))
    )
    tokens = sorted(int(r["acknowledgement"]["profile"]["tokenNumber"]) for r in results)
    assert tokens == list(range(1, WORKERS + 1))
    assert ScanShareToken.objects.count() == WORKERS


def test_one_person_scanning_many_times_at_once_gets_one_token(facility):
    facility.hfr_id = "IN0700000001"
    facility.save()
    Patient.objects.all().delete()
    payload = _scan_payload(1)
    from hims.patients.scan_share import profile_to_patient_data
    from hims.patients.services import patient_data_clean

    # Registered beforehand, so the race is about the token, not about registering.
    patient_register(
        data=profile_to_patient_data(payload["profile"]["patient"]),
        actor=None,
        facility=facility,
        confirm_new=True,
    )
    assert patient_data_clean(profile_to_patient_data(payload["profile"]["patient"]))
    results = _race(lambda i: scan_share_receive(payload=payload, request_id=str(uuid.uuid4())))
    tokens = {
        r["acknowledgement"]["profile"]["tokenNumber"] for r in results if isinstance(r, dict)
    }
    assert tokens == {"1"}, results
    assert ScanShareToken.objects.count() == 1


def test_integrity_error_is_the_guard_not_python(db):
    """The unique index itself refuses a second ABHA number (no service involved)."""
    number = abha("9155")
    Patient.objects.create(
        uhid="DL0000000018", name="a", gender="male", birth_date="1980-01-01", abha_number=number
    )
    with pytest.raises(IntegrityError):
        Patient.objects.create(
            uhid="DL0000000026",
            name="b",
            gender="male",
            birth_date="1980-01-01",
            abha_number=number,
        )


def test_a_new_person_scanning_twice_at_once_is_registered_once(facility):
    facility.hfr_id = "IN0700000001"
    facility.save()
    payload = _scan_payload(3)
    results = _race(
        lambda i: scan_share_receive(payload=payload, request_id=str(uuid.uuid4())), workers=4
    )
    assert all(isinstance(r, dict) for r in results), results
    assert Patient.objects.count() == 1
    assert len({r["acknowledgement"]["profile"]["tokenNumber"] for r in results}) == 1
