from __future__ import annotations

import re
import subprocess
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import formats, timezone, translation

from hims.accounts.models import User
from hims.core.models import AccessEvent
from hims.network.tests.factories import RoomFactory
from hims.patients.tests.factories import abha, make_patient
from hims.scheduling import slip as slip_module
from hims.scheduling.models import QueueToken, ScheduleSession, Slot, SlotQuota
from hims.scheduling.queues import appointment_check_in
from hims.scheduling.services import appointment_book
from hims.scheduling.slip import (
    rupees,
    slip_data,
    slip_fee,
    slip_qr_data_uri,
    slip_qr_url,
    slip_sign,
    slip_unsign,
)

PUBLIC = "https://hims.example.in"


@pytest.fixture(autouse=True)
def _public_url(settings):  # type: ignore[no-untyped-def]
    settings.HIMS_PUBLIC_URL = PUBLIC + "/"


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _slot(department, *, days: int = 2, hour: int = 9, fee: str = "10", practitioner=None) -> Slot:  # type: ignore[no-untyped-def]
    day = timezone.localdate() + timedelta(days=days)
    session = ScheduleSession.objects.create(
        department=department, starts=time(9), ends=time(13), valid_from=day, fee=Decimal(fee)
    )
    start = _at(day, hour)
    slot = Slot.objects.create(
        facility=department.facility,
        department=department,
        practitioner=practitioner,
        starts_at=start,
        ends_at=start + timedelta(minutes=10),
        day=day,
        session=session,
    )
    for channel in ("online", "counter", "priority"):
        SlotQuota.objects.create(slot=slot, channel=channel, capacity=2)
    return slot


def _book(slot: Slot, *, channel: str = "online", **patient_fields):  # type: ignore[no-untyped-def]
    mobile = patient_fields.get("mobile", "9811100001")
    fields = {"abha_number": abha("91" + mobile[-6:]), **patient_fields}
    return appointment_book(
        slot=slot,
        patient=make_patient(**fields),
        channel=channel,
        notify=False,
        now=slot.starts_at - timedelta(hours=1),
    )


def _family_login(mobile: str = "9811100001", language: str = "") -> User:
    return User.objects.create(
        username=f"patient-{mobile}", kind="patient", mobile=mobile, preferred_language=language
    )


@pytest.fixture
def hindi_labels(monkeypatch):  # type: ignore[no-untyped-def]
    """The slip's labels in Hindi as the catalogue will have them (hims/locale is translated
    last), so the PDF's Devanagari is tested now: fonts, shaping and text extraction."""
    catalogue = translation.trans_real.translation("hi")
    original = catalogue.gettext
    labels = {"Token": "टोकन", "Name": "नाम", "Fee": "शुल्क"}
    monkeypatch.setattr(
        catalogue, "gettext", lambda message: labels.get(message) or original(message)
    )


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "slip.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return " ".join(text.split())  # layout spacing varies


def _pdf_pages(pdf: bytes, tmp_path: Path) -> tuple[int, float, float]:
    path = tmp_path / "size.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    pages = re.search(r"Pages:\s+(\d+)", info.stdout)
    found = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout)
    assert pages and found, info.stdout
    return int(pages[1]), float(found[1]), float(found[2])


# --- the signed QR link -------------------------------------------------------------------


def test_the_qr_code_encodes_the_public_url_with_the_signed_reference(department, monkeypatch):
    booking = _book(_slot(department))
    url = slip_qr_url(booking)
    assert url.startswith(PUBLIC + "/slip/v/") and url.endswith("/") and "//slip" not in url
    signed = url.removeprefix(PUBLIC + "/slip/v/").rstrip("/")
    assert slip_unsign(signed) == booking.reference

    encoded: list[str] = []
    real_make = slip_module.segno.make

    def spy(content, **kwargs):  # type: ignore[no-untyped-def]
        encoded.append(content)
        return real_make(content, **kwargs)

    monkeypatch.setattr(slip_module.segno, "make", spy)
    data = slip_data(appointment=booking)
    assert encoded == [url] and data.qr_url == url
    assert data.qr_data_uri.startswith("data:image/svg+xml")
    assert data.qr_data_uri == slip_qr_data_uri(url)


def test_a_signature_made_with_another_salt_or_changed_is_refused(department):
    booking = _book(_slot(department))
    signed = slip_sign(booking.reference)
    from django.core import signing

    other_salt = signing.Signer(salt="something-else").sign(booking.reference)
    for bad in [signed[:-1] + ("A" if signed[-1] != "A" else "B"), other_salt, "NOTSIGNED"]:
        with pytest.raises(slip_module.SlipSignatureInvalid):
            slip_unsign(bad)


