"""FHIR scheduling: Schedule and Slot searches, booking and cancelling Appointments.

Every response is validated with fhir.resources R4B. Alice is a clerk and Bob a doctor at Lok
Nayak Hospital, Charlie a doctor at Guru Teg Bahadur Hospital; patients sign in with their
mobile number. Slots are generated from an OPD session by the real service, from tomorrow on.
"""

from __future__ import annotations

from datetime import UTC, date, time, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.schedule import Schedule as FhirSchedule
from fhir.resources.R4B.slot import Slot as FhirSlot

from hims.accounts.services import api_token_create
from hims.core.models import AccessEvent
from hims.fhir.patient.mapping import UHID_SYSTEM
from hims.fhir.resources import SPECIALITY_SYSTEM
from hims.fhir.scheduling.mapping import BOOKING_REFERENCE_SYSTEM
from hims.fhir.tests.factories import PatientUserFactory
from hims.fhir.tests.helpers import FHIR_JSON, bundle_of, ids_of, outcome_of
from hims.network.models import Department, Practitioner
from hims.network.tests.factories import DepartmentFactory, PractitionerFactory, speciality
from hims.patients.models import Patient
from hims.patients.tests.factories import make_patient
from hims.scheduling.models import Appointment, ScheduleSession, Slot, SlotQuota
from hims.scheduling.services import appointment_book, schedule_block, slots_generate

BASE = "/fhir/R4"
IDEMPOTENCY = "Idempotency-Key"


