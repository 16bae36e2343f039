"""A clerk at the counter and a patient at home, in real Chromium at phone size."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from hims.accounts.tests.factories import PASSWORD
from hims.accounts.tests.test_browser import hindi, shot
from hims.patients.models import Patient
from hims.patients.tests.factories import make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.card button[type=submit]").click()


def test_clerk_finds_a_patient_by_a_misspelt_hindi_or_english_name(phone, live_server, clerk):
    make_patient(name="Ramesh Kumar", name_hi="रमेश कुमार", mobile="9811123456")
    make_patient(name="Suresh Verma", name_hi="", mobile="9811100099")
    _sign_in(phone, live_server, "alice")
    phone.get_by_role("link", name="Register or find a patient").click()
    for query in ("Ramesh Kumaar", "रमेश कुमार"):
        phone.get_by_label("UHID, ABHA, mobile or name").fill(query)
        phone.get_by_role("button", name="Search").click()
        results = phone.locator("#results")
        results.get_by_text("Ramesh Kumar").first.wait_for()
        assert "Suresh Verma" not in results.inner_text()
        assert "******3456" in results.inner_text()
    shot(phone, "clerk-search")
    phone.locator("#results a.result").first.click()
    assert phone.get_by_role("heading", level=1).inner_text().startswith("Ramesh Kumar")


def test_clerk_sees_the_duplicate_warning_then_registers_a_new_patient(phone, live_server, clerk):
    existing = make_patient(
        name="Sunita Devi",
        name_hi="सुनीता देवी",
        gender="female",
        birth_date=date(1985, 3, 12),
        mobile="9811100002",
    )
    _sign_in(phone, live_server, "alice")
    phone.goto(f"{live_server.url}/patients/register/")
    phone.get_by_label("Full name").fill("Suneeta Devi")
    phone.get_by_label("Gender").select_option("female")
    phone.get_by_label("Date of birth").fill("1985-03-12")
    phone.get_by_label("Mobile number").fill("9811100002")
    phone.get_by_label("Mobile number").blur()
    warning = phone.locator("#candidates")
    warning.get_by_text(
        "same mobile number", exact=False
    ).wait_for()  # appeared while typing, before submitting
    assert existing.uhid_display in warning.inner_text()
    phone.get_by_role("button", name="Register").click()
    assert Patient.objects.count() == 1  # not registered: the warning stands
    phone.get_by_label(
        "I have checked: none of these is this person. Register a new record."
    ).check()
    shot(phone, "clerk-duplicate-warning")
    phone.get_by_role("button", name="Register").click()
    phone.get_by_role("status").get_by_text("Registered").wait_for()
    assert Patient.objects.count() == 2
    uhid = re.search(r"DL-\d{4}-\d{4}-\d{2}", phone.get_by_role("status").inner_text())
    assert uhid is not None


def test_a_patient_registers_themself_on_a_phone_in_hindi(phone_hi, live_server, sms_file):
    phone_hi.goto(f"{live_server.url}/accounts/patient/login/")
    phone_hi.get_by_label(hindi("Mobile number")).fill("9811100044")
    phone_hi.get_by_role("button", name=hindi("Send code")).click()
    body = json.loads(Path(sms_file).read_text(encoding="utf-8").splitlines()[-1])["body"]
    phone_hi.get_by_label(hindi("Code from SMS")).fill(re.search(r"\b(\d{6})\b", body).group(1))  # type: ignore[union-attr]
    phone_hi.get_by_role("button", name=hindi("Sign in")).click()
    phone_hi.get_by_role("link", name=hindi("Register yourself or a family member")).click()
    phone_hi.get_by_label(hindi("Full name")).fill("Kavita Sharma")
    phone_hi.get_by_label(hindi("Name in Hindi (optional)")).fill("कविता शर्मा")
    phone_hi.get_by_label(hindi("Gender")).select_option("female")
    phone_hi.get_by_label(hindi("Or age in years")).fill("34")
    phone_hi.get_by_label(hindi("PIN code")).fill("110092")
    shot(phone_hi, "patient-self-register-hi")
    phone_hi.get_by_role("button", name=hindi("Register")).click()
    phone_hi.get_by_text("कविता शर्मा").wait_for()
    patient = Patient.objects.get()
    assert (
        patient.mobile == "9811100044"
        and patient.registration_channel == "online"
        and patient.birth_date_is_estimated
    )
    assert phone_hi.evaluate("document.documentElement.scrollWidth") <= 360
    shot(phone_hi, "patient-home-after-register-hi")