def test_verify_with_a_tampered_signature_is_a_clear_400_page(client, department):
    booking = _book(_slot(department))
    signed = slip_sign(booking.reference)
    other = "B" if booking.reference[0] != "B" else "C"
    forged = other + signed[1:]  # another reference under the same signature
    for bad in [forged, signed[:-2] + "xx", "rubbish"]:
        response = client.get(f"/slip/v/{bad}/")
        assert response.status_code == 400
        assert "could not be verified" in response.content.decode()
    assert client.post(f"/slip/v/{forged}/").status_code == 400


# --- who may open a slip ------------------------------------------------------------------


def test_the_patient_opens_their_own_slip_and_the_view_is_logged_as_self(client, department):
    booking = _book(_slot(department))
    user = _family_login(booking.patient.mobile)
    client.force_login(user)
    page = client.get(f"/slip/{booking.reference}/").content.decode()
    patient = booking.patient
    assert booking.reference in page and patient.uhid_display in page
    assert patient.abha_masked in page and patient.abha_number not in page
    assert "Ramesh Kumar" in page and "रमेश कुमार" in page
    assert "Given on arrival" in page and "₹10" in page
    events = AccessEvent.objects.filter(patient_id=patient.pk)
    assert [(e.actor_id, e.basis, e.action, e.outcome) for e in events] == [
        (user.pk, "self", "read", "allowed")
    ]


def test_a_patient_cannot_open_another_familys_slip(client, department):
    booking = _book(_slot(department))
    client.force_login(_family_login("9811100009"))
    assert client.get(f"/slip/{booking.reference}/").status_code == 404
    assert client.get(f"/slip/{booking.reference}.pdf").status_code == 404
    assert not AccessEvent.objects.filter(patient_id=booking.patient_id, outcome="allowed")
    assert AccessEvent.objects.filter(patient_id=booking.patient_id, outcome="denied").count() == 2


def test_staff_of_another_facility_cannot_open_the_slip_nor_check_in(
    client, department, other_facility_doctor
):
    booking = _book(_slot(department, days=0, hour=23))
    client.force_login(other_facility_doctor)
    assert client.get(f"/slip/{booking.reference}/").status_code == 404
    verified = client.get(f"/slip/v/{slip_sign(booking.reference)}/")
    body = verified.content.decode()
    assert verified.status_code == 200 and f"Valid booking {booking.reference}" in body
    assert booking.patient.uhid_display not in body and "Ramesh" not in body
    assert client.post(f"/slip/v/{slip_sign(booking.reference)}/").status_code == 403
    assert not QueueToken.objects.exists()


def test_anyone_scanning_the_qr_learns_only_that_the_booking_is_valid(client, department):
    booking = _book(_slot(department))
    response = client.get(f"/slip/v/{slip_sign(booking.reference)}/")
    body = response.content.decode()
    assert response.status_code == 200 and f"Valid booking {booking.reference}" in body
    for personal in ["Ramesh", "रमेश", booking.patient.uhid_display, booking.patient.abha_masked]:
        assert personal not in body
    assert not AccessEvent.objects.exists()
    assert client.get(f"/slip/{booking.reference}/").status_code == 302  # to sign in


def test_each_view_by_staff_writes_one_access_log_entry(client, department, clerk):
    booking = _book(_slot(department))
    client.force_login(clerk)
    assert client.get(f"/slip/{booking.reference.lower()}/").status_code == 200
    assert client.get(f"/slip/{booking.reference}.pdf?size=a5").status_code == 200
    assert client.get(f"/slip/v/{slip_sign(booking.reference)}/").status_code == 200
    events = AccessEvent.objects.filter(patient_id=booking.patient_id).order_by("pk")
    assert [(e.actor_id, e.action, e.basis, e.facility_id) for e in events] == [
        (clerk.pk, "read", "administration", department.facility_id),
        (clerk.pk, "print", "administration", department.facility_id),
        (clerk.pk, "read", "administration", department.facility_id),
    ]


# --- checking in from the QR page ---------------------------------------------------------


def test_check_in_from_the_verify_page_issues_a_token(client, department, clerk):
    booking = _book(_slot(department, days=0, hour=23))
    url = f"/slip/v/{slip_sign(booking.reference)}/"
    client.force_login(clerk)
    before = client.get(url).content.decode()
    assert "Ramesh Kumar" in before and ">Check in</button>" in before
    response = client.post(url)
    body = response.content.decode()
    token = QueueToken.objects.get(appointment=booking)
    assert response.status_code == 200 and token.label == "B-001"
    assert "Checked in. Token B-001." in body and ">Check in</button>" not in body
    assert token.issued_by == clerk
    booking.refresh_from_db()
    assert booking.status == "arrived"
    assert AccessEvent.objects.filter(patient_id=booking.patient_id, action="update").count() == 1
    # A second scan answers with the same token; the slip now shows it.
    assert client.post(url).status_code == 200 and QueueToken.objects.count() == 1
    assert "B-001" in client.get(f"/slip/{booking.reference}/").content.decode()


