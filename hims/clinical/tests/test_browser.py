"""A doctor runs a consultation in Hindi on a phone-sized screen, in real Chromium."""

from __future__ import annotations

import subprocess

import pytest

from hims.accounts.tests.test_browser import hindi, shot
from hims.clinical.models import Diagnosis, Encounter
from hims.patients.tests.test_browser import _sign_in
from hims.scheduling.tests.test_slip import _consonants

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
    # Print it: the link on the closed visit gives the A5 PDF in the patient's Hindi.
    link = phone_hi.get_by_role("link", name=hindi("Print the prescription"))
    pdf = phone_hi.request.get(live_server.url + link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.body(), capture_output=True, check=True
    ).stdout.decode()
    assert "Amlodipine" in text and _consonants("रमेश कुमार") in _consonants(text)


def test_the_doctor_books_a_follow_up_on_a_phone_in_hindi(
    phone_hi, live_server, doctor, visit, department
):
    from hims.clinical.models import Referral
    from hims.scheduling.models import SlotQuota
    from hims.scheduling.tests.factories import at, make_slot

    slot = make_slot(department, starts_at=at(7, 10))
    SlotQuota.objects.create(slot=slot, channel="follow_up", capacity=2)
    _sign_in(phone_hi, live_server, "bob")
    phone_hi.goto(f"{live_server.url}/opd/visit/{visit.pk}/")
    phone_hi.get_by_text(hindi("Book a follow-up in this OPD")).click()
    phone_hi.locator("#fu").fill(slot.day.isoformat())
    phone_hi.locator("#send-on form[method=get]").first.get_by_role(
        "button", name=hindi("Show free times")
    ).click()
    phone_hi.locator("input[name=slot]").first.check()
    phone_hi.get_by_role("button", name=hindi("Book the follow-up")).click()
    referral = None
    for _ in range(50):
        referral = Referral.objects.select_related("appointment").first()
        if referral is not None:
            break
        phone_hi.wait_for_timeout(100)
    assert referral is not None and referral.appointment is not None
    phone_hi.get_by_text(referral.appointment.reference).first.wait_for()
    assert phone_hi.evaluate("document.documentElement.scrollWidth") <= 360
    shot(phone_hi, "follow-up-hi")
