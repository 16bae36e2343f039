"""A doctor runs a consultation in Hindi on a phone-sized screen, in real Chromium."""

from __future__ import annotations

import pytest

from hims.accounts.tests.test_browser import hindi, shot
from hims.clinical.models import Diagnosis, Encounter
from hims.patients.tests.test_browser import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_doctor_records_vitals_a_diagnosis_and_a_medicine_in_hindi_and_closes_the_visit(
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
    diagnosis_search = phone_hi.get_by_role("search").filter(
        has_text=hindi("Find a diagnosis (code, English or Hindi)")
    )
    diagnosis_search.get_by_role("button").click()
    phone_hi.locator("form", has_text="I10").get_by_role("button", name=hindi("Add")).click()
    phone_hi.get_by_text(hindi("Diagnosis added.")).wait_for()
    phone_hi.get_by_label(hindi("Find a medicine (generic name, English or Hindi)")).fill("एम्लो")
    phone_hi.get_by_role("search").filter(
        has_text=hindi("Find a medicine (generic name, English or Hindi)")
    ).get_by_role("button").click()
    phone_hi.locator("form", has_text="Amlodipine").get_by_role(
        "button", name=hindi("Prescribe")
    ).click()
    phone_hi.get_by_text(hindi("Medicine added.")).wait_for()
    phone_hi.get_by_text("1 गोली दिन में दो बार खाने के बाद, 5 दिन तक").first.wait_for()
    assert phone_hi.evaluate("document.documentElement.scrollWidth") <= 360
    shot(phone_hi, "consultation-hi")
    phone_hi.get_by_role("button", name=hindi("Close the visit")).click()
    phone_hi.get_by_text(hindi("Visit closed.")).wait_for()
    encounter = Encounter.objects.get(token=called)
    assert encounter.is_closed
    assert Diagnosis.objects.get(encounter=encounter).code.code == "I10"
    assert encounter.prescription_items.get().medicine.salt == "Amlodipine"
