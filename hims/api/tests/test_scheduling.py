from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from hims.accounts.services import api_token_create
from hims.core.models import IdempotencyKey
from hims.network.tests.factories import DepartmentFactory, PractitionerFactory, speciality
from hims.patients.tests.factories import make_patient
from hims.scheduling.models import Appointment, Slot, SlotQuota


def _day_after_tomorrow_at_nine() -> datetime:
    day = timezone.localdate() + timedelta(days=2)
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=9)


def _slot(department, *, online: int = 2, counter: int = 1, minutes: int = 0, **fields) -> Slot:  # type: ignore[no-untyped-def]
    start = _day_after_tomorrow_at_nine() + timedelta(minutes=minutes)
    slot = Slot.objects.create(
        facility=department.facility,
        department=department,
        starts_at=start,
        ends_at=start + timedelta(minutes=10),
        day=start.date(),
        **fields,
    )
    SlotQuota.objects.create(slot=slot, channel="online", capacity=online)
    SlotQuota.objects.create(slot=slot, channel="counter", capacity=counter)
    return slot


def _bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _token, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def headers(clerk):  # type: ignore[no-untyped-def]
    return _bearer(clerk)


def _post(client, path, data, headers, **extra):  # type: ignore[no-untyped-def]
    return client.post(
        path, data=json.dumps(data), content_type="application/json", **headers, **extra
    )


def _book(client, headers, slot, patient, channel="online", **extra):  # type: ignore[no-untyped-def]
    body = {"slot": slot.pk, "patient": patient.uhid, "channel": channel}
    return _post(client, "/api/v1/appointments", body, headers, **extra)


# --- slots ---------------------------------------------------------------------------------------


def test_slots_list_places_free_per_channel_in_one_query_for_slots_and_quotas(
    client, headers, department, django_assert_num_queries
):
    practitioner = PractitionerFactory(name="Dr Meera Gupta")
    first = _slot(department, online=2, practitioner=practitioner)
    second = _slot(department, online=1, minutes=10)
    blocked = _slot(department, minutes=20, is_blocked=True)
    SlotQuota.objects.filter(slot=second, channel="online").update(booked=1)
    other = DepartmentFactory(facility=department.facility, speciality=speciality("paediatrics"))
    _slot(other, minutes=30)  # another department
    client.get("/api/v1/me", **headers)  # the token's first use also records last_used_at
    day = first.day.isoformat()
    # token (with the user's role grants), the department, then one query for all slots and quotas
    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/slots?department={department.pk}&day={day}", **headers)
    assert response.status_code == 200
    slots = response.json()
    assert [s["id"] for s in slots] == [first.pk, second.pk, blocked.pk]
    assert slots[0]["practitioner"]["name"] == "Dr Meera Gupta"
    assert slots[0]["free"] == {"counter": 1, "online": 2}
    assert slots[1]["free"] == {"counter": 1, "online": 0} and slots[1]["practitioner"] is None
    assert slots[2]["free"] == {"counter": 0, "online": 0} and slots[2]["is_blocked"]
    assert slots[0]["starts_at"].startswith(f"{day}T09:00:00")
    online = client.get(
        f"/api/v1/slots?department={department.pk}&day={day}&channel=online", **headers
    ).json()
    assert [s["free"] for s in online] == [{"online": 2}, {"online": 0}, {"online": 0}]


def test_slots_of_another_facility_are_refused_and_bad_filters_are_422(
    client, department, other_facility_doctor
):
    headers = _bearer(other_facility_doctor)
    day = _slot(department).day.isoformat()
    refused = client.get(f"/api/v1/slots?department={department.pk}&day={day}", **headers)
    assert refused.status_code == 403
    bad_day = client.get(f"/api/v1/slots?department={department.pk}&day=tomorrow", **headers)
    assert bad_day.status_code == 422 and bad_day.json()["field"] == "day"
    bad_channel = client.get(
        f"/api/v1/slots?department={department.pk}&day={day}&channel=vip", **headers
    )
    assert bad_channel.status_code == 422 and bad_channel.json()["field"] == "channel"


# --- booking -------------------------------------------------------------------------------------


def test_booking_answers_201_with_location_and_the_booking(client, headers, department, clerk):
    slot = _slot(department)
    patient = make_patient()
    response = _book(client, headers, slot, patient, channel="counter")
    assert response.status_code == 201, response.content
    body = response.json()
    appointment = Appointment.objects.get()
    assert response["Location"] == f"/api/v1/appointments/{appointment.reference}"
    assert body["reference"] == appointment.reference
    assert body["patient"] == patient.uhid and body["channel"] == "counter"
    assert body["slot"] == slot.pk and body["status"] == "booked"
    assert body["starts_at"].startswith(f"{slot.day.isoformat()}T09:00:00")
    assert appointment.booked_by == clerk
    assert SlotQuota.objects.get(slot=slot, channel="counter").booked == 1
    detail = client.get(response["Location"], **headers)
    assert detail.status_code == 200 and detail.json() == body


