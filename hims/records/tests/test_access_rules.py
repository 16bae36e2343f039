"""Who may read a record (treating relationship, consent, break the glass), on real requests,
and that every read and every refusal is one access-log entry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hims.accounts.choices import Role
from hims.core.choices import AccessBasis, AccessOutcome
from hims.core.errors import AccessDenied, Conflict, ValidationFailed
from hims.core.models import AccessEvent
from hims.notifications.models import OutboxMessage
from hims.patients.tests.factories import make_patient
from hims.records import services
from hims.records.access import record_access_for_staff
from hims.records.choices import ConsentStatus, EmergencyReview, HiType
from hims.records.models import Consent, EmergencyAccess
from hims.records.tests.factories import make_visit
from hims.scheduling.tests.factories import patient_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(db):  # type: ignore[no-untyped-def]
    return make_patient(mobile="9811100001", preferred_language="hi")


@pytest.fixture
def history(patient, facility, doctor):  # type: ignore[no-untyped-def]
    """Two visits at Lok Nayak (facility): diabetes 400 days ago, hypertension 10 days ago."""
    old = make_visit(
        patient=patient, facility=facility, practitioner=doctor, days_ago=400, code="E11.9"
    )
    recent = make_visit(
        patient=patient,
        facility=facility,
        practitioner=doctor,
        days_ago=10,
        code="I10",
        medicine="Amlodipine",
    )
    return old, recent


def _record(client, patient):  # type: ignore[no-untyped-def]
    return client.get(reverse("records:patient", args=[patient.uhid]))


def _ask(doctor, facility, patient, **overrides):  # type: ignore[no-untyped-def]
    fields = {
        "purpose": "CAREMGT",
        "hi_types": [HiType.OP_CONSULTATION, HiType.PRESCRIPTION],
        "records_from": date(2020, 1, 1),
        "records_to": timezone.localdate(),
        "valid_days": 30,
    }
    fields.update(overrides)
    return services.consent_request(
        patient=patient, requester=doctor, role=Role.DOCTOR, facility=facility, **fields
    )


def test_the_treating_doctor_sees_every_visit_and_each_is_logged(client, doctor, history):
    old, recent = history
    client.force_login(doctor)
    page = _record(client, old.patient)
    assert page.status_code == 200
    entries = page.context["timeline"].entries
    assert [e.encounter.pk for e in entries] == [recent.pk, old.pk]
    read = AccessEvent.objects.filter(patient_id=old.patient_id, resource_type="Encounter")
    assert sorted(read.values_list("resource_id", flat=True)) == sorted(
        [str(old.pk), str(recent.pk)]
    )
    assert set(read.values_list("basis", flat=True)) == {AccessBasis.TREATING}
    # The summary: both long-term conditions, and the current medicine (30 days from 10 ago).
    summary = page.context["summary"]
    assert [c.code.code for c in summary.conditions] == ["E11.9", "I10"]
    assert [m.medicine.salt for m in summary.current_medicines] == ["Amlodipine"]


def test_a_doctor_elsewhere_is_refused_and_the_refusal_is_logged(
    client, other_facility_doctor, history
):
    patient = history[0].patient
    client.force_login(other_facility_doctor)
    page = _record(client, patient)
    assert page.status_code == 403
    assert "no access" in page.content.decode()
    assert "E11.9" not in page.content.decode()
    events = AccessEvent.objects.filter(patient_id=patient.pk)
    assert events.count() == 1
    refusal = events.get()
    assert (refusal.outcome, refusal.basis, refusal.actor) == (
        AccessOutcome.DENIED,
        AccessBasis.NONE,
        other_facility_doctor,
    )


def test_a_clerk_never_reads_clinical_records_even_at_the_treating_facility(client, clerk, history):
    client.force_login(clerk)
    assert _record(client, history[0].patient).status_code == 403
    assert not AccessEvent.objects.filter(resource_type="Encounter").exists()


def test_the_relationship_lapses_after_the_treating_window(settings, doctor, facility, history):
    patient = history[0].patient
    assert record_access_for_staff(
        user=doctor, role=Role.DOCTOR, facility=facility, patient_id=patient.pk
    )
    settings.HIMS_TREATING_WINDOW_DAYS = 5  # the last visit was 10 days ago
    assert (
        record_access_for_staff(
            user=doctor, role=Role.DOCTOR, facility=facility, patient_id=patient.pk
        )
        is None
    )


def test_consent_grants_exactly_what_it_says(
    client, other_facility_doctor, other_facility, history, sms_file
):
    old, recent = history
    patient = old.patient
    client.force_login(other_facility_doctor)
    asked = client.post(
        reverse("records:consent-ask", args=[patient.uhid]),
        {
            "purpose": "CAREMGT",
            "hi_types": ["OPConsultation", "Prescription"],
            "records_from": "2020-01-01",
            "records_to": timezone.localdate().isoformat(),
            "valid_days": "30",
            "note": "Referred for diabetes review",
        },
    )
    assert asked.status_code == 302
    consent = Consent.objects.get(patient=patient)
    assert consent.status == ConsentStatus.REQUESTED
    sms = OutboxMessage.objects.get(template="consent_requested")
    assert sms.to == patient.mobile and "गुरु तेग बहादुर" in sms.body  # in Hindi, names where
    assert _record(client, patient).status_code == 403  # nothing until the patient answers

    # The patient allows prescriptions only, and only of the last 100 days.
    client.force_login(patient_login("9811100001"))
    answered = client.post(
        reverse("records:my-consent-act", args=[consent.pk, "grant"]),
        {
            "hi_types": ["Prescription"],
            "records_from": (timezone.localdate() - timedelta(days=100)).isoformat(),
            "records_to": timezone.localdate().isoformat(),
            "until": (timezone.localdate() + timedelta(days=7)).isoformat(),
        },
    )
    assert answered.status_code == 302
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.GRANTED and consent.hi_types == ["Prescription"]

    client.force_login(other_facility_doctor)
    page = _record(client, patient)
    assert page.status_code == 200
    (entry,) = page.context["timeline"].entries  # the visit of 400 days ago is outside the range
    assert entry.encounter.pk == recent.pk
    assert (entry.show_visit, entry.show_prescription) == (False, True)
    text = page.content.decode()
    assert "Amlodipine" in text and "I10" not in text and "Metformin" not in text
    assert page.context["summary"].conditions == []  # diagnoses were not allowed
    logged = AccessEvent.objects.filter(
        patient_id=patient.pk,
        actor=other_facility_doctor,
        action="read",
        outcome=AccessOutcome.ALLOWED,
    )
    assert set(logged.values_list("basis", flat=True)) == {AccessBasis.CONSENT}
    assert set(logged.values_list("resource_type", flat=True)) == {
        "Encounter",
        "MedicationRequest",
    }


def test_revocation_and_expiry_take_effect_at_once(
    other_facility_doctor, other_facility, patient, history
):
    consent = _ask(other_facility_doctor, other_facility, patient)
    services.consent_grant(consent=consent, actor=patient_login("9811100001"))

    def may_read() -> bool:
        return (
            record_access_for_staff(
                user=other_facility_doctor,
                role=Role.DOCTOR,
                facility=other_facility,
                patient_id=patient.pk,
            )
            is not None
        )

    assert may_read()
    services.consent_revoke(consent=consent, actor=patient_login("9811100001"))
    assert not may_read()

    second = _ask(other_facility_doctor, other_facility, patient)
    services.consent_grant(consent=second, actor=patient_login("9811100001"))
    assert may_read()
    Consent.objects.filter(pk=second.pk).update(
        requested_at=timezone.now() - timedelta(days=2),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert not may_read()  # no job needed: the clock decides
    assert services.consents_expire_due() == 1
    second.refresh_from_db()
    assert second.status == ConsentStatus.EXPIRED


def test_the_patient_cannot_allow_more_than_was_asked(
    other_facility_doctor, other_facility, patient
):
    consent = _ask(other_facility_doctor, other_facility, patient, hi_types=["Prescription"])
    with pytest.raises(ValidationFailed):
        services.consent_grant(
            consent=consent,
            actor=patient_login("9811100001"),
            hi_types=["Prescription", "DiagnosticReport"],
        )
    granted = services.consent_grant(
        consent=consent,
        actor=patient_login("9811100001"),
        records_from=date(2000, 1, 1),  # wider than asked: clipped to the request
        expires_at=timezone.now() + timedelta(days=999),
    )
    assert granted.records_from == date(2020, 1, 1)
    assert granted.expires_at <= timezone.now() + timedelta(days=30)


def test_asking_twice_while_waiting_is_refused_and_a_nurse_cannot_ask(
    other_facility_doctor, other_facility, patient
):
    _ask(other_facility_doctor, other_facility, patient)
    with pytest.raises(Conflict):
        _ask(other_facility_doctor, other_facility, patient)
    assert Consent.objects.count() == 1
    assert OutboxMessage.objects.filter(template="consent_requested").count() == 1
    with pytest.raises(AccessDenied):
        services.consent_request(
            patient=patient,
            requester=other_facility_doctor,
            role=Role.NURSE,
            facility=other_facility,
            purpose="CAREMGT",
            hi_types=["Prescription"],
            records_from=date(2020, 1, 1),
            records_to=date(2021, 1, 1),
            valid_days=5,
        )


def test_a_denied_request_cannot_be_granted_later(other_facility_doctor, other_facility, patient):
    consent = _ask(other_facility_doctor, other_facility, patient)
    services.consent_deny(consent=consent, actor=patient_login("9811100001"))
    with pytest.raises(Conflict):
        services.consent_grant(consent=consent, actor=patient_login("9811100001"))
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.DENIED


def test_break_the_glass_opens_the_record_tells_the_patient_and_waits_for_review(
    client, other_facility_doctor, history, network_admin
):
    patient = history[0].patient
    client.force_login(other_facility_doctor)
    short = client.post(reverse("records:emergency", args=[patient.uhid]), {"reason": "urgent"})
    assert short.status_code == 403 and "at least 15 characters" in short.content.decode()
    assert not EmergencyAccess.objects.exists()

    reason = "Unconscious in casualty, no relative present"
    opened = client.post(reverse("records:emergency", args=[patient.uhid]), {"reason": reason})
    assert opened.status_code == 302
    page = _record(client, patient)
    assert page.status_code == 200 and len(page.context["timeline"].entries) == 2
    assert "Emergency access" in page.content.decode()
    read = AccessEvent.objects.filter(patient_id=patient.pk, resource_type="Encounter")
    assert set(read.values_list("basis", "reason")) == {(AccessBasis.BREAK_GLASS, reason)}
    sms = OutboxMessage.objects.get(template="emergency_access")
    assert sms.to == patient.mobile

    # The patient sees it, with the reason.
    client.force_login(patient_login("9811100001"))
    who = client.get(reverse("records:my-access")).content.decode()
    assert reason in who

    # A reviewer judges it once; the doctor cannot judge their own.
    emergency = EmergencyAccess.objects.get()
    with pytest.raises(AccessDenied):
        services.emergency_access_review(
            emergency=emergency,
            reviewer=other_facility_doctor,
            role=Role.NETWORK_ADMIN,
            facility=None,
            justified=True,
        )
    client.force_login(network_admin)
    queue = client.get(reverse("records:emergency-review"))
    assert queue.context["pending"] == [emergency]
    nonsense = client.post(reverse("records:emergency-review"), {"access": "x1", "verdict": "?"})
    assert nonsense.status_code == 200 and "No such emergency access" in nonsense.content.decode()
    judged = client.post(
        reverse("records:emergency-review"),
        {"access": emergency.pk, "verdict": "justified", "note": "casualty register checked"},
    )
    assert judged.status_code == 302
    emergency.refresh_from_db()
    assert emergency.review == EmergencyReview.JUSTIFIED and emergency.reviewed_by == network_admin
    with pytest.raises(Conflict):
        services.emergency_access_review(
            emergency=emergency,
            reviewer=network_admin,
            role=Role.NETWORK_ADMIN,
            facility=None,
            justified=False,
            note="changed my mind",
        )


def test_emergency_access_ends_by_itself(other_facility_doctor, other_facility, history):
    patient = history[0].patient
    emergency = services.emergency_access_open(
        patient=patient,
        actor=other_facility_doctor,
        role=Role.DOCTOR,
        facility=other_facility,
        reason="Road accident, patient cannot speak",
    )
    again = services.emergency_access_open(
        patient=patient,
        actor=other_facility_doctor,
        role=Role.DOCTOR,
        facility=other_facility,
        reason="Road accident, patient cannot speak",
    )
    assert again.pk == emergency.pk  # one notice and one review while it is open
    EmergencyAccess.objects.filter(pk=emergency.pk).update(
        started_at=timezone.now() - timedelta(hours=5),
        expires_at=timezone.now() - timedelta(hours=1),
    )
    assert (
        record_access_for_staff(
            user=other_facility_doctor,
            role=Role.DOCTOR,
            facility=other_facility,
            patient_id=patient.pk,
        )
        is None
    )


def test_the_timeline_costs_the_same_queries_for_3_or_30_visits(client, doctor, facility, patient):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(visits: int) -> int:
        for days in range(visits):
            make_visit(patient=patient, facility=facility, practitioner=doctor, days_ago=days + 1)
        client.force_login(doctor)
        with CaptureQueriesContext(connection) as captured:
            assert _record(client, patient).status_code == 200
        return len(captured)

    few = queries_for(3)
    many = queries_for(27)  # 30 visits in all; a page shows 25
    assert many == few
    # session, user, roles (3); the patient and the access check (2); the visits with their
    # records (1); summary: allergies, conditions, medicines (3); one INSERT for the access
    # log; the facilities the filter offers (1).
    assert few <= 11, few


def test_a_bad_consent_request_is_answered_on_the_page_and_writes_nothing(
    client, other_facility_doctor, history
):
    patient = history[0].patient
    client.force_login(other_facility_doctor)
    page = client.post(
        reverse("records:consent-ask", args=[patient.uhid]),
        {"purpose": "CAREMGT", "records_from": "2026-01-01", "records_to": "2025-01-01"},
    )
    assert page.status_code == 403  # the refusal page again, with the errors
    assert "Choose which kinds of records you need." in page.content.decode()
    reversed_dates = client.post(
        reverse("records:consent-ask", args=[patient.uhid]),
        {
            "purpose": "CAREMGT",
            "hi_types": ["Prescription"],
            "records_from": "2026-01-01",
            "records_to": "2025-01-01",
            "valid_days": "30",
        },
    )
    assert "The first date must not be after the last date." in reversed_dates.content.decode()
    assert not Consent.objects.exists()


def test_only_doctors_ask_or_break_the_glass(client, db, other_facility, history):
    from hims.conftest import _staff

    nurse = _staff("nina", Role.NURSE, other_facility)
    patient = history[0].patient
    client.force_login(nurse)
    assert client.get(reverse("records:patient", args=[patient.uhid])).status_code == 403
    for name in ("records:consent-ask", "records:emergency"):
        answer = client.post(reverse(name, args=[patient.uhid]), {"reason": "x" * 40})
        assert answer.status_code == 403
    with pytest.raises(AccessDenied):
        services.emergency_access_open(
            patient=patient, actor=nurse, role=Role.NURSE, facility=other_facility, reason="x" * 40
        )
    assert not Consent.objects.exists() and not EmergencyAccess.objects.exists()


def test_a_facility_administrator_reviews_only_their_own_facility(
    other_facility_doctor, other_facility, facility_admin, history
):
    emergency = services.emergency_access_open(
        patient=history[0].patient,
        actor=other_facility_doctor,
        role=Role.DOCTOR,
        facility=other_facility,
        reason="Road accident, patient cannot speak",
    )
    with pytest.raises(AccessDenied):  # dinesh administers Lok Nayak, not GTB
        services.emergency_access_review(
            emergency=emergency,
            reviewer=facility_admin,
            role=Role.FACILITY_ADMIN,
            facility=facility_admin.memberships.get().facility,
            justified=True,
        )
    with pytest.raises(ValidationFailed):  # "not justified" needs a reason
        services.emergency_access_review(
            emergency=emergency,
            reviewer=facility_admin,
            role=Role.AUDITOR,
            facility=None,
            justified=False,
        )
    emergency.refresh_from_db()
    assert emergency.review == EmergencyReview.PENDING


def test_an_unanswered_request_past_its_end_cannot_be_granted(
    other_facility_doctor, other_facility, patient
):
    consent = _ask(other_facility_doctor, other_facility, patient)
    Consent.objects.filter(pk=consent.pk).update(
        requested_at=timezone.now() - timedelta(days=40),
        expires_at=timezone.now() - timedelta(days=10),
    )
    consent.refresh_from_db()
    with pytest.raises((Conflict, ValidationFailed)):
        services.consent_grant(consent=consent, actor=patient_login("9811100001"))
    consent.refresh_from_db()
    assert (
        consent.status == ConsentStatus.REQUESTED and consent.status_now == ConsentStatus.REQUESTED
    )


def test_the_patient_withdraws_from_the_page(
    client, other_facility_doctor, other_facility, patient
):
    consent = _ask(other_facility_doctor, other_facility, patient)
    services.consent_grant(consent=consent, actor=patient_login("9811100001"))
    client.force_login(patient_login("9811100001"))
    client.post(reverse("records:my-consent-act", args=[consent.pk, "revoke"]))
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.REVOKED and consent.revoked_at is not None
    assert (
        client.post(reverse("records:my-consent-act", args=[consent.pk, "delete"])).status_code
        == 404
    )


def test_the_database_refuses_a_consent_without_record_types(
    other_facility_doctor, other_facility, patient
):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(
            patient=patient,
            facility=other_facility,
            requester=other_facility_doctor,
            purpose="CAREMGT",
            hi_types=[],
            records_from=date(2024, 1, 1),
            records_to=date(2024, 2, 1),
            expires_at=timezone.now() + timedelta(days=1),
        )
