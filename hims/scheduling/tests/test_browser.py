"""A booking on a phone in Hindi, check-in at the counter, the doctor's call and the board, in
real Chromium."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from hims.accounts.tests.test_browser import hindi, shot
from hims.network.models import Room
from hims.network.specialities import speciality_list_ensure
from hims.patients.tests.factories import make_patient
from hims.patients.tests.test_browser import _sign_in
from hims.scheduling.models import Appointment, QueueToken
from hims.scheduling.tests.factories import make_slot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _otp_sign_in(page, sms_file: Path, mobile: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label(hindi("Mobile number")).fill(mobile)
    page.get_by_role("button", name=hindi("Send code")).click()
    body = json.loads(sms_file.read_text(encoding="utf-8").splitlines()[-1])["body"]
    page.get_by_label(hindi("Code from SMS")).fill(re.search(r"\b(\d{6})\b", body).group(1))  # type: ignore[union-attr]
    page.get_by_role("button", name=hindi("Sign in")).click()


def test_a_patient_books_in_hindi_is_checked_in_called_and_the_board_updates_live(
    browser, phone_hi, live_server, sms_file, daytime, department, clerk, doctor, settings
):
    # Streams end soon (the board reconnects by itself), so none outlives the test's server.
    settings.HIMS_SSE_MAX_SECONDS = 3
    speciality_list_ensure()
    Room.objects.create(
        facility=department.facility,
        department=department,
        code="12",
        kind="consultation",
        name="OPD 12",
    )
    patient = make_patient(
        name="Kavita Sharma", name_hi="कविता शर्मा", mobile="9811100044", gender="female"
    )
    slot = make_slot(department, starts_at=timezone.now() + timedelta(hours=2), online=1)

    # The patient: facility -> department -> time -> sign in -> book, on a phone, in Hindi.
    phone_hi.goto(f"{live_server.url}/book/")
    phone_hi.get_by_role("link", name=re.compile(department.facility.name_hi)).click()
    phone_hi.locator(f'a[href="/book/department/{department.pk}/"]').click()
    phone_hi.locator(f'a[href="/book/slot/{slot.pk}/"]').click()
    _otp_sign_in(phone_hi, sms_file, "9811100044")
    phone_hi.get_by_text("कविता शर्मा").wait_for()
    shot(phone_hi, "booking-confirm-hi")
    phone_hi.get_by_role("button", name=hindi("Book")).click()
    booking = Appointment.objects.get(patient=patient)
    phone_hi.get_by_role("heading", name=re.compile(booking.reference)).wait_for()
    assert phone_hi.evaluate("document.documentElement.scrollWidth") <= 360
    shot(phone_hi, "booking-done-hi")
    with phone_hi.expect_download() as download:
        phone_hi.get_by_role("link", name=hindi("Download slip (PDF)")).click()
    assert download.value.suggested_filename.endswith(".pdf")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")

    # The TV board, open before anything is called.
    contexts = [browser.new_context(viewport={"width": 1280, "height": 800}) for _ in range(3)]
    tv, counter, desk = (context.new_page() for context in contexts)
    tv.goto(f"{live_server.url}/opd/board/{department.pk}/")
    tv.evaluate("window.__not_reloaded = true")

    # The clerk checks the patient in by the booking reference.
    _sign_in(counter, live_server, "alice")
    counter.goto(f"{live_server.url}/opd/counter/")
    counter.get_by_label("Booking reference").fill(booking.reference)
    counter.get_by_role("button", name="Check in").first.click()
    counter.locator(".token-big").get_by_text("B-001").wait_for()
    tv.locator("[data-next='B-001']").wait_for()  # the board shows it waiting, pushed

    # The doctor calls the next token; the board shows it in room 12 without a reload.
    _sign_in(desk, live_server, "bob")
    desk.goto(f"{live_server.url}/opd/worklist/")
    desk.get_by_role("button", name="Call next").click()
    desk.locator(".token-big").get_by_text("B-001").wait_for()
    tv.locator("[data-token='B-001']").wait_for(timeout=3000)
    assert tv.evaluate("window.__not_reloaded") is True
    assert "12" in tv.locator("[data-token='B-001']").inner_text()
    shot(tv, "queue-board")
    assert QueueToken.objects.get(appointment=booking).status == "called"

    # The patient's own page says where to go.
    phone_hi.reload()
    phone_hi.get_by_text(re.compile("12")).first.wait_for()
    shot(phone_hi, "patient-called-hi")
    phone_hi.goto("about:blank")  # end the patient's stream too
    for context in contexts:
        context.close()