def test_checking_in_a_booking_for_another_day_is_refused_with_the_reason(
    client, department, clerk
):
    booking = _book(_slot(department, days=2))
    client.force_login(clerk)
    response = client.post(f"/slip/v/{slip_sign(booking.reference)}/")
    assert response.status_code == 409
    assert "check in on the day of the visit" in response.content.decode()
    assert not QueueToken.objects.exists()


# --- what the slip shows ------------------------------------------------------------------


def test_fees_are_in_rupees_with_indian_grouping():
    assert rupees(Decimal("10.00")) == "₹10"
    assert rupees(Decimal("123456.5")) == "₹1,23,456.50"
    assert rupees(Decimal(0)) == "₹0"


def test_senior_citizens_children_under_five_and_priority_places_pay_nothing(department):
    slot = _slot(department, fee="25")
    today = timezone.localdate()
    adult = _book(slot, mobile="9811100001")
    senior = _book(slot, mobile="9811100002", birth_date=today.replace(year=today.year - 61))
    child = _book(
        slot, channel="counter", mobile="9811100003", birth_date=today - timedelta(days=400)
    )
    priority = _book(slot, channel="priority", mobile="9811100004")
    assert (slip_fee(adult).display, slip_fee(adult).exempt) == ("₹25", False)
    for booking, reason in [
        (senior, "Senior citizen"),
        (child, "Child under 5"),
        (priority, "Priority place"),
    ]:
        fee = slip_fee(booking)
        assert fee.display == "₹0" and fee.exempt and fee.exempt_reason.startswith(reason)
    assert slip_data(appointment=child).age == "1 year"


def test_the_room_is_the_called_tokens_else_the_departments_else_blank(department, clerk):
    booking = _book(_slot(department, days=0, hour=23))
    assert slip_data(appointment=booking).room == ""
    RoomFactory(facility=department.facility, department=department, code="12", name="OPD 12")
    assert slip_data(appointment=booking).room == "12 · OPD 12"
    token = appointment_check_in(appointment=booking, actor=clerk)
    called = RoomFactory(facility=department.facility, code="7", name="Room 7", floor="1")
    QueueToken.objects.filter(pk=token.pk).update(room=called, called_at=timezone.now())
    data = slip_data(appointment=booking)
    assert data.room == "7 · Room 7 · floor 1" and data.token == "B-001"


def test_in_hindi_the_slip_page_shows_hindi_month_names(client, department):
    booking = _book(_slot(department, days=3))
    client.force_login(_family_login(booking.patient.mobile, language="hi"))
    page = client.get(f"/slip/{booking.reference}/").content.decode()
    with translation.override("hi"):
        month = formats.date_format(timezone.localtime(booking.slot.starts_at), "F")
    assert re.search("[\u0900-\u097f]", month) and month in page
    hour = timezone.localtime(booking.slot.starts_at).strftime("%H:%M")
    assert hour in page  # 24-hour times in Hindi


# --- the PDF ------------------------------------------------------------------------------


def _consonants(text: str) -> str:
    """Devanagari without vowel signs, virama and spaces (what survives PDF text extraction)."""
    return re.sub(r"[\u0900-\u0903\u093a-\u094f\u0962\u0963\s]", "", text)


def test_the_pdf_in_hindi_carries_the_reference_uhid_masked_abha_and_hindi_text(
    client, department, hindi_labels, tmp_path
):
    booking = _book(_slot(department))
    client.force_login(_family_login(booking.patient.mobile, language="hi"))
    response = client.get(f"/slip/{booking.reference}.pdf?size=thermal")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'inline; filename="opd-slip-{booking.reference}-thermal.pdf"'
    )
    text = _pdf_text(response.content, tmp_path)
    patient = booking.patient
    # On the narrow thermal page pdftotext sometimes splits a letter run ("4D6ZA JY4").
    assert booking.reference in "".join(text.split()) and patient.uhid_display in text
    assert patient.abha_masked in text and patient.abha_number not in text
    for word in ["टोकन", "नाम", "शुल्क", "₹10"]:
        assert word in text, word
    # Extractors misplace vowel signs (RECIPES.md): compare the name's consonants only.
    assert _consonants(patient.name_hi) in _consonants(text)
    assert AccessEvent.objects.filter(patient_id=patient.pk, action="print", basis="self").exists()


@pytest.mark.parametrize(
    ("size", "width", "height"),
    [("a4", 595.28, 841.89), ("a5", 419.53, 595.28), ("thermal", 226.77, None)],
)
def test_each_paper_size_gives_its_page_size_on_one_page(
    client, department, clerk, tmp_path, size, width, height
):
    booking = _book(_slot(department))
    client.force_login(clerk)
    response = client.get(f"/slip/{booking.reference}.pdf?size={size}&download=1")
    assert response["Content-Disposition"].startswith("attachment;")
    pages, got_width, got_height = _pdf_pages(response.content, tmp_path)
    assert pages == 1 and abs(got_width - width) < 1
    if height is not None:
        assert abs(got_height - height) < 1
