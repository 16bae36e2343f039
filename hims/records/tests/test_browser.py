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
