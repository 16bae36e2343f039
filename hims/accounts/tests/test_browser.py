"""A new user's first minutes, in real Chromium at phone size: staff and patients, English and Hindi."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

from hims.accounts.models import User
from hims.accounts.tests.factories import PASSWORD
from hims.patients.services import patient_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
MOBILE = "9876512345"


def hindi(text: str) -> str:
    """The Hindi catalogue's translation; fails if the string is not translated."""
    with translation.override("hi"):
        translated = gettext(text)
    assert translated != text, f"not translated into Hindi: {text!r}"
    return translated


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _staff_sign_in(
    page, live_server, *, username: str, sign_in: str, username_label: str, password_label: str
):  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label(username_label).fill(username)
    page.get_by_label(password_label).fill(PASSWORD)
    page.get_by_role("button", name=sign_in, exact=True).click()


def test_clerk_signs_in_on_a_phone_in_english_and_sees_the_clerk_home(
    phone, live_server, clerk, department
):
    _staff_sign_in(
        phone,
        live_server,
        username="alice",
        sign_in="Sign in",
        username_label="Username",
        password_label="Password",
    )
    heading = phone.get_by_role("heading", level=1)
    assert heading.inner_text() == "Registration clerk · Lok Nayak Hospital"
    assert phone.get_by_text("Register or find a patient").is_visible()
    assert phone.get_by_role("cell", name="General Medicine").is_visible()
    # The vendored stylesheet loaded (no CDN), and nothing overflows the 360 px screen.
    header_colour = "getComputedStyle(document.querySelector('header.top')).backgroundColor"
    assert phone.evaluate(header_colour) == "rgb(11, 83, 148)"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    shot(phone, "clerk-home-en")


def test_clerk_signs_in_on_a_phone_in_hindi(phone_hi, live_server, clerk):
    phone_hi.goto(f"{live_server.url}/accounts/login/")
    assert phone_hi.locator("html").get_attribute("lang") == "hi"
    _staff_sign_in(
        phone_hi,
        live_server,
        username="alice",
        sign_in=hindi("Sign in"),
        username_label=hindi("Username"),
        password_label=hindi("Password"),
    )
    heading = phone_hi.get_by_role("heading", level=1).inner_text()
    assert heading == f"{hindi('Registration clerk')} · लोक नायक अस्पताल"
    shot(phone_hi, "clerk-home-hi")


def test_wrong_password_shows_a_translated_error_and_no_session(phone_hi, live_server, clerk):
    phone_hi.goto(f"{live_server.url}/accounts/login/")
    phone_hi.get_by_label(hindi("Username")).fill("alice")
    phone_hi.get_by_label(hindi("Password")).fill("wrong-password")
    phone_hi.get_by_role("button", name=hindi("Sign in"), exact=True).click()
    assert phone_hi.get_by_role("alert").inner_text().strip() == hindi(
        "The username or password is wrong. Both are case-sensitive."
    )
    assert phone_hi.url.endswith("/accounts/login/")


def _read_code(sms_file: Path) -> str:
    body = json.loads(sms_file.read_text(encoding="utf-8").splitlines()[-1])["body"]
    match = re.search(r"\b(\d{6})\b", body)
    assert match, body
    return match.group(1)


def test_patient_signs_in_with_mobile_otp_in_english(phone, live_server, sms_file, facility):
    patient_create(
        name="Sunita Devi",
        name_hi="सुनीता देवी",
        gender="female",
        birth_date="1988-04-02",
        mobile=MOBILE,
    )
    phone.goto(f"{live_server.url}/")
    phone.get_by_role("link", name="I am a patient").click()
    phone.get_by_label("Mobile number").fill(f"+91 {MOBILE}")
    phone.get_by_role("button", name="Send code").click()
    assert phone.get_by_text("******2345").is_visible()
    phone.get_by_label("Code from SMS").fill(_read_code(sms_file))
    phone.get_by_role("button", name="Sign in").click()
    assert phone.get_by_role("heading", level=1).inner_text() == "My health"
    assert phone.get_by_text("Sunita Devi").is_visible()
    shot(phone, "patient-home-en")


def test_patient_signs_in_in_hindi_and_the_language_choice_is_remembered(
    phone_hi, live_server, sms_file, facility
):
    patient_create(
        name="Sunita Devi",
        name_hi="सुनीता देवी",
        gender="female",
        birth_date="1988-04-02",
        mobile=MOBILE,
    )
    phone_hi.goto(f"{live_server.url}/accounts/patient/login/")
    phone_hi.get_by_label(hindi("Mobile number")).fill(MOBILE)
    phone_hi.get_by_role("button", name=hindi("Send code")).click()
    phone_hi.get_by_label(hindi("Code from SMS")).fill(_read_code(sms_file))
    phone_hi.get_by_role("button", name=hindi("Sign in")).click()
    assert phone_hi.get_by_role("heading", level=1).inner_text() == hindi("My health")
    assert phone_hi.get_by_text("सुनीता देवी").is_visible()
    shot(phone_hi, "patient-home-hi")
    assert User.objects.get(mobile=MOBILE).preferred_language == "hi"
    phone_hi.get_by_role("button", name="English").click()
    assert phone_hi.get_by_role("heading", level=1).inner_text() == "My health"
    assert User.objects.get(mobile=MOBILE).preferred_language == "en"


def test_a_mistyped_mobile_gets_a_hindi_error_and_no_sms(phone_hi, live_server, sms_file, db):
    phone_hi.goto(f"{live_server.url}/accounts/patient/login/")
    phone_hi.get_by_label(hindi("Mobile number")).fill("12345")
    phone_hi.get_by_role("button", name=hindi("Send code")).click()
    expected = hindi("Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9.")
    assert phone_hi.get_by_text(expected).is_visible()
    assert not sms_file.exists()


def test_clerk_cannot_see_another_facilitys_data(phone, live_server, clerk, other_facility):
    _staff_sign_in(
        phone,
        live_server,
        username="alice",
        sign_in="Sign in",
        username_label="Username",
        password_label="Password",
    )
    assert "Guru Teg Bahadur" not in phone.content()
    own = phone.request.get(f"{live_server.url}/api/v1/facilities")
    assert [row["code"] for row in own.json()["items"]] == ["lnjp"]
    other = phone.request.get(f"{live_server.url}/api/v1/facilities/{other_facility.pk}")
    assert other.status == 404
    admin = phone.request.get(
        f"{live_server.url}/admin/network/facility/{other_facility.pk}/change/"
    )
    assert "Guru Teg Bahadur" not in admin.text()


def test_facility_admin_on_a_desktop_administers_only_their_facility(
    desktop, live_server, facility_admin, other_facility
):
    _staff_sign_in(
        desktop,
        live_server,
        username="dinesh",
        sign_in="Sign in",
        username_label="Username",
        password_label="Password",
    )
    desktop.get_by_role("link", name="Administer this facility").click()
    desktop.goto(f"{live_server.url}/admin/network/facility/")
    assert desktop.get_by_role("link", name="Lok Nayak Hospital").is_visible()
    assert desktop.get_by_text("Guru Teg Bahadur").count() == 0
    shot(desktop, "facility-admin-desktop")