def test_a_booking_runs_the_lean_hot_path(client, headers, department, django_assert_num_queries):
    slot = _slot(department)
    patient = make_patient(mobile="")  # no SMS: the query count is the booking's own
    client.get("/api/v1/me", **headers)  # the token's first use also records last_used_at
    # Token (with its user and role grants); one read of the slot (with facility and department),
    # the patient and the full-slot check; the idempotency row (savepoint, INSERT); the
    # conditional UPDATE; the appointment INSERT; the idempotency row's answer; release. The
    # service takes no savepoint of its own.
    with django_assert_num_queries(8):
        response = _book(client, headers, slot, patient, HTTP_IDEMPOTENCY_KEY="hot-1")
    assert response.status_code == 201


def test_a_booking_that_queues_an_sms_adds_only_the_outbox_row(
    client, headers, department, django_assert_num_queries
):
    slot, patient = _slot(department), make_patient()
    client.get("/api/v1/me", **headers)
    with django_assert_num_queries(9):  # the lean path + INSERT ... ON CONFLICT DO NOTHING
        response = _book(client, headers, slot, patient, HTTP_IDEMPOTENCY_KEY="hot-2")
    assert response.status_code == 201


def test_a_full_slot_is_refused_after_one_read_writing_nothing(
    client, headers, department, django_assert_num_queries
):
    slot = _slot(department, online=1)
    assert _book(client, headers, slot, make_patient(mobile="9811100001")).status_code == 201
    keys, late = IdempotencyKey.objects.count(), make_patient(mobile="9811100002")
    with django_assert_num_queries(2):  # token (with role grants), the slot's read
        refused = _book(client, headers, slot, late, HTTP_IDEMPOTENCY_KEY="late")
    assert refused.status_code == 409 and refused.json()["title"] == "slot_full"
    assert IdempotencyKey.objects.count() == keys  # nothing written: a retry may still act
    assert Appointment.objects.filter(slot=slot).count() == 1


def test_a_retry_after_the_slot_filled_replays_the_booking_not_a_refusal(
    client, headers, department
):
    slot = _slot(department, online=1)
    patient = make_patient()
    first = _book(client, headers, slot, patient, HTTP_IDEMPOTENCY_KEY="last-place")
    again = _book(client, headers, slot, patient, HTTP_IDEMPOTENCY_KEY="last-place")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.content == first.content


def test_a_full_slot_at_a_facility_without_a_role_is_not_disclosed(
    client, department, other_facility_doctor
):
    slot = _slot(department, online=0)
    refused = _book(client, _bearer(other_facility_doctor), slot, make_patient())
    assert refused.status_code == 403 and "slot_full" not in refused.content.decode()


def test_a_retry_with_the_same_idempotency_key_books_once_and_answers_the_same(
    client, headers, department
):
    slot = _slot(department)
    patient = make_patient()
    first = _book(client, headers, slot, patient, HTTP_IDEMPOTENCY_KEY="book-1")
    second = _book(client, headers, slot, patient, HTTP_IDEMPOTENCY_KEY="book-1")
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Location"] == first["Location"]
    assert second["Idempotent-Replayed"] == "true"
    assert Appointment.objects.count() == 1
    assert SlotQuota.objects.get(slot=slot, channel="online").booked == 1


def test_a_full_slot_answers_409_slot_full(client, headers, department):
    slot = _slot(department, online=1)
    assert _book(client, headers, slot, make_patient(mobile="9811100001")).status_code == 201
    refused = _book(client, headers, slot, make_patient(mobile="9811100002"))
    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["title"] == "slot_full"
    assert Appointment.objects.count() == 1


def test_a_second_booking_the_same_day_answers_409_already_booked(client, headers, department):
    patient = make_patient()
    assert _book(client, headers, _slot(department), patient).status_code == 201
    refused = _book(client, headers, _slot(department, minutes=30), patient)
    assert refused.status_code == 409 and refused.json()["title"] == "already_booked"


