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
def icd10_codes(db: None) -> None:
    """The code list and medicine master the migrations load. A transactional test elsewhere empties every table
    after itself, so each test here makes sure the list is there (it is idempotent)."""
    from hims.clinical.icd10 import icd10_load
    from hims.clinical.medicines import medicines_load
    from hims.clinical.models import Icd10Code, Medicine

    icd10_load(Icd10Code)
    medicines_load(Medicine)


@pytest.fixture
def called(department, doctor):  # type: ignore[no-untyped-def]
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
