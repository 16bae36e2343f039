"""Consent answers and emergency reviews under real concurrency, on PostgreSQL: each change of
status is one conditional UPDATE, so two phones answering at once leave exactly one answer."""

from __future__ import annotations

import time
from datetime import date

import pytest
from django.utils import timezone

from hims.accounts.choices import Role
from hims.core.errors import DomainError
from hims.core.models import AccessEvent
from hims.lib.testing import race
from hims.patients.tests.factories import make_patient
from hims.records import services
from hims.records.choices import ConsentStatus
from hims.records.models import Consent
from hims.scheduling.tests.factories import patient_login

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
WORKERS = 8


@pytest.fixture
def asked(other_facility_doctor, other_facility):  # type: ignore[no-untyped-def]
    patient = make_patient(mobile="9811100001")
    return services.consent_request(
        patient=patient,
        requester=other_facility_doctor,
        role=Role.DOCTOR,
        facility=other_facility,
        purpose="CAREMGT",
        hi_types=["OPConsultation", "Prescription"],
        records_from=date(2024, 1, 1),
        records_to=timezone.localdate(),
        valid_days=30,
    )


def test_grants_and_refusals_racing_from_two_phones_leave_one_answer(asked):
    login = patient_login("9811100001")

    def answer(index: int) -> Consent:
        consent = Consent.objects.get(pk=asked.pk)
        if index % 2:
            return services.consent_deny(consent=consent, actor=login)
        return services.consent_grant(consent=consent, actor=login)

    results = race(answer, WORKERS)
    answered = [r for r in results if isinstance(r, Consent)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(answered) == 1 and len(refused) == WORKERS - 1, results
    final = Consent.objects.get(pk=asked.pk)
    assert final.status == answered[0].status
    # One answer, one log entry for it.
    assert AccessEvent.objects.filter(resource_type="Consent", action="update").count() == 1


def test_control_a_read_then_save_answer_lets_every_phone_answer(asked):
    """The same race with the status checked in Python and then saved: every request thinks it
    answered, and the last one silently overwrites the others."""

    def naive(index: int) -> str:
        consent = Consent.objects.get(pk=asked.pk)
        if consent.status != ConsentStatus.REQUESTED:
            return "refused"
        time.sleep(0.05)  # the gap between check and write that real requests also have
        consent.status = ConsentStatus.DENIED if index % 2 else ConsentStatus.GRANTED
        consent.decided_at = timezone.now()
        consent.save(update_fields=["status", "decided_at"])
        return consent.status

    results = race(naive, WORKERS)
    assert results.count("refused") < WORKERS - 1, results  # more than one "answered"
    assert {ConsentStatus.GRANTED, ConsentStatus.DENIED} & set(results)


def test_two_clicks_on_break_the_glass_at_once_open_one_access_and_send_one_sms(
    other_facility_doctor, other_facility
):
    from hims.notifications.models import OutboxMessage
    from hims.records.models import EmergencyAccess

    patient = make_patient(mobile="9811100002")

    def open_it(_index: int) -> EmergencyAccess:
        return services.emergency_access_open(
            patient=patient,
            actor=other_facility_doctor,
            role=Role.DOCTOR,
            facility=other_facility,
            reason="Unconscious in casualty, no relative",
        )

    results = race(open_it, WORKERS)
    assert {r.pk for r in results if isinstance(r, EmergencyAccess)} == {
        EmergencyAccess.objects.get().pk
    }, results
    assert OutboxMessage.objects.filter(template="emergency_access").count() == 1


def test_control_without_the_patient_lock_two_clicks_open_two_accesses(
    other_facility_doctor, other_facility, monkeypatch
):
    from hims.records.models import EmergencyAccess

    monkeypatch.setattr(services, "_patient_lock", lambda patient: None)
    patient = make_patient(mobile="9811100003")

    def open_it(_index: int) -> object:
        return services.emergency_access_open(
            patient=patient,
            actor=other_facility_doctor,
            role=Role.DOCTOR,
            facility=other_facility,
            reason="Unconscious in casualty, no relative",
        )

    race(open_it, WORKERS)
    assert EmergencyAccess.objects.filter(patient=patient).count() > 1
