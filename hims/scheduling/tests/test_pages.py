"""The booking pages, the counter, the worklist and the board, through the Django client."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from hims.network.models import Room
from hims.patients.tests.factories import make_patient
from hims.scheduling.models import Appointment, QueueToken, SlotQuota
from hims.scheduling.queues import appointment_check_in
from hims.scheduling.services import appointment_book
from hims.scheduling.tests.factories import at, make_slot, patient_login

# Slots "in 30 minutes" must fall today, whatever the hour the suite runs (hims/conftest.py).
pytestmark = pytest.mark.usefixtures("daytime")


@pytest.fixture
def family_client(db) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(patient_login("9811100001"))
    return client


def test_the_booking_flow_from_facility_to_confirmation(department, family_client):
    patient = make_patient(mobile="9811100001")
    slot = make_slot(department, starts_at=at(2, 9, 30))
    page = family_client.get("/book/")
    assert department.facility.name in page.content.decode()
    page = family_client.get(f"/book/facility/{department.facility_id}/")
    assert f"/book/department/{department.pk}/" in page.content.decode()
    page = family_client.get(f"/book/department/{department.pk}/")
    assert f"/book/slot/{slot.pk}/" in page.content.decode()
    confirm = family_client.get(f"/book/slot/{slot.pk}/")
    key = re.search(r'name="submit_key" value="(\w+)"', confirm.content.decode()).group(1)  # type: ignore[union-attr]
    form = {"patient": patient.uhid, "submit_key": key}
    first = family_client.post(f"/book/slot/{slot.pk}/", form)
    again = family_client.post(f"/book/slot/{slot.pk}/", form)  # the double tap
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Appointment.objects.count() == 1
    assert SlotQuota.objects.get(slot=slot, channel="online").booked == 1
    detail = family_client.get(first["Location"])
    assert Appointment.objects.get().reference in detail.content.decode()


def test_a_full_slot_gets_a_clear_refusal_and_nothing_changes(department, family_client):
    patient = make_patient(mobile="9811100001")
    slot = make_slot(department, online=1)
    appointment_book(slot=slot, patient=make_patient(mobile="9811100002"))
    response = family_client.post(
        f"/book/slot/{slot.pk}/", {"patient": patient.uhid, "submit_key": "k1"}
    )
    assert response.status_code == 409
    assert "fully booked" in response.content.decode()
    assert Appointment.objects.filter(patient=patient).count() == 0


def test_the_confirm_step_asks_to_sign_in_and_in_hindi_it_is_hindi(department, client):
    slot = make_slot(department)
    response = client.get(f"/book/slot/{slot.pk}/")
    assert response.status_code == 302 and "/accounts/patient/login/" in response["Location"]
    client.force_login(patient_login())
    make_patient(mobile="9811100001")
    page = client.get(f"/book/slot/{slot.pk}/", HTTP_ACCEPT_LANGUAGE="hi")
    assert "बुक करें" in page.content.decode()


def test_another_familys_booking_is_not_found(department, family_client):
    other = appointment_book(slot=make_slot(department), patient=make_patient(mobile="9811100002"))
    assert family_client.get(f"/my/appointments/{other.reference}/").status_code == 404
    assert family_client.post(f"/my/appointments/{other.reference}/cancel").status_code == 404
    other.refresh_from_db()
    assert other.status == "booked"


def test_the_patient_cancels_and_the_place_is_free_at_once(department, family_client):
    slot = make_slot(department, online=1)
    mine = appointment_book(slot=slot, patient=make_patient(mobile="9811100001"))
    family_client.post(f"/my/appointments/{mine.reference}/cancel")
    assert SlotQuota.objects.get(slot=slot, channel="online").booked == 0


def test_the_counter_checks_in_by_reference_and_issues_walk_ins(department, clerk, client):
    starts = timezone.now() + timedelta(minutes=40)
    booking = appointment_book(slot=make_slot(department, starts_at=starts), patient=make_patient())
    client.force_login(clerk)
    page = client.get("/opd/counter/")
    assert booking.reference in page.content.decode()
    done = client.post("/opd/counter/check-in", {"reference": booking.reference.lower()})
    assert done.status_code == 302
    assert QueueToken.objects.get(appointment=booking).label == "B-001"
    walk = make_patient(mobile="9811100002", name="Sita Ram")
    client.post("/opd/counter/walk-in", {"uhid": walk.uhid, "department": department.pk})
    assert QueueToken.objects.get(patient=walk).label == "W-002"
    bad = client.post("/opd/counter/check-in", {"reference": "NOSUCH"}, follow=True)
    assert "No booking at this facility" in bad.content.decode()


def test_the_worklist_calls_the_next_token_and_the_board_shows_it(department, doctor, client):
    Room.objects.create(
        facility=department.facility,
        department=department,
        code="7",
        kind="consultation",
        name="OPD 7",
    )
    booking = appointment_book(
        slot=make_slot(department, starts_at=timezone.now() + timedelta(minutes=40)),
        patient=make_patient(),
    )
    token = appointment_check_in(appointment=booking, actor=None)
    client.force_login(doctor)
    assert "B-001" in client.get("/opd/worklist/").content.decode()
    client.post("/opd/worklist/call_next", HTTP_HX_REQUEST="true")
    token.refresh_from_db()
    assert token.status == "called" and token.room.code == "7"
    board = Client().get(f"/opd/board/{department.pk}/")  # a TV: no sign-in, no names
    body = board.content.decode()
    assert "B-001" in body and "Ramesh" not in body


def test_the_board_stream_sends_the_current_board(department, settings):
    settings.HIMS_SSE_MAX_SECONDS = 0.5
    settings.HIMS_SSE_POLL_SECONDS = 0.1
    response = Client().get(f"/opd/board/{department.pk}/events")
    assert response["Content-Type"] == "text/event-stream"
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert "event: update" in text and '"html"' in text


def test_a_facility_administrator_closes_a_day_from_the_page(department, facility_admin, client):
    booking = appointment_book(
        slot=make_slot(department, starts_at=at(3, 9)), patient=make_patient()
    )
    client.force_login(facility_admin)
    day = booking.day.isoformat()
    response = client.post(
        "/opd/blocks/", {"department": department.pk, "first_day": day, "reason": "Holi"}
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    bad = client.post("/opd/blocks/", {"first_day": "tomorrow", "reason": "x"})
    assert bad.status_code == 422


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_booking_stuck_behind_a_lock_is_told_busy_try_again_and_nothing_is_written(department):
    import threading

    from django.db import connection, transaction

    from hims.network.specialities import speciality_list_ensure

    speciality_list_ensure()
    patient = make_patient(mobile="9811100001")
    slot = make_slot(department, online=2)
    holding, release = threading.Event(), threading.Event()

    def hold_the_quota_row() -> None:
        try:
            with transaction.atomic():
                list(SlotQuota.objects.select_for_update().filter(slot=slot))
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_quota_row)
    holder.start()
    try:
        assert holding.wait(5)
        client = Client()
        client.force_login(patient_login("9811100001"))
        response = client.post(
            f"/book/slot/{slot.pk}/", {"patient": patient.uhid, "submit_key": "k"}
        )
    finally:
        release.set()
        holder.join()
    assert response.status_code == 503 and response["Retry-After"] == "2"
    assert "busy" in response.content.decode()
    assert not Appointment.objects.exists()
    assert SlotQuota.objects.get(slot=slot, channel="online").booked == 0