def test_a_blocked_slot_answers_409_booking_closed(client, headers, department):
    refused = _book(client, headers, _slot(department, is_blocked=True), make_patient())
    assert refused.status_code == 409 and refused.json()["title"] == "booking_closed"
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "vip"}, "channel"),
        ({"slot": "first"}, "slot"),
        ({"patient": "NO-SUCH-UHID"}, "patient"),
        ({"slot": 999_999}, "slot"),
    ],
)
def test_bad_input_answers_422_naming_the_field(client, headers, department, change, field):
    body = {"slot": _slot(department).pk, "patient": make_patient().uhid, "channel": "online"}
    response = _post(client, "/api/v1/appointments", {**body, **change}, headers)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Appointment.objects.exists()


def test_staff_of_another_facility_cannot_book(client, department, other_facility_doctor):
    slot = _slot(department)
    refused = _book(client, _bearer(other_facility_doctor), slot, make_patient())
    assert refused.status_code == 403
    assert not Appointment.objects.exists()
    assert SlotQuota.objects.get(slot=slot, channel="online").booked == 0


def test_a_network_admin_books_at_any_facility(client, department, network_admin):
    response = _book(client, _bearer(network_admin), _slot(department), make_patient())
    assert response.status_code == 201


# --- reading, cancelling, moving -----------------------------------------------------------------


def test_another_facility_cannot_read_or_cancel_a_booking(
    client, headers, department, other_facility_doctor
):
    location = _book(client, headers, _slot(department), make_patient())["Location"]
    other = _bearer(other_facility_doctor)
    assert client.get(location, **other).status_code == 404
    assert _post(client, f"{location}/cancel", {}, other).status_code == 404
    assert Appointment.objects.get().status == "booked"
    assert client.get("/api/v1/appointments/NOSUCHREF", **headers).status_code == 404


def test_cancelling_frees_the_place_and_twice_is_harmless(client, headers, department):
    slot = _slot(department, online=1)
    location = _book(client, headers, slot, make_patient(mobile="9811100001"))["Location"]
    cancelled = _post(client, f"{location}/cancel", {"reason": "patient called"}, headers)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "patient called"
    again = _post(client, f"{location}/cancel", {}, headers)
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    assert SlotQuota.objects.get(slot=slot, channel="online").booked == 0
    assert _book(client, headers, slot, make_patient(mobile="9811100002")).status_code == 201


def test_rescheduling_moves_the_place_and_links_the_bookings(client, headers, department):
    old, new = _slot(department), _slot(department, minutes=30)
    first = _book(client, headers, old, make_patient()).json()
    moved = _post(
        client,
        f"/api/v1/appointments/{first['reference']}/reschedule",
        {"slot": new.pk},
        headers,
    )
    assert moved.status_code == 201, moved.content
    body = moved.json()
    assert body["slot"] == new.pk and body["rescheduled_from"] == first["reference"]
    assert moved["Location"] == f"/api/v1/appointments/{body['reference']}"
    old_state = client.get(f"/api/v1/appointments/{first['reference']}", **headers).json()
    assert old_state["status"] == "cancelled"
    assert SlotQuota.objects.get(slot=old, channel="online").booked == 0
    assert SlotQuota.objects.get(slot=new, channel="online").booked == 1


def test_rescheduling_into_a_full_slot_changes_nothing(client, headers, department):
    old, full = _slot(department), _slot(department, online=0, minutes=30)
    first = _book(client, headers, old, make_patient()).json()
    refused = _post(
        client,
        f"/api/v1/appointments/{first['reference']}/reschedule",
        {"slot": full.pk},
        headers,
    )
    assert refused.status_code == 409 and refused.json()["title"] == "slot_full"
    assert Appointment.objects.get().status == "booked"
    assert SlotQuota.objects.get(slot=old, channel="online").booked == 1


# --- on PostgreSQL: a rush for the last places ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_clients_posting_for_the_last_places_book_exactly_the_capacity(clerk, department):
    slot = _slot(department, online=3)
    patients = [make_patient(mobile=f"98130{i:05d}") for i in range(16)]
    _token, secret = api_token_create(user=clerk, name="rush")
    barrier = threading.Barrier(len(patients))
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def post(index: int) -> None:
        try:
            barrier.wait()
            response = Client().post(
                "/api/v1/appointments",
                data=json.dumps(
                    {"slot": slot.pk, "patient": patients[index].uhid, "channel": "online"}
                ),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {secret}",
                HTTP_IDEMPOTENCY_KEY=f"rush-{index}",
            )
            title = response.json().get("title", "") if response.status_code != 201 else ""
            with lock:
                answers.append((response.status_code, title))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(patients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers.count((201, "")) == 3, answers
    assert answers.count((409, "slot_full")) == 13, answers
    assert Appointment.objects.filter(slot=slot).count() == 3
    assert SlotQuota.objects.get(slot=slot, channel="online").booked == 3
