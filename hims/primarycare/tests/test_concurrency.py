"""Two screens recording the same dose (or registering a pregnancy) at the same moment, on
PostgreSQL: one row, one clean refusal. And the control: without the lock and the unique
index, the same check-then-insert writes the dose twice."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection

from hims.core.errors import Conflict
from hims.lib.testing import race
from hims.primarycare.models import Immunization, Pregnancy
from hims.primarycare.services import AlreadyRecorded, immunization_record, pregnancy_register
from hims.primarycare.tests.conftest import NOW, TODAY, child, dose, woman

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
WORKERS = 6


def test_the_same_dose_recorded_at_once_on_six_screens_is_written_once(nurse, doctor, facility):
    baby = child(49)
    penta = dose("penta-1")
    actors = [nurse, doctor] * (WORKERS // 2)

    def record(index: int) -> object:
        return immunization_record(
            patient=baby,
            vaccine_dose=penta,
            given_on=TODAY,
            batch_number=f"PV-{index}",
            actor=actors[index],
            facility=facility,
            now=NOW,
        )

    results = race(record, WORKERS)
    written = [r for r in results if isinstance(r, Immunization)]
    refused = [r for r in results if isinstance(r, AlreadyRecorded)]
    assert len(written) == 1 and len(refused) == WORKERS - 1, results
    assert Immunization.objects.filter(patient=baby, vaccine_dose=penta).count() == 1


def test_two_registrations_of_a_pregnancy_at_once_give_one_ongoing(nurse, doctor, facility):
    mother = woman()

    def register(index: int) -> object:
        return pregnancy_register(
            patient=mother,
            lmp=TODAY - timedelta(days=60 + index),
            actor=[nurse, doctor][index % 2],
            facility=facility,
            now=NOW,
        )

    results = race(register, WORKERS)
    assert sum(isinstance(r, Pregnancy) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == WORKERS - 1
    assert Pregnancy.objects.filter(patient=mother, status="ongoing").count() == 1


def test_control_without_the_lock_and_the_unique_index_the_dose_is_written_twice(nurse, facility):
    """The same check ("not recorded yet?") then insert, with no patient lock and the unique
    index dropped: the screens all see nothing recorded and all write."""
    baby = child(49)
    penta = dose("penta-1")
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX immunization_once_per_dose")
    try:

        def naive(index: int) -> object:
            if Immunization.objects.filter(patient=baby, vaccine_dose=penta).exists():
                return None
            time.sleep(0.05)  # the gap between check and write that real requests also have
            return Immunization.objects.create(
                patient=baby,
                vaccine_dose=penta,
                given_on=TODAY,
                batch_number=f"PV-{index}",
                facility=facility,
                given_by=nurse,
                recorded_at=NOW,
            )

        race(naive, WORKERS)
        assert Immunization.objects.filter(patient=baby, vaccine_dose=penta).count() > 1
    finally:
        Immunization.objects.filter(patient=baby).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE UNIQUE INDEX immunization_once_per_dose ON primarycare_immunization "
                "(patient_id, vaccine_dose_id) WHERE pregnancy_id IS NULL"
            )
