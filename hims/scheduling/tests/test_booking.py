from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from hims.lib.testing import race
from hims.patients.tests.factories import make_patient
from hims.scheduling.models import Appointment, Slot, SlotQuota
from hims.scheduling.services import (
    AlreadyBooked,
    BookingClosed,
    SlotFull,
    appointment_book,
    appointment_cancel,
    schedule_block,
    slot_get,
)


def _day_after_tomorrow_at_nine() -> datetime:
    day = timezone.localdate() + timedelta(days=2)
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=9)


def _slot(department, *, capacity: int = 2, minutes: int = 0) -> Slot:  # type: ignore[no-untyped-def]
    start = _day_after_tomorrow_at_nine() + timedelta(minutes=minutes)
    slot = Slot.objects.create(
        facility=department.facility,
        department=department,
        starts_at=start,
        ends_at=start + timedelta(minutes=10),
        day=start.date(),
    )
    SlotQuota.objects.create(slot=slot, channel="online", capacity=capacity)
    SlotQuota.objects.create(slot=slot, channel="counter", capacity=1)
    return slot


def test_booking_takes_a_place_and_a_full_quota_refuses(department):
    slot = _slot(department, capacity=1)
    first = appointment_book(slot=slot, patient=make_patient(mobile="9811100001"))
    assert len(first.reference) == 8 and first.status == "booked"
    with pytest.raises(SlotFull):
        appointment_book(slot=slot, patient=make_patient(mobile="9811100002"))
    # The counter's place is kept apart from the online quota.
    appointment_book(slot=slot, patient=make_patient(mobile="9811100003"), channel="counter")
    assert list(SlotQuota.objects.order_by("channel").values_list("channel", "booked")) == [
        ("counter", 1),
        ("online", 1),
    ]


def test_one_active_booking_per_patient_department_and_day_and_nothing_half_written(department):
    patient = make_patient()
    appointment_book(slot=_slot(department, minutes=0), patient=patient)
    later = _slot(department, minutes=30)
    with pytest.raises(AlreadyBooked):
        appointment_book(slot=later, patient=patient)
    assert (
        SlotQuota.objects.get(slot=later, channel="online").booked == 0
    )  # the increment was undone


def test_cancelling_frees_the_place_at_once_and_twice_is_harmless(department):
    slot = _slot(department, capacity=1)
    booking = appointment_book(slot=slot, patient=make_patient(mobile="9811100001"))
    appointment_cancel(appointment=booking)
    appointment_cancel(appointment=booking)
    assert SlotQuota.objects.get(slot=slot, channel="online").booked == 0
    appointment_book(slot=slot, patient=make_patient(mobile="9811100002"))


def test_a_blocked_slot_takes_no_bookings(department):
    slot = _slot(department)
    schedule_block(
        facility_id=department.facility_id,
        department_id=department.pk,
        first_day=slot.day,
        last_day=slot.day,
        reason="Holiday",
        actor=None,
    )
    with pytest.raises(SlotFull):  # a page loaded before the block: the closed quota refuses
        appointment_book(slot=slot, patient=make_patient())
    with pytest.raises(BookingClosed):
        appointment_book(slot=slot_get(slot_id=slot.pk), patient=make_patient())


def test_the_database_refuses_overbooking_from_any_code_path(department):
    slot = _slot(department, capacity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        SlotQuota.objects.filter(slot=slot, channel="online").update(booked=F("capacity") + 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_bookings_for_five_places_book_exactly_five(department):
    slot = _slot(department, capacity=5)
    patients = [make_patient(mobile=f"98120{i:05d}") for i in range(20)]
    results = race(lambda i: appointment_book(slot=slot, patient=patients[i]), 20)
    assert sum(isinstance(r, Appointment) for r in results) == 5
    assert sum(isinstance(r, SlotFull) for r in results) == 15, [
        type(r).__name__ + ":" + str(r) for r in results
    ]
    assert Appointment.objects.filter(slot=slot).count() == 5
    assert SlotQuota.objects.get(slot=slot, channel="online").booked == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_a_read_then_write_booking_without_the_guards_overbooks(department):
    """The race the guard prevents: read the count, check in Python, write count + 1, with the
    CHECK constraint dropped. More than the capacity gets booked."""
    slot = _slot(department, capacity=5)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE scheduling_slotquota DROP CONSTRAINT quota_never_overbooked")
    try:

        def naive(index: int) -> bool:
            quota = SlotQuota.objects.get(slot=slot, channel="online")
            if quota.booked >= quota.capacity:
                return False
            time.sleep(0.02)
            SlotQuota.objects.filter(pk=quota.pk).update(booked=quota.booked + 1)
            return True

        accepted = sum(bool(r is True) for r in race(naive, 20))
        assert accepted > 5
    finally:
        SlotQuota.objects.filter(slot=slot).update(booked=0)
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE scheduling_slotquota ADD CONSTRAINT quota_never_overbooked CHECK (booked <= capacity)"
            )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_patient_booking_five_times_at_once_gets_one_booking(department):
    slots = [_slot(department, minutes=10 * i) for i in range(5)]
    patient = make_patient()
    results = race(lambda i: appointment_book(slot=slots[i], patient=patient), 5)
    assert sum(isinstance(r, Appointment) for r in results) == 1
    assert sum(isinstance(r, AlreadyBooked) for r in results) == 4
    assert sum(SlotQuota.objects.filter(channel="online").values_list("booked", flat=True)) == 1
