"""Check-in, tokens, the order of the queue and the worklist transitions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from hims.core.errors import Conflict
from hims.lib.testing import race
from hims.network.models import Room
from hims.network.tests.factories import DepartmentFactory, speciality
from hims.patients.tests.factories import make_patient
from hims.scheduling.models import Appointment, QueueToken
from hims.scheduling.queues import (
    NotToday,
    TokenStateChanged,
    appointment_check_in,
    queue_day_for,
    token_call_next,
    token_complete,
    token_no_show,
    token_position,
    token_requeue,
    token_start,
    token_transfer_department,
    walk_in_token,
)
from hims.scheduling.services import SlotFull, appointment_book
from hims.scheduling.tests.factories import make_slot

# Slots "in 30 minutes" must fall today, whatever the hour the suite runs (hims/conftest.py).
pytestmark = pytest.mark.usefixtures("daytime")


@pytest.fixture
def room(department):  # type: ignore[no-untyped-def]
    return Room.objects.create(
        facility=department.facility,
        department=department,
        code="12",
        kind="consultation",
        name="OPD 12",
    )


def _booked_today(department, *, minutes_from_now: int, mobile: str, channel: str = "online"):  # type: ignore[no-untyped-def]
    starts = timezone.now() + timedelta(minutes=minutes_from_now)
    slot = make_slot(department, starts_at=starts, online=1, counter=1, priority=1)
    return appointment_book(slot=slot, patient=make_patient(mobile=mobile), channel=channel)


def test_check_in_issues_the_next_token_once_and_only_on_the_day(department):
    first = _booked_today(department, minutes_from_now=60, mobile="9811100001")
    token = appointment_check_in(appointment=first, actor=None)
    assert (token.number, token.label, token.status) == (1, "B-001", "waiting")
    assert appointment_check_in(appointment=first, actor=None).pk == token.pk  # a double scan
    assert Appointment.objects.get(pk=first.pk).status == "arrived"
    tomorrow = appointment_book(
        slot=make_slot(department), patient=make_patient(mobile="9811100002")
    )
    with pytest.raises(NotToday):
        appointment_check_in(appointment=tomorrow, actor=None)
    assert QueueToken.objects.count() == 1


def test_booked_patients_go_by_slot_walk_ins_by_arrival_seniors_ahead(department, clerk):
    late_slot = _booked_today(department, minutes_from_now=90, mobile="9811100001")
    early_slot = _booked_today(department, minutes_from_now=30, mobile="9811100002")
    b_late = appointment_check_in(appointment=late_slot, actor=clerk)
    b_early = appointment_check_in(appointment=early_slot, actor=clerk)
    walk = walk_in_token(
        patient=make_patient(mobile="9811100003"), department=department, actor=clerk
    )
    senior = walk_in_token(
        patient=make_patient(mobile="9811100004", birth_date=date(1950, 2, 2)),
        department=department,
        actor=clerk,
        priority=True,
    )
    assert walk.label.startswith("W-") and senior.label.startswith("S-")
    order = list(
        QueueToken.objects.filter(status="waiting")
        .order_by("sort_at", "number")
        .values_list("pk", flat=True)
    )
    # Walk-ins wait from now; seniors 20 minutes ahead of that; bookings at their slot times.
    assert order == [senior.pk, walk.pk, b_early.pk, b_late.pk]
    assert [t.number for t in QueueToken.objects.order_by("number")] == [1, 2, 3, 4]


def test_walk_ins_take_counter_places_and_stop_when_today_is_full(department, clerk):
    make_slot(department, starts_at=timezone.now() + timedelta(minutes=20), online=0, counter=1)
    walk_in_token(patient=make_patient(mobile="9811100001"), department=department, actor=clerk)
    with pytest.raises(SlotFull):
        walk_in_token(patient=make_patient(mobile="9811100002"), department=department, actor=clerk)
    assert QueueToken.objects.count() == 1


def test_the_worklist_calls_in_order_and_each_step_is_checked(department, room, doctor):
    a = appointment_check_in(
        appointment=_booked_today(department, minutes_from_now=30, mobile="9811100001"), actor=None
    )
    b = appointment_check_in(
        appointment=_booked_today(department, minutes_from_now=40, mobile="9811100002"), actor=None
    )
    queue = a.queue
    assert token_position(token=b).ahead == 1
    called = token_call_next(queue=queue, room=room, actor=doctor)
    assert called.pk == a.pk and called.status == "called" and called.room == room
    token_start(token=called)
    with pytest.raises(TokenStateChanged):
        token_start(token=called)  # a second screen pressing start again
    token_complete(token=called)
    assert Appointment.objects.get(pk=a.appointment_id).status == "fulfilled"
    second = token_call_next(queue=queue, room=room, actor=doctor)
    token_no_show(token=second)
    assert token_call_next(queue=queue, room=room, actor=doctor) is None
    back = token_requeue(token=second)
    assert back.status == "waiting"
    assert token_call_next(queue=queue, room=room, actor=doctor).pk == b.pk


def test_transfer_to_another_department_ends_the_token_and_queues_it_there(
    department, room, doctor
):
    token = appointment_check_in(
        appointment=_booked_today(department, minutes_from_now=30, mobile="9811100001"), actor=None
    )
    called = token_call_next(queue=token.queue, room=room, actor=doctor)
    other = DepartmentFactory(facility=department.facility, speciality=speciality("paediatrics"))
    new = token_transfer_department(token=called, department=other, actor=doctor)
    called.refresh_from_db()
    assert called.status == "transferred" and called.transferred_to == new
    assert new.queue.department == other and new.number == 1 and new.patient == called.patient


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_check_ins_get_gap_free_unique_numbers(department):
    from hims.network.specialities import speciality_list_ensure

    speciality_list_ensure()
    bookings = [
        _booked_today(department, minutes_from_now=30 + i, mobile=f"98121{i:05d}")
        for i in range(12)
    ]
    results = race(lambda i: appointment_check_in(appointment=bookings[i], actor=None), 12)
    assert all(isinstance(r, QueueToken) for r in results), results
    assert sorted(r.number for r in results) == list(range(1, 13))  # type: ignore[union-attr]
    assert (
        queue_day_for(
            facility_id=department.facility_id,
            department_id=department.pk,
            day=timezone.localdate(),
        ).last_number
        == 12
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_numbering_by_reading_the_highest_number_duplicates_tokens(department):
    """What the counter row prevents: read max(number) + 1, then insert, with the unique
    constraint dropped. Simultaneous check-ins get the same number."""
    import time

    queue = queue_day_for(
        facility_id=department.facility_id, department_id=department.pk, day=timezone.localdate()
    )
    patients = [make_patient(mobile=f"98122{i:05d}") for i in range(8)]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE scheduling_queuetoken DROP CONSTRAINT token_unique_number")
    try:

        def naive(index: int) -> int:
            highest = max(
                QueueToken.objects.filter(queue=queue).values_list("number", flat=True), default=0
            )
            time.sleep(0.02)
            QueueToken.objects.create(
                queue=queue,
                number=highest + 1,
                category="walk_in",
                label=f"W-{highest + 1:03d}",
                patient=patients[index],
                sort_at=timezone.now(),
            )
            return highest + 1

        numbers = [r for r in race(naive, 8) if isinstance(r, int)]
        assert len(set(numbers)) < len(numbers)
    finally:
        QueueToken.objects.filter(queue=queue).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE scheduling_queuetoken ADD CONSTRAINT token_unique_number UNIQUE (queue_id, number)"
            )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_doctors_calling_at_once_get_different_patients(department):
    rooms = [
        Room.objects.create(
            facility=department.facility, department=department, code=c, kind="consultation", name=c
        )
        for c in ("1", "2")
    ]
    for i in range(2):
        appointment_check_in(
            appointment=_booked_today(department, minutes_from_now=30 + i, mobile=f"98123{i:05d}"),
            actor=None,
        )
    queue = QueueToken.objects.first().queue
    results = race(lambda i: token_call_next(queue=queue, room=rooms[i], actor=None), 2)
    assert all(isinstance(r, QueueToken) for r in results), results
    assert results[0].pk != results[1].pk  # type: ignore[union-attr]


def test_the_token_number_constraint_backs_the_counter(department):
    queue = queue_day_for(
        facility_id=department.facility_id, department_id=department.pk, day=timezone.localdate()
    )
    QueueToken.objects.create(
        queue=queue,
        number=1,
        category="walk_in",
        label="W-001",
        patient=make_patient(),
        sort_at=timezone.now(),
    )
    with pytest.raises(IntegrityError):
        QueueToken.objects.create(
            queue=queue,
            number=1,
            category="walk_in",
            label="W-001",
            patient=make_patient(mobile="9811100002"),
            sort_at=timezone.now(),
        )


def test_a_patient_already_in_the_queue_is_told_their_token_not_given_another(
    department, room, doctor
):
    other = DepartmentFactory(facility=department.facility, speciality=speciality("paediatrics"))
    first = appointment_check_in(
        appointment=_booked_today(other, minutes_from_now=30, mobile="9811100001"), actor=None
    )
    called = token_call_next(queue=first.queue, room=room, actor=doctor)
    sent = token_transfer_department(token=called, department=department, actor=doctor)
    booking_here = appointment_book(
        slot=make_slot(department, starts_at=timezone.now() + timedelta(minutes=50)),
        patient=first.patient,
    )
    with pytest.raises(Conflict) as refused:
        appointment_check_in(appointment=booking_here, actor=None)
    assert sent.label in str(refused.value)
    assert Appointment.objects.get(pk=booking_here.pk).status == "booked"  # nothing half-written
