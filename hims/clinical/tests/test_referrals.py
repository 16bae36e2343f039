"""Follow-up and referral from the consultation: booked through the booking service (its
capacity and one-a-day rules), nothing written when the booking is refused, and the receiving
doctor sees why the patient was sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hims.clinical.choices import ReferralKind, ReferralStatus
from hims.clinical.models import Referral
from hims.clinical.referrals import referral_cancel, referral_create, slots_with_places
from hims.clinical.services import encounter_close, encounter_notes_save
from hims.core.errors import Conflict, DomainError, ValidationFailed
from hims.core.models import AccessEvent
from hims.network.tests.factories import DepartmentFactory, speciality
from hims.notifications.models import OutboxMessage
from hims.records.access import record_access_for_staff
from hims.scheduling.choices import AppointmentStatus
from hims.scheduling.models import SlotQuota
from hims.scheduling.tests.factories import at, make_slot

pytestmark = pytest.mark.django_db


def _follow_up_slot(department, places: int = 1):  # type: ignore[no-untyped-def]
    slot = make_slot(department, starts_at=at(7, 10))
    SlotQuota.objects.create(slot=slot, channel="follow_up", capacity=places)
    return slot


def test_a_follow_up_books_a_follow_up_place_and_tells_the_patient(visit, doctor, department):
    slot = _follow_up_slot(department)
    assert [
        choice.slot
        for choice in slots_with_places(
            department=department, day=slot.day, kind=ReferralKind.FOLLOW_UP
        )
    ] == [slot]
    referral = referral_create(
        encounter=visit, actor=doctor, kind=ReferralKind.FOLLOW_UP, to_department=None, slot=slot
    )
    assert referral.status == ReferralStatus.BOOKED and referral.to_department == department
    booking = referral.appointment
    assert booking.quota.channel == "follow_up" and booking.patient_id == visit.patient_id
    assert OutboxMessage.objects.filter(dedupe_key=f"appointment_booked:{booking.reference}")
    assert AccessEvent.objects.filter(
        resource_type="ServiceRequest", resource_id=f"referral-{referral.pk}", action="create"
    ).exists()
    # The place is gone: nothing more to offer that day.
    assert slots_with_places(department=department, day=slot.day, kind="follow_up") == []


def test_a_refused_booking_writes_no_referral(visit, doctor, department):
    slot = _follow_up_slot(department, places=1)
    SlotQuota.objects.filter(slot=slot, channel="follow_up").update(booked=1)  # full
    with pytest.raises(DomainError):
        referral_create(
            encounter=visit,
            actor=doctor,
            kind=ReferralKind.FOLLOW_UP,
            to_department=None,
            slot=slot,
        )
    assert not Referral.objects.exists()


def test_a_referral_needs_a_reason_and_another_department(visit, doctor, department):
    other = DepartmentFactory(facility=department.facility, speciality=speciality("orthopaedics"))
    with pytest.raises(ValidationFailed):
        referral_create(
            encounter=visit, actor=doctor, kind=ReferralKind.REFERRAL, to_department=other
        )
    with pytest.raises(ValidationFailed):
        referral_create(
            encounter=visit,
            actor=doctor,
            kind=ReferralKind.REFERRAL,
            to_department=department,
            reason="second look",
        )
    open_referral = referral_create(
        encounter=visit,
        actor=doctor,
        kind=ReferralKind.REFERRAL,
        to_department=other,
        reason="Knee pain for months; please assess",
        wanted_on=timezone.localdate() + timedelta(days=3),
    )
    assert open_referral.status == ReferralStatus.OPEN and open_referral.appointment is None
    with pytest.raises(Conflict):  # once per department from one visit
        referral_create(
            encounter=visit,
            actor=doctor,
            kind=ReferralKind.REFERRAL,
            to_department=other,
            reason="again",
        )


def test_a_referral_to_another_facility_gives_its_doctor_a_treating_relationship(
    visit, doctor, other_facility, other_facility_doctor
):
    elsewhere = DepartmentFactory(facility=other_facility)
    slot = make_slot(elsewhere, starts_at=at(3, 11))

    def may_read() -> bool:
        return bool(
            record_access_for_staff(
                user=other_facility_doctor,
                role="doctor",
                facility=other_facility,
                patient_id=visit.patient_id,
            )
        )

    assert not may_read()
    referral = referral_create(
        encounter=visit,
        actor=doctor,
        kind=ReferralKind.REFERRAL,
        to_department=elsewhere,
        reason="Suspected cataract",
        urgency="urgent",
        slot=slot,
    )
    assert referral.appointment.quota.channel == "online"
    assert may_read()  # the booking there is the relationship
    referral_cancel(referral=referral, actor=doctor)
    referral.refresh_from_db()
    referral.appointment.refresh_from_db()
    assert referral.status == ReferralStatus.CANCELLED
    assert referral.appointment.status == AppointmentStatus.CANCELLED
    assert SlotQuota.objects.get(slot=slot, channel="online").booked == 0
    with pytest.raises(Conflict):
        referral_cancel(referral=referral, actor=doctor)


def test_nothing_is_sent_on_from_a_closed_visit_even_bypassing_the_service(
    visit, doctor, department
):
    other = DepartmentFactory(facility=department.facility, speciality=speciality("orthopaedics"))
    encounter_notes_save(
        encounter=visit, actor=doctor, chief_complaint="cough", examination="", advice=""
    )
    encounter_close(encounter=visit, actor=doctor)
    with pytest.raises(DomainError):
        referral_create(
            encounter=visit,
            actor=doctor,
            kind=ReferralKind.REFERRAL,
            to_department=other,
            reason="x-ray",
        )
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():  # the trigger
        Referral.objects.create(
            encounter=visit,
            patient_id=visit.patient_id,
            kind=ReferralKind.REFERRAL,
            to_department=other,
            reason="x-ray",
            created_by=doctor,
        )


def test_the_doctor_books_a_follow_up_from_the_visit_page(client, visit, doctor, department):
    slot = _follow_up_slot(department)
    client.force_login(doctor)
    page = client.get(
        reverse("visit:detail", args=[visit.pk]),
        {"fu": slot.day.isoformat()},
        HTTP_ACCEPT_LANGUAGE="hi",
    )
    assert page.status_code == 200
    assert "फ़ॉलो-अप" in page.content.decode()
    answer = client.post(
        reverse("visit:act", args=[visit.pk, "follow-up"]), {"slot": slot.pk}, follow=True
    )
    assert answer.status_code == 200
    referral = Referral.objects.get()
    assert referral.appointment.reference in answer.content.decode()
    # Nonsense in the pickers and a slot id that does not exist: clear answers, not a 500.
    assert (
        client.get(
            reverse("visit:detail", args=[visit.pk]), {"fu": "2026-02-30", "rf": "x", "rd": "y"}
        ).status_code
        == 200
    )
    again = client.post(reverse("visit:act", args=[visit.pk, "follow-up"]), {"slot": "999999"})
    assert again.status_code == 200 and Referral.objects.count() == 1
