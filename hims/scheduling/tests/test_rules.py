"""Booking rules, overbooking, moving, leave blocks and the release of online places."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from hims.core.errors import AccessDenied
from hims.notifications.models import OutboxMessage
from hims.patients.tests.factories import make_patient
from hims.scheduling.models import AppointmentEvent, ScheduleSession, Slot, SlotQuota
from hims.scheduling.services import (
    BookingClosed,
    SlotFull,
    TooManyBookings,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    online_places_release,
    schedule_block,
)
from hims.scheduling.tests.factories import at, make_slot, patient_login

# Slots "in 30 minutes" must fall today, whatever the hour the suite runs (hims/conftest.py).
pytestmark = pytest.mark.usefixtures("daytime")


def test_online_booking_closes_before_the_slot_and_opens_only_so_far_ahead(department, settings):
    settings.HIMS_BOOKING_CLOSES_MINUTES = 30
    settings.HIMS_BOOKING_OPENS_DAYS = 7
    patient = make_patient()
    login = patient_login(patient.mobile)
    soon = make_slot(department, starts_at=timezone.now() + timedelta(minutes=20))
    with pytest.raises(BookingClosed):
        appointment_book(slot=soon, patient=patient, actor=login)
    # The counter may still give that place.
    appointment_book(slot=soon, patient=patient, channel="counter")
    far = make_slot(department, starts_at=at(9, 10))
    with pytest.raises(BookingClosed):
        appointment_book(slot=far, patient=make_patient(mobile="9811100002"))
    assert SlotQuota.objects.get(slot=far, channel="online").booked == 0


def test_a_patient_login_cannot_hoard_places(department, settings):
    settings.HIMS_BOOKINGS_PER_MOBILE = 2
    login = patient_login("9811100001")
    family = [make_patient(name=n, mobile="9811100001") for n in ("Asha Devi", "Ravi Kumar", "Om")]
    for index, patient in enumerate(family[:2]):
        appointment_book(
            slot=make_slot(department, starts_at=at(2, 9, 10 * index)), patient=patient, actor=login
        )
    third = make_slot(department, starts_at=at(2, 11))
    with pytest.raises(TooManyBookings) as refused:
        appointment_book(slot=third, patient=family[2], actor=login)
    assert "2 upcoming bookings" in str(refused.value)
    assert SlotQuota.objects.get(slot=third, channel="online").booked == 0


def test_counter_places_are_not_bookable_online_and_priority_is_for_seniors(department):
    young = make_patient(birth_date=date(1995, 1, 1))
    slot = make_slot(department, priority=1)
    with pytest.raises(AccessDenied):
        appointment_book(slot=slot, patient=young, channel="counter", actor=patient_login())
    with pytest.raises(AccessDenied):
        appointment_book(slot=slot, patient=young, channel="priority", actor=patient_login())
    senior = make_patient(name="Kamla Devi", birth_date=date(1950, 1, 1), mobile="9811100009")
    booked = appointment_book(
        slot=slot, patient=senior, channel="priority", actor=patient_login("9811100009")
    )
    assert booked.quota.channel == "priority"


def test_overbooking_is_for_facility_administrators_with_a_reason_and_is_recorded(
    department, clerk, facility_admin
):
    slot = make_slot(department, online=0, counter=1)
    appointment_book(slot=slot, patient=make_patient(), channel="counter")
    with pytest.raises(SlotFull):
        appointment_book(slot=slot, patient=make_patient(mobile="9811100002"), channel="counter")
    with pytest.raises(AccessDenied):
        appointment_book(
            slot=slot,
            patient=make_patient(mobile="9811100003"),
            channel="counter",
            actor=clerk,
            overbook_reason="Emergency",
        )
    extra = appointment_book(
        slot=slot,
        patient=make_patient(mobile="9811100004"),
        channel="counter",
        actor=facility_admin,
        overbook_reason="Referred from casualty",
    )
    quota = SlotQuota.objects.get(slot=slot, channel="counter")
    assert (quota.capacity, quota.booked) == (2, 2)  # a place added, never booked beyond capacity
    event = AppointmentEvent.objects.get(appointment=extra)
    assert (event.kind, event.actor, event.detail) == (
        "overbooked",
        facility_admin,
        "Referred from casualty",
    )


def test_booking_and_cancelling_send_an_sms_in_the_patients_language(department):
    patient = make_patient(preferred_language="hi")
    booking = appointment_book(slot=make_slot(department), patient=patient)
    appointment_cancel(appointment=booking)
    messages = list(
        OutboxMessage.objects.order_by("pk").values_list("template", "language", "body")
    )
    assert [m[0] for m in messages] == ["appointment_booked", "appointment_cancelled"]
    assert all(m[1] == "hi" for m in messages)
    assert booking.reference in messages[0][2]


def test_rescheduling_frees_the_old_place_and_takes_the_new_one_or_changes_nothing(department):
    patient = make_patient()
    first = make_slot(department, starts_at=at(2, 9))
    second = make_slot(department, starts_at=at(2, 10), online=1)
    full = make_slot(department, starts_at=at(2, 11), online=0)
    booking = appointment_book(slot=first, patient=patient)
    with pytest.raises(SlotFull):
        appointment_reschedule(appointment=booking, slot=full)
    booking.refresh_from_db()
    assert booking.status == "booked"
    assert SlotQuota.objects.get(slot=first, channel="online").booked == 1
    moved = appointment_reschedule(appointment=booking, slot=second)
    assert moved.rescheduled_from_id == booking.pk and moved.slot == second
    assert SlotQuota.objects.get(slot=first, channel="online").booked == 0
    assert SlotQuota.objects.get(slot=second, channel="online").booked == 1
    assert OutboxMessage.objects.filter(template="appointment_moved").count() == 1


def test_a_leave_block_moves_bookings_to_the_next_free_place_or_cancels_with_notice(
    department, facility_admin
):
    closed_day = make_slot(department, starts_at=at(3, 9), online=2)
    a = appointment_book(slot=closed_day, patient=make_patient(mobile="9811100001"))
    b = appointment_book(slot=closed_day, patient=make_patient(mobile="9811100002"))
    make_slot(department, starts_at=at(4, 9), online=1)  # one free place the next day
    block = schedule_block(
        facility_id=department.facility_id,
        department_id=department.pk,
        first_day=closed_day.day,
        last_day=closed_day.day,
        reason="Doctor on leave",
        actor=facility_admin,
    )
    assert (block.moved, block.cancelled) == (1, 1)
    a.refresh_from_db()
    b.refresh_from_db()
    assert {a.status, b.status} == {"cancelled"}  # the moved one is a new booking
    assert Slot.objects.get(pk=closed_day.pk).is_blocked
    templates = sorted(
        OutboxMessage.objects.exclude(template="appointment_booked").values_list(
            "template", flat=True
        )
    )
    assert templates == ["appointment_cancelled", "appointment_moved"]


def test_unused_online_places_go_to_the_counter_at_the_set_time(department):
    session = ScheduleSession.objects.create(
        department=department,
        starts=at(0, 9).time(),
        ends=at(0, 13).time(),
        valid_from=timezone.localdate(),
        online_release_minutes=60,
    )
    slot = make_slot(
        department,
        starts_at=timezone.now() + timedelta(minutes=30),
        online=3,
        counter=1,
        session=session,
    )
    appointment_book(slot=slot, patient=make_patient(), channel="online", now=timezone.now())
    later = make_slot(
        department, starts_at=timezone.now() + timedelta(hours=5), online=3, session=session
    )
    assert online_places_release() == 2
    assert online_places_release() == 0  # once per slot
    quotas = dict(SlotQuota.objects.filter(slot=slot).values_list("channel", "capacity"))
    assert quotas["online"] == 1 and quotas["counter"] == 3
    assert SlotQuota.objects.get(slot=later, channel="online").capacity == 3  # not yet due


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_bookings_by_one_login_stop_at_its_limit(department, settings):
    from hims.lib.testing import race
    from hims.network.specialities import speciality_list_ensure
    from hims.scheduling.models import Appointment

    speciality_list_ensure()
    settings.HIMS_BOOKINGS_PER_MOBILE = 2
    login = patient_login("9811100001")
    family = [make_patient(name=f"Person {i}", mobile="9811100001") for i in range(6)]
    slots = [make_slot(department, starts_at=at(2, 9, 10 * i)) for i in range(6)]
    results = race(lambda i: appointment_book(slot=slots[i], patient=family[i], actor=login), 6)
    assert sum(isinstance(r, Appointment) for r in results) == 2
    assert sum(isinstance(r, TooManyBookings) for r in results) == 4, results