def token_client(user: Any) -> Client:
    _token, secret = api_token_create(user=user, name="integration")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def resource_of(response: Any, model: Any, status: int = 200) -> dict[str, Any]:
    """The body, after checking status, content type and R4B validity."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body: dict[str, Any] = response.json()
    model.model_validate(body)
    return body


def days_ahead(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def session_for(
    department: Department, *, practitioner: Practitioner | None = None, online: int = 2
) -> ScheduleSession:
    """09:00-09:30 every day in 10-minute slots: three slots a day."""
    return ScheduleSession.objects.create(
        department=department,
        practitioner=practitioner,
        weekdays="0123456",
        starts=time(9, 0),
        ends=time(9, 30),
        slot_minutes=10,
        online_places=online,
        counter_places=1,
        valid_from=timezone.localdate(),
    )


def slots_of(session: ScheduleSession, day: date) -> list[Slot]:
    return list(Slot.objects.filter(session=session, day=day).order_by("starts_at"))


def online_booked(slot: Slot) -> int:
    return SlotQuota.objects.get(slot=slot, channel="online").booked


def booking(slot: Slot, patient: Patient, /, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Appointment",
        "status": "booked",
        "slot": [{"reference": f"Slot/{slot.pk}"}],
        "participant": [{"actor": {"reference": f"Patient/{patient.pk}"}, "status": "accepted"}],
    }
    body.update(changes)
    return body


def book(client: Client, body: dict[str, Any], **headers: str) -> Any:
    return client.post(f"{BASE}/Appointment", body, content_type=FHIR_JSON, headers=headers)


def put(client: Client, body: dict[str, Any]) -> Any:
    return client.put(f"{BASE}/Appointment/{body['id']}", body, content_type=FHIR_JSON)


@pytest.fixture
def practitioner(db: None) -> Practitioner:
    return cast(Practitioner, PractitionerFactory(name="Dr. Meera Rao"))


@pytest.fixture
def session(department: Department, practitioner: Practitioner) -> ScheduleSession:
    session = session_for(department, practitioner=practitioner)
    slots_generate(start=days_ahead(1), days=3)
    return session


@pytest.fixture
def slot(session: ScheduleSession) -> Slot:
    """Tomorrow at 09:00, two online places."""
    return slots_of(session, days_ahead(1))[0]


@pytest.fixture
def api(client: Client, clerk: Any) -> Client:
    """Alice the clerk, signed in with a session (reads and searches only)."""
    client.force_login(clerk)
    return client


@pytest.fixture
def writer(clerk: Any) -> Client:
    """Alice the clerk, with an API token."""
    return token_client(clerk)


@pytest.fixture
def ramesh(db: None) -> Patient:
    return make_patient(name="Ramesh Kumar", mobile="9811100001")


@pytest.fixture
def sunita(db: None) -> Patient:
    return make_patient(name="Sunita Devi", gender="female", mobile="9811100002")


# --- Schedule ------------------------------------------------------------------------------


def test_schedule_read_names_the_practitioner_the_place_and_the_speciality(
    api: Client, session: ScheduleSession, practitioner: Practitioner, facility: Any
):
    body = resource_of(api.get(f"{BASE}/Schedule/{session.pk}"), FhirSchedule)
    assert body["active"] is True
    assert [actor["reference"] for actor in body["actor"]] == [
        f"Practitioner/{practitioner.pk}",
        f"Location/f-{facility.pk}",
    ]
    assert body["actor"][1]["display"] == "General Medicine, Lok Nayak Hospital"
    coding = body["serviceType"][0]["coding"][0]
    assert (coding["system"], coding["code"]) == (SPECIALITY_SYSTEM, "general-medicine")
    assert body["planningHorizon"] == {"start": timezone.localdate().isoformat()}
    # The place it names is a real resource of this server.
    assert api.get(f"{BASE}/Location/f-{facility.pk}").status_code == 200


def test_schedule_search_by_actor_and_service_type(
    api: Client,
    session: ScheduleSession,
    practitioner: Practitioner,
    facility: Any,
    other_facility: Any,
):
    paediatrics = DepartmentFactory(facility=other_facility, speciality=speciality("paediatrics"))
    elsewhere = session_for(paediatrics)

    def found(**params: str) -> list[str]:
        return ids_of(bundle_of(api.get(f"{BASE}/Schedule", params)))

    assert found(actor=f"Practitioner/{practitioner.pk}") == [str(session.pk)]
    assert found(actor=f"Location/f-{other_facility.pk}") == [str(elsewhere.pk)]
    assert found(actor=f"f-{facility.pk}") == [str(session.pk)]
    assert found(**{"service-type": f"{SPECIALITY_SYSTEM}|paediatrics"}) == [str(elsewhere.pk)]
    assert found(_count="1", actor=f"f-{facility.pk},f-{other_facility.pk}") == [str(session.pk)]
    outcome_of(api.get(f"{BASE}/Schedule", {"actor": "Patient/1"}), 400)


def test_an_ended_session_is_left_out_of_schedule_search_but_readable(
    api: Client, session: ScheduleSession
):
    ScheduleSession.objects.filter(pk=session.pk).update(is_active=False)
    assert ids_of(bundle_of(api.get(f"{BASE}/Schedule"))) == []
    assert ids_of(bundle_of(api.get(f"{BASE}/Schedule", {"active": "false"}))) == [str(session.pk)]
    body = resource_of(api.get(f"{BASE}/Schedule/{session.pk}"), FhirSchedule)
    assert body["active"] is False


# --- Slot ----------------------------------------------------------------------------------


def test_slot_read_is_free_until_the_online_places_are_taken(
    api: Client, session: ScheduleSession, slot: Slot, ramesh: Patient, sunita: Patient
):
    body = resource_of(api.get(f"{BASE}/Slot/{slot.pk}"), FhirSlot)
    assert body["status"] == "free"
    assert body["schedule"] == {"reference": f"Schedule/{session.pk}"}
    assert body["start"] == timezone.localtime(slot.starts_at).isoformat()
    assert body["start"].endswith("+05:30")
    assert body["serviceType"][0]["coding"][0]["code"] == "general-medicine"
    appointment_book(slot=slot, patient=ramesh)
    assert resource_of(api.get(f"{BASE}/Slot/{slot.pk}"), FhirSlot)["status"] == "free"
    appointment_book(slot=slot, patient=sunita)
    # Busy although the counter place is left: only the online quota is offered through FHIR.
    assert resource_of(api.get(f"{BASE}/Slot/{slot.pk}"), FhirSlot)["status"] == "busy"


def test_slot_search_by_schedule_and_start_with_prefixes(
    api: Client, session: ScheduleSession, department: Department
):
    tomorrow, after, third = (slots_of(session, days_ahead(n)) for n in (1, 2, 3))
    other = session_for(
        DepartmentFactory(facility=department.facility, speciality=speciality("ent"))
    )
    slots_generate(start=days_ahead(1), days=1)

    def found(*pairs: tuple[str, str]) -> list[str]:
        query = "&".join(f"{key}={value}" for key, value in [("schedule", str(session.pk)), *pairs])
        return ids_of(bundle_of(api.get(f"{BASE}/Slot?{query}")))

    def pks(*slots: Slot) -> list[str]:
        return [str(slot.pk) for slot in slots]

    day = days_ahead(2).isoformat()
    assert found(("start", day)) == pks(*after)  # eq on a date: that whole day
    assert found(("start", f"ge{day}")) == pks(*after, *third)
    assert found(("start", f"gt{day}")) == pks(*third)
    assert found(("start", f"lt{day}")) == pks(*tomorrow)
    assert found(("start", f"le{day}")) == pks(*tomorrow, *after)
    assert found(("start", f"ge{day}"), ("start", f"lt{days_ahead(3).isoformat()}")) == pks(*after)
    nine_ten = f"{day}T09:10:00%2B05:30"  # an escaped + of the zone
    assert found(("start", f"ge{nine_ten}")) == pks(*after[1:], *third)
    assert found(("start", nine_ten)) == pks(after[1])
    in_utc = after[1].starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")  # JavaScript's
    assert found(("start", f"ge{in_utc}"), ("start", f"le{in_utc}")) == pks(after[1])
    # Without `schedule`, the other department's slots are there too, in time order.
    everything = ids_of(
        bundle_of(api.get(f"{BASE}/Slot", {"start": days_ahead(1).isoformat(), "_count": "10"}))
    )
    assert len(everything) == 6
    assert set(pks(*slots_of(other, days_ahead(1)))) <= set(everything)


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01", "ap2026-01-01", "2026-01-01T09"])
def test_slot_search_refuses_a_malformed_start(api: Client, db: None, value: str):
    outcome_of(api.get(f"{BASE}/Slot", {"start": value}), 400)


def test_slot_search_by_status_free_busy_and_blocked(
    api: Client, session: ScheduleSession, department: Department, ramesh: Patient, sunita: Patient
):
    first, second, third = slots_of(session, days_ahead(1))
    appointment_book(slot=first, patient=ramesh)
    appointment_book(slot=first, patient=sunita)
    blocked_day = days_ahead(2)
    schedule_block(
        facility_id=department.facility_id,
        department_id=department.pk,
        first_day=blocked_day,
        last_day=blocked_day,
        reason="Doctor on leave",
        actor=None,
    )

    def found(status: str) -> list[str]:
        params = {"status": status, "start": days_ahead(1).isoformat(), "_count": "10"}
        return ids_of(bundle_of(api.get(f"{BASE}/Slot", params)))

    assert found("free") == [str(second.pk), str(third.pk)]
    assert found("busy") == [str(first.pk)]
    assert found("http://hl7.org/fhir/slotstatus|busy") == [str(first.pk)]
    blocked = slots_of(session, blocked_day)
    statuses = bundle_of(
        api.get(f"{BASE}/Slot", {"status": "busy-unavailable", "start": blocked_day.isoformat()})
    )
    assert ids_of(statuses) == [str(slot.pk) for slot in blocked]
    assert {entry["resource"]["status"] for entry in statuses["entry"]} == {"busy-unavailable"}
    assert found("nonsense") == []


def test_slot_search_by_service_type_pages_without_overlap(api: Client, session: ScheduleSession):
    params = {"service-type": "general-medicine", "status": "free", "_count": "4"}
    body = bundle_of(api.get(f"{BASE}/Slot", params))
    assert body["total"] == 9
    seen = ids_of(body)
    while next_link := next(
        (link["url"] for link in body["link"] if link["relation"] == "next"), None
    ):
        parts = urlsplit(next_link)
        body = bundle_of(api.get(f"{parts.path}?{parts.query}"))
        seen += ids_of(body)
    assert seen == [str(slot.pk) for slot in Slot.objects.order_by("starts_at")]
    assert ids_of(bundle_of(api.get(f"{BASE}/Slot", {"service-type": "paediatrics"}))) == []


# --- Appointment: booking ------------------------------------------------------------------


def test_book_gives_201_with_location_and_takes_an_online_place(
    writer: Client, slot: Slot, ramesh: Patient, practitioner: Practitioner, clerk: Any
):
    response = book(writer, booking(slot, ramesh))
    body = resource_of(response, FhirAppointment, status=201)
    appointment = Appointment.objects.get()
    assert response["Location"] == f"http://testserver{BASE}/Appointment/{appointment.pk}"
    assert body["id"] == str(appointment.pk)
    assert body["status"] == "booked"
    assert body["identifier"] == [
        {"use": "usual", "system": BOOKING_REFERENCE_SYSTEM, "value": appointment.reference}
    ]
    assert body["slot"] == [{"reference": f"Slot/{slot.pk}"}]
    assert body["start"] == timezone.localtime(slot.starts_at).isoformat()
    assert [p["actor"]["reference"] for p in body["participant"]] == [
        f"Patient/{ramesh.pk}",
        f"Practitioner/{practitioner.pk}",
        f"Location/f-{slot.facility_id}",
    ]
    assert (appointment.patient, appointment.booked_by, online_booked(slot)) == (ramesh, clerk, 1)
    assert appointment.quota.channel == "online"
    logged = AccessEvent.objects.get(patient_id=ramesh.pk)
    assert (logged.action, logged.resource_type, logged.facility_id) == (
        "create",
        "Appointment",
        slot.facility_id,
    )
    # What was created reads back the same.
    read = resource_of(writer.get(response["Location"]), FhirAppointment)
    assert read == body


def test_book_by_uhid_as_the_participants_identifier(writer: Client, slot: Slot, ramesh: Patient):
    actor = {"identifier": {"system": UHID_SYSTEM, "value": ramesh.uhid}}
    body = booking(slot, ramesh, participant=[{"actor": actor, "status": "accepted"}])
    created = resource_of(book(writer, body), FhirAppointment, status=201)
    assert created["participant"][0]["actor"]["reference"] == f"Patient/{ramesh.pk}"


def test_book_fails_with_409_when_the_slot_is_full(
    writer: Client, department: Department, ramesh: Patient, sunita: Patient
):
    session = session_for(department, online=1)
    slots_generate(start=days_ahead(1), days=1)
    slot = slots_of(session, days_ahead(1))[0]
    resource_of(book(writer, booking(slot, ramesh)), FhirAppointment, status=201)
    outcome = outcome_of(book(writer, booking(slot, sunita)), 409)
    assert outcome["issue"][0]["code"] == "conflict"
    assert outcome["issue"][0]["expression"] == ["Appointment.slot[0]"]
    assert "fully booked" in outcome["issue"][0]["diagnostics"]
    assert (online_booked(slot), Appointment.objects.count()) == (1, 1)


def test_a_second_booking_the_same_day_is_409_at_the_patient(
    writer: Client, session: ScheduleSession, ramesh: Patient
):
    first, second, _third = slots_of(session, days_ahead(1))
    resource_of(book(writer, booking(first, ramesh)), FhirAppointment, status=201)
    outcome = outcome_of(book(writer, booking(second, ramesh)), 409)
    assert outcome["issue"][0]["expression"] == ["Appointment.participant[0].actor.reference"]
    assert online_booked(second) == 0


@pytest.mark.parametrize(
    ("change", "status", "expression"),
    [
        ({"slot": [{"reference": "Slot/999999"}]}, 422, "Appointment.slot[0].reference"),
        ({"slot": [{"reference": "Schedule/1"}]}, 422, "Appointment.slot[0].reference"),
        ({"slot": []}, 422, "Appointment.slot"),
        ({"status": "proposed"}, 422, "Appointment.status"),
        (
            {"participant": [{"actor": {"reference": "Patient/999999"}, "status": "accepted"}]},
            422,
            "Appointment.participant[0].actor.reference",
        ),
        (
            {"participant": [{"actor": {"reference": "Practitioner/1"}, "status": "accepted"}]},
            422,
            "Appointment.participant",
        ),
        (
            {
                "participant": [
                    {
                        "actor": {"identifier": {"system": UHID_SYSTEM, "value": "DL123"}},
                        "status": "accepted",
                    }
                ]
            },
            422,
            "Appointment.participant[0].actor.identifier.value",
        ),
        ({"start": "2020-01-01T09:00:00+05:30"}, 422, "Appointment.start"),
        ({"slot": "Slot/1"}, 400, "Appointment.slot"),
    ],
)
def test_book_refuses_bad_input_naming_the_field(
    writer: Client,
    slot: Slot,
    ramesh: Patient,
    change: dict[str, Any],
    status: int,
    expression: str | None,
):
    outcome = outcome_of(book(writer, booking(slot, ramesh, **change)), status)
    if expression:
        assert expression in [e for issue in outcome["issue"] for e in issue.get("expression", [])]
    assert Appointment.objects.count() == 0
    assert online_booked(slot) == 0


def test_book_refuses_a_body_that_is_not_an_appointment(writer: Client, slot: Slot):
    outcome = outcome_of(book(writer, {"resourceType": "Patient"}), 400)
    assert outcome["issue"][0]["expression"] == ["resourceType"]
    response = writer.post(f"{BASE}/Appointment", "status=booked", content_type="text/plain")
    outcome_of(response, 415)


def test_a_retry_with_the_same_idempotency_key_books_once(
    writer: Client, slot: Slot, ramesh: Patient
):
    body = booking(slot, ramesh)
    first = book(writer, body, **{IDEMPOTENCY: "book-ramesh-1"})
    again = book(writer, body, **{IDEMPOTENCY: "book-ramesh-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert again.json() == first.json()
    assert (Appointment.objects.count(), online_booked(slot)) == (1, 1)
    # The same key for another request is refused.
    other = booking(slot, make_patient(mobile="9811100009"))
    outcome_of(book(writer, other, **{IDEMPOTENCY: "book-ramesh-1"}), 409)


def test_booking_needs_an_api_token(api: Client, slot: Slot, ramesh: Patient):
    outcome_of(book(api, booking(slot, ramesh)), 401)
    assert Appointment.objects.count() == 0


# --- Appointment: access -------------------------------------------------------------------


def test_staff_of_another_facility_may_not_book_read_or_find(
    writer: Client, slot: Slot, ramesh: Patient, other_facility_doctor: Any
):
    charlie = token_client(other_facility_doctor)
    outcome = outcome_of(book(charlie, booking(slot, ramesh)), 403)
    assert outcome["issue"][0]["code"] == "forbidden"
    assert online_booked(slot) == 0
    created = resource_of(book(writer, booking(slot, ramesh)), FhirAppointment, status=201)
    outcome_of(charlie.get(f"{BASE}/Appointment/{created['id']}"), 403)
    refused = AccessEvent.objects.filter(actor=other_facility_doctor, outcome="denied")
    assert [event.patient_id for event in refused] == [ramesh.pk]
    found = bundle_of(charlie.get(f"{BASE}/Appointment", {"patient": f"Patient/{ramesh.pk}"}))
    assert found["total"] == 0
    outcome_of(put(charlie, {**created, "status": "cancelled"}), 403)
    assert Appointment.objects.get().status == "booked"


def test_a_patient_books_and_sees_only_their_familys_appointments(
    session: ScheduleSession, slot: Slot, ramesh: Patient, sunita: Patient
):
    wife = make_patient(name="Geeta Kumar", gender="female", mobile=ramesh.mobile)
    user = PatientUserFactory(mobile=ramesh.mobile)
    family = token_client(user)
    mine = resource_of(book(family, booking(slot, wife)), FhirAppointment, status=201)
    outcome_of(book(family, booking(slot, sunita)), 403)
    outcome_of(book(family, booking(slot, ramesh, slot=[{"reference": "Slot/999999"}])), 422)
    theirs = appointment_book(slot=slots_of(session, days_ahead(2))[0], patient=sunita)
    # The same answer for someone else's appointment and for one that does not exist.
    for path in (f"Appointment/{theirs.pk}", "Appointment/999999"):
        outcome = outcome_of(family.get(f"{BASE}/{path}"), 403)
        assert "your mobile" in outcome["issue"][0]["diagnostics"]
    assert ids_of(bundle_of(family.get(f"{BASE}/Appointment"))) == [mine["id"]]
    assert Appointment.objects.get(pk=mine["id"]).booked_by == user


# --- Appointment: read, search and the access log ------------------------------------------


def test_search_by_patient_identifier_date_and_status_logs_each_patient_once(
    api: Client, clerk: Any, session: ScheduleSession, ramesh: Patient, sunita: Patient
):
    tomorrow = appointment_book(slot=slots_of(session, days_ahead(1))[0], patient=ramesh)
    later = appointment_book(slot=slots_of(session, days_ahead(3))[1], patient=ramesh)
    hers = appointment_book(slot=slots_of(session, days_ahead(1))[1], patient=sunita)

    def found(**params: str) -> list[str]:
        return ids_of(bundle_of(api.get(f"{BASE}/Appointment", params)))

    assert found(patient=f"Patient/{ramesh.pk}") == [str(tomorrow.pk), str(later.pk)]
    searched = AccessEvent.objects.filter(actor=clerk, action="search")
    assert [event.patient_id for event in searched] == [ramesh.pk]  # one entry per patient
    assert found(**{"patient:identifier": f"{UHID_SYSTEM}|{ramesh.uhid}"}) == [
        str(tomorrow.pk),
        str(later.pk),
    ]
    assert found(date=days_ahead(1).isoformat()) == [str(tomorrow.pk), str(hers.pk)]
    assert found(date=f"gt{days_ahead(1).isoformat()}") == [str(later.pk)]
    assert found(identifier=f"{BOOKING_REFERENCE_SYSTEM}|{hers.reference.lower()}") == [
        str(hers.pk)
    ]
    assert found(status="cancelled") == []
    outcome_of(api.get(f"{BASE}/Appointment", {"patient": "Practitioner/1"}), 400)
    outcome_of(api.get(f"{BASE}/Appointment", {"location": "f-1"}), 400)


def test_read_logs_the_patient_and_an_unknown_id_is_404(
    api: Client, clerk: Any, slot: Slot, ramesh: Patient
):
    appointment = appointment_book(slot=slot, patient=ramesh)
    body = resource_of(api.get(f"{BASE}/Appointment/{appointment.pk}"), FhirAppointment)
    assert body["participant"][0]["actor"]["display"] == "Ramesh Kumar"
    read = AccessEvent.objects.get(actor=clerk, action="read")
    assert (read.patient_id, read.resource_type, read.resource_id) == (
        ramesh.pk,
        "Appointment",
        str(appointment.pk),
    )
    outcome_of(api.get(f"{BASE}/Appointment/999999"), 404)
    outcome_of(api.get(f"{BASE}/Appointment/{appointment.pk}", {"_elements": "id"}), 400)


# --- Appointment: cancelling ---------------------------------------------------------------


def test_cancel_by_put_frees_the_place_and_a_repeat_changes_nothing(
    writer: Client, slot: Slot, ramesh: Patient, sunita: Patient
):
    created = resource_of(book(writer, booking(slot, ramesh)), FhirAppointment, status=201)
    assert online_booked(slot) == 1
    cancel = {**created, "status": "cancelled", "cancelationReason": {"text": "Feeling better"}}
    del cancel["participant"][0]["actor"]["display"]  # displays are labels, not content
    body = resource_of(put(writer, cancel), FhirAppointment)
    assert body["status"] == "cancelled"
    assert body["cancelationReason"] == {"text": "Feeling better"}
    assert online_booked(slot) == 0
    appointment = Appointment.objects.get()
    assert (appointment.status, appointment.cancel_reason) == ("cancelled", "Feeling better")
    assert resource_of(put(writer, cancel), FhirAppointment)["status"] == "cancelled"
    assert online_booked(slot) == 0
    # The place is free again: another patient books it.
    resource_of(book(writer, booking(slot, sunita)), FhirAppointment, status=201)


@pytest.mark.parametrize(
    ("change", "expression"),
    [
        ({"status": "cancelled", "slot": [{"reference": "Slot/999999"}]}, "Appointment.slot"),
        ({"status": "cancelled", "start": "2020-01-01T09:00:00+05:30"}, "Appointment.start"),
        ({"status": "cancelled", "comment": "Please call"}, "Appointment.comment"),
        ({"status": "arrived"}, "Appointment.status"),
    ],
)
def test_put_changing_anything_but_the_status_to_cancelled_is_422(
    writer: Client, slot: Slot, ramesh: Patient, change: dict[str, Any], expression: str
):
    created = resource_of(book(writer, booking(slot, ramesh)), FhirAppointment, status=201)
    outcome = outcome_of(put(writer, {**created, **change}), 422)
    assert outcome["issue"][0]["expression"] == [expression]
    assert (Appointment.objects.get().status, online_booked(slot)) == ("booked", 1)


def test_put_with_another_id_is_refused(writer: Client, slot: Slot, ramesh: Patient):
    created = resource_of(book(writer, booking(slot, ramesh)), FhirAppointment, status=201)
    response = writer.put(
        f"{BASE}/Appointment/999999", {**created, "status": "cancelled"}, content_type=FHIR_JSON
    )
    assert outcome_of(response, 400)["issue"][0]["expression"] == ["Appointment.id"]


# --- cost ------------------------------------------------------------------------------


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        bundle_of(client.get(f"{BASE}/{path}", {"_count": "100"}))
    return len(captured)


def test_slot_and_appointment_pages_cost_no_query_per_row(
    api: Client, department: Department, practitioner: Practitioner
):
    session = session_for(department, practitioner=practitioner)
    slots_generate(start=days_ahead(1), days=1)
    appointment_book(slot=slots_of(session, days_ahead(1))[0], patient=make_patient())
    few = (_queries(api, "Slot"), _queries(api, "Appointment"), _queries(api, "Schedule"))
    slots_generate(start=days_ahead(2), days=5)
    session_for(DepartmentFactory(facility=department.facility, speciality=speciality("ent")))
    for n in range(2, 6):
        slot = slots_of(session, days_ahead(n))[0]
        appointment_book(slot=slot, patient=make_patient(mobile=f"98111000{n:02d}"))
    many = (_queries(api, "Slot"), _queries(api, "Appointment"), _queries(api, "Schedule"))
    assert many == few


# --- CapabilityStatement -------------------------------------------------------------------


def test_metadata_lists_schedule_slot_and_appointment_with_their_parameters(
    client: Client, db: None
):
    body = client.get(f"{BASE}/metadata").json()
    CapabilityStatement.model_validate(body)
    listed = {entry["type"]: entry for entry in body["rest"][0]["resource"]}
    params = {name: {p["name"]: p["type"] for p in listed[name]["searchParam"]} for name in listed}
    assert params["Schedule"] == {
        "actor": "reference",
        "service-type": "token",
        "active": "token",
        "_id": "token",
    }
    assert params["Slot"] == {
        "schedule": "reference",
        "start": "date",
        "status": "token",
        "service-type": "token",
        "_id": "token",
    }
    assert params["Appointment"] == {
        "patient": "reference",
        "date": "date",
        "status": "token",
        "identifier": "token",
        "_id": "token",
    }
    assert [i["code"] for i in listed["Appointment"]["interaction"]] == [
        "read",
        "search-type",
        "create",
        "update",
    ]
