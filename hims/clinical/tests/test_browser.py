"""A doctor runs a consultation in Hindi on a phone-sized screen, in real Chromium."""

from __future__ import annotations

import pytest

from hims.accounts.tests.test_browser import hindi, shot
from hims.clinical.models import Diagnosis, Encounter
from hims.patients.tests.test_browser import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_doctor_records_vitals_and_a_hindi_found_diagnosis_and_closes_the_visit(
    phone_hi, live_server, doctor, called
):
    _sign_in(phone_hi, live_server, "bob")
    phone_hi.goto(f"{live_server.url}/opd/worklist/")
    phone_hi.get_by_role("button", name=hindi("Start the consultation")).click()
    phone_hi.get_by_role("heading", name="रमेश कुमार").wait_for()
    phone_hi.get_by_text(hindi("Record vitals")).click()
    phone_hi.get_by_label("बीपी ऊपर का (mmHg)").fill("158")
    phone_hi.get_by_label("बीपी नीचे का (mmHg)").fill("98")
    phone_hi.get_by_label("नब्ज़ (प्रति मिनट)").fill("84")
    phone_hi.get_by_role("button", name=hindi("Save vitals")).click()
    phone_hi.locator(".readings .flag-high").first.wait_for()
    phone_hi.get_by_label(hindi("Find a diagnosis (code, English or Hindi)")).fill("बीपी")
    phone_hi.get_by_role("button", name=hindi("Search")).click()
    phone_hi.locator("form", has_text="I10").get_by_role("button", name=hindi("Add")).click()
    phone_hi.get_by_text(hindi("Diagnosis added.")).wait_for()
    assert phone_hi.evaluate("document.documentElement.scrollWidth") <= 360
    shot(phone_hi, "consultation-hi")
    phone_hi.get_by_role("button", name=hindi("Close the visit")).click()
    phone_hi.get_by_text(hindi("Visit closed.")).wait_for()
    encounter = Encounter.objects.get(token=called)
    assert encounter.is_closed
    assert Diagnosis.objects.get(encounter=encounter).code.code == "I10"
