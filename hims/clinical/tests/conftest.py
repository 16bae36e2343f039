from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hims.clinical.services import encounter_start
from hims.network.models import Room
from hims.patients.tests.factories import make_patient
from hims.scheduling.queues import appointment_check_in, token_call_next
from hims.scheduling.services import appointment_book
from hims.scheduling.tests.factories import make_slot


@pytest.fixture(autouse=True)
def _lists(clinical_lists: None) -> None:
    """Every test here has the code lists (hims/conftest.py)."""


@pytest.fixture
def called(daytime, department, doctor):  # type: ignore[no-untyped-def]
    """A booked patient checked in today and called by the doctor."""
    room = Room.objects.create(
        facility=department.facility, department=department, code="7", kind="consultation", name="7"
    )
    slot = make_slot(department, starts_at=timezone.now() + timedelta(minutes=30))
    booking = appointment_book(slot=slot, patient=make_patient(mobile="9811100001"))
    token = appointment_check_in(appointment=booking, actor=None)
    called = token_call_next(queue=token.queue, room=room, actor=doctor)
    assert called is not None
    return called


@pytest.fixture
def visit(called, doctor):  # type: ignore[no-untyped-def]
    return encounter_start(token=called, actor=doctor)


@pytest.fixture
def lab_technician(facility):  # type: ignore[no-untyped-def]
    from hims.accounts.choices import Role
    from hims.conftest import _staff

    return _staff("lena", Role.LAB_TECHNICIAN, facility)


# A CBC of a healthy man, as the technician types it.
CBC_NORMAL = {
    "HB": "14.2",
    "RBC": "4.90",
    "HCT": "43.0",
    "MCV": "88.0",
    "MCH": "29.0",
    "MCHC": "33.0",
    "RDW": "12.5",
    "WBC": "7.2",
    "NEUT": "60",
    "LYMPH": "30",
    "MONO": "6",
    "EOS": "3",
    "BASO": "1",
    "PLT": "250",
}
