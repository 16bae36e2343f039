"""The consultation page's immunization and pregnancy section."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hims.clinical.models import Encounter
from hims.core.models import AccessEvent
from hims.patients.tests.factories import make_patient
from hims.primarycare.models import Immunization, Pregnancy
from hims.primarycare.tests.conftest import child, woman

pytestmark = pytest.mark.django_db


def _visit(patient, doctor, department):  # type: ignore[no-untyped-def]
    return Encounter.objects.create(
        patient=patient, facility=department.facility, department=department, practitioner=doctor
    )


def _act(visit, action):  # type: ignore[no-untyped-def]
    return reverse("visit:act", args=[visit.pk, action])


def _dose_id(code):  # type: ignore[no-untyped-def]
    from hims.primarycare.tests.conftest import dose

    return dose(code).pk


def test_the_page_shows_what_is_due_and_a_nurse_records_a_dose(client, doctor, nurse, department):
    baby = child(49, today=timezone.localdate())
    visit = _visit(baby, doctor, department)
    client.force_login(nurse)
    page = client.get(reverse("visit:detail", args=[visit.pk])).content.decode()
    assert "Immunization and pregnancy" in page and "Due now" in page
    assert "Due now or overdue" in page  # the chooser puts what is owed first
    assert page.index("Pentavalent, dose 1") < page.index("Pentavalent, dose 2")
    answer = client.post(
        _act(visit, "immunization"),
        {
            "vaccine_dose": _dose_id("penta-1"),
            "given_on": timezone.localdate().isoformat(),
            "batch_number": "PV-118",
        },
    )
    assert answer.status_code == 302
    given = Immunization.objects.get(patient=baby)
    assert given.encounter == visit and given.given_by == nurse and given.facility == visit.facility
    page = client.get(reverse("visit:detail", args=[visit.pk])).content.decode()
    assert "1 dose given" in page
    assert AccessEvent.objects.filter(
        resource_type="Immunization", resource_id=str(given.pk), action="read", actor=nurse
    ).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"vaccine_dose": "penta-1", "given_on": "today", "batch_number": "B"},  # not ids/dates
        {"vaccine_dose": "999999", "given_on": "", "batch_number": "B"},
        {"vaccine_dose": "PENTA", "given_on": "2026-02-30", "batch_number": ""},
        {"given_on": "2999-01-01", "batch_number": "B"},
    ],
)
def test_bad_input_shows_an_error_and_writes_nothing(client, doctor, department, data):
    visit = _visit(child(49, today=timezone.localdate()), doctor, department)
    client.force_login(doctor)
    answer = client.post(_act(visit, "immunization"), data)
    assert answer.status_code == 200
    assert "Check the dose, the day it was given and the batch number." in answer.content.decode()
    assert not Immunization.objects.exists()


def test_a_refusal_by_the_rules_is_shown_in_hindi_and_writes_nothing(client, doctor, department):
    toddler = child(400, today=timezone.localdate())
    visit = _visit(toddler, doctor, department)
    client.force_login(doctor)
    answer = client.post(
        _act(visit, "immunization"),
        {
            "vaccine_dose": _dose_id("penta-1"),
            "given_on": timezone.localdate().isoformat(),
            "batch_number": "B",
        },
        HTTP_ACCEPT_LANGUAGE="hi",
    )
    text = answer.content.decode()
    assert answer.status_code == 200 and '<li class="error"' in text
    assert "पेंटावैलेंट, खुराक 1" in text  # the dose named in Hindi, from the schedule table
    assert not Immunization.objects.exists()


def test_another_facilitys_staff_cannot_record_or_register(
    client, doctor, department, other_facility_doctor
):
    mother = woman()
    visit = _visit(mother, doctor, department)
    client.force_login(other_facility_doctor)
    assert (
        client.post(_act(visit, "pregnancy"), {"lmp": timezone.localdate().isoformat()}).status_code
        == 404
    )
    assert (
        client.post(_act(visit, "immunization"), {"vaccine_dose": _dose_id("td-pw-1")}).status_code
        == 404
    )
    assert not Pregnancy.objects.exists() and not Immunization.objects.exists()


def test_a_clerk_cannot_record_a_dose(client, clerk, doctor, department):
    visit = _visit(child(49, today=timezone.localdate()), doctor, department)
    client.force_login(clerk)
    answer = client.post(
        _act(visit, "immunization"),
        {"vaccine_dose": _dose_id("bcg"), "given_on": "2026-01-01", "batch_number": "B"},
    )
    assert answer.status_code == 403 and not Immunization.objects.exists()


def test_the_doctor_registers_a_pregnancy_and_records_its_end(client, doctor, department):
    mother = woman()
    visit = _visit(mother, doctor, department)
    client.force_login(doctor)
    page = client.get(reverse("visit:detail", args=[visit.pk])).content.decode()
    assert "Register a pregnancy" in page
    lmp = timezone.localdate() - timedelta(days=70)
    assert client.post(_act(visit, "pregnancy"), {"lmp": lmp.isoformat()}).status_code == 302
    pregnancy = Pregnancy.objects.get(patient=mother)
    assert pregnancy.edd == lmp + timedelta(days=280) and pregnancy.encounter == visit
    page = client.get(reverse("visit:detail", args=[visit.pk])).content.decode()
    assert "10 weeks 0 days" in page and "Td (tetanus and adult diphtheria)" in page
    again = client.post(_act(visit, "pregnancy"), {"lmp": lmp.isoformat()})
    assert again.status_code == 200 and "already has an ongoing pregnancy" in again.content.decode()
    assert Pregnancy.objects.count() == 1
    ended = client.post(
        _act(visit, "pregnancy-end"),
        {"ended_on": timezone.localdate().isoformat(), "outcome": "miscarriage"},
    )
    assert ended.status_code == 302
    assert Pregnancy.objects.get().outcome == "miscarriage"


def test_a_man_gets_no_pregnancy_form_and_a_posted_one_is_refused(client, doctor, department):
    visit = _visit(make_patient(), doctor, department)
    client.force_login(doctor)
    page = client.get(reverse("visit:detail", args=[visit.pk])).content.decode()
    assert "Register a pregnancy" not in page and "Immunization and pregnancy" not in page
    answer = client.post(_act(visit, "pregnancy"), {"lmp": timezone.localdate().isoformat()})
    assert answer.status_code == 200 and "only for a female patient" in answer.content.decode()
    assert not Pregnancy.objects.exists()
