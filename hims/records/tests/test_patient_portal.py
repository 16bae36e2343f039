"""The patient's own record on their phone: visits from every facility, a visit, the
prescription PDF, and answering consent requests; each read logged with basis "self"."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from hims.accounts.choices import Role
from hims.core.choices import AccessBasis
from hims.core.models import AccessEvent
from hims.patients.tests.factories import make_patient
from hims.records import services
from hims.records.choices import ConsentStatus
from hims.records.models import Consent
from hims.records.tests.factories import make_visit
from hims.scheduling.tests.factories import patient_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(db):  # type: ignore[no-untyped-def]
    mother = make_patient(name="Sunita Devi", name_hi="सुनीता देवी", mobile="9811100001")
    son = make_patient(
        name="Aman Kumar", name_hi="अमन कुमार", mobile="9811100001", birth_date=date(2015, 3, 1)
    )
    return mother, son


def test_the_patient_sees_visits_from_every_facility_in_hindi(
    client, family, facility, other_facility, doctor, other_facility_doctor
):
    mother, _son = family
    make_visit(patient=mother, facility=facility, practitioner=doctor, days_ago=30)
    make_visit(
        patient=mother,
        facility=other_facility,
        practitioner=other_facility_doctor,
        days_ago=3,
        code="I10",
        medicine="Amlodipine",
    )
    client.force_login(patient_login("9811100001"))
    page = client.get(reverse("records:my-records"), HTTP_ACCEPT_LANGUAGE="hi")
    text = page.content.decode()
    assert page.status_code == 200
    assert facility.name_hi in text and other_facility.name_hi in text
    assert "उच्च रक्तचाप" in text  # I10 in Hindi
    assert "मेरा स्वास्थ्य रिकॉर्ड" in text
    shown = AccessEvent.objects.filter(patient_id=mother.pk, resource_type="Encounter")
    assert shown.count() == 2 and set(shown.values_list("basis", flat=True)) == {AccessBasis.SELF}


def test_a_family_member_is_chosen_and_another_familys_visit_is_not_found(
    client, family, facility, doctor
):
    mother, son = family
    visit = make_visit(patient=son, facility=facility, practitioner=doctor, code="J06.9")
    stranger = make_patient(mobile="9811100077")
    theirs = make_visit(patient=stranger, facility=facility, practitioner=doctor)
    client.force_login(patient_login("9811100001"))
    first = client.get(reverse("records:my-records"))
    assert first.context["person"] == mother and first.context["timeline"].entries == []
    chosen = client.get(reverse("records:my-records"), {"p": son.uhid})
    assert [e.encounter for e in chosen.context["timeline"].entries] == [visit]
    page = client.get(reverse("records:my-visit", args=[visit.pk]), HTTP_ACCEPT_LANGUAGE="hi")
    text = page.content.decode()
    assert page.status_code == 200 and "बीपी 150/95" in text and "flag-high" in text
    assert "· ·" not in text  # readings that were not taken leave no gap
    assert client.get(reverse("records:my-visit", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("records:my-prescription-pdf", args=[theirs.pk])).status_code == 404


def test_the_prescription_pdf_is_in_the_patients_language(client, family, facility, doctor):
    from hims.scheduling.tests.test_slip import _consonants

    mother, _son = family
    visit = make_visit(patient=mother, facility=facility, practitioner=doctor)
    client.force_login(patient_login("9811100001"))
    pdf = client.get(reverse("records:my-prescription-pdf", args=[visit.pk]), {"lang": "hi"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Metformin" in text
    assert _consonants("सुनीता देवी") in _consonants(text)
    printed = AccessEvent.objects.get(patient_id=mother.pk, action="print")
    assert (printed.basis, printed.resource_type) == (AccessBasis.SELF, "MedicationRequest")


def test_the_patient_answers_a_request_from_the_consents_page(
    client, family, other_facility, other_facility_doctor
):
    mother, _son = family
    consent = services.consent_request(
        patient=mother,
        requester=other_facility_doctor,
        role=Role.DOCTOR,
        facility=other_facility,
        purpose="CAREMGT",
        hi_types=["OPConsultation", "Prescription"],
        records_from=date(2024, 1, 1),
        records_to=timezone.localdate(),
        valid_days=30,
        note="Second opinion on diabetes",
    )
    client.force_login(patient_login("9811100001"))
    page = client.get(reverse("records:my-consents"), HTTP_ACCEPT_LANGUAGE="hi")
    text = page.content.decode()
    assert "Charlie" in text and other_facility.name_hi in text
    assert "Second opinion on diabetes" in text
    # Nothing ticked: refused with a message, nothing granted.
    empty = client.post(
        reverse("records:my-consent-act", args=[consent.pk, "grant"]),
        {"records_from": "2024-01-01", "records_to": "2024-06-01", "until": "2099-01-01"},
        follow=True,
    )
    assert "Choose at least one kind of record" in empty.content.decode()
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.REQUESTED
    client.post(reverse("records:my-consent-act", args=[consent.pk, "deny"]))
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.DENIED
    # Another family's consent cannot be touched.
    other = make_patient(mobile="9811100066")
    theirs = Consent.objects.create(
        patient=other,
        facility=other_facility,
        requester=other_facility_doctor,
        purpose="CAREMGT",
        hi_types=["Prescription"],
        records_from=date(2024, 1, 1),
        records_to=date(2024, 2, 1),
        expires_at=timezone.now() + timezone.timedelta(days=1),
    )
    answer = client.post(reverse("records:my-consent-act", args=[theirs.pk, "grant"]))
    assert answer.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ConsentStatus.REQUESTED


def test_staff_cannot_open_the_patient_pages(client, doctor):
    client.force_login(doctor)
    assert client.get(reverse("records:my-records")).status_code == 403
