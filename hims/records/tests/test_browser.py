"""A doctor opens a record; the patient sees it on a phone in Hindi (real Chromium)."""

from __future__ import annotations

import pytest

from hims.accounts.tests.test_browser import hindi, shot
from hims.patients.tests.factories import make_patient
from hims.patients.tests.test_browser import _sign_in
from hims.scheduling.tests.test_browser import _otp_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_patient_sees_on_a_phone_in_hindi_that_the_doctor_opened_the_record(
    browser, phone, phone_hi, live_server, sms_file, doctor, facility
):
    patient = make_patient(name="Kavita Sharma", name_hi="कविता शर्मा", mobile="9811100055")
    _sign_in(phone, live_server, "bob")
    phone.goto(f"{live_server.url}/patients/{patient.uhid}/")
    phone.get_by_text("Kavita Sharma").first.wait_for()

    phone_hi.goto(f"{live_server.url}/records/my/access/")
    _otp_sign_in(phone_hi, sms_file, "9811100055")
    phone_hi.get_by_role("heading", name=hindi("Who viewed my record")).wait_for()
    entry = phone_hi.locator(".card", has_text="Bob").first
    entry.wait_for()
    assert facility.name_hi in entry.inner_text()
    assert hindi("Registration details") in entry.inner_text()
    assert hindi("Doctor") in entry.inner_text()  # the role they acted in
    assert phone_hi.evaluate("document.documentElement.scrollWidth") <= 360
    shot(phone_hi, "who-viewed-hi")


def test_a_doctor_breaks_the_glass_and_the_patient_sees_the_visit_and_the_entry_in_hindi(
    browser, desktop, phone_hi, live_server, sms_file, doctor, facility, other_facility_doctor
):
    from hims.records.tests.factories import make_visit

    patient = make_patient(name="Kavita Sharma", name_hi="कविता शर्मा", mobile="9811100055")
    make_visit(patient=patient, facility=facility, practitioner=doctor, code="I10")

    # Charlie, at another hospital, has no basis: refused, then opens it in an emergency.
    _sign_in(desktop, live_server, "charlie")
    desktop.goto(f"{live_server.url}/records/patient/{patient.uhid}/")
    desktop.get_by_text("You have no access").wait_for()
    reason = "Brought in unconscious after a fall, no relative present"
    desktop.locator("textarea[name=reason]").fill(reason)
    desktop.get_by_role("button", name="Open in an emergency").click()
    desktop.get_by_role("heading", name="Visits at every facility").wait_for()
    assert "I10" in desktop.locator(".timeline-entry").first.inner_text()

    # The patient, on a phone in Hindi: the visit, then who opened the record and why.
    phone_hi.goto(f"{live_server.url}/records/my/")
    _otp_sign_in(phone_hi, sms_file, "9811100055")
    phone_hi.get_by_role("heading", name=hindi("My health record")).wait_for()
    visit = phone_hi.locator(".timeline-entry").first
    assert facility.name_hi in visit.inner_text()
    assert "उच्च रक्तचाप" in visit.inner_text()
    assert phone_hi.evaluate("document.documentElement.scrollWidth") <= 360
    shot(phone_hi, "my-record-hi")
    phone_hi.get_by_role("link", name=hindi("Who viewed my record")).first.click()
    entry = phone_hi.locator(".card", has_text=reason).first
    entry.wait_for()
    assert "Charlie" in entry.inner_text()
    shot(phone_hi, "who-viewed-emergency-hi")
