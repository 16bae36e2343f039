"""The printed prescription: a real PDF read back (Hindi included), and its QR code."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from hims.clinical import prescription as rx
from hims.clinical.models import Medicine
from hims.clinical.services import diagnosis_add, prescription_item_add
from hims.core.models import AccessEvent
from hims.scheduling.tests.test_slip import _consonants

pytestmark = pytest.mark.django_db


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "rx.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return " ".join(out.split())


def _prescribed(visit, doctor):  # type: ignore[no-untyped-def]
    diagnosis_add(encounter=visit, actor=doctor, code="I10")
    medicine = Medicine.objects.get(salt="Amlodipine")
    prescription_item_add(
        encounter=visit,
        actor=doctor,
        medicine_id=medicine.pk,
        dose="1",
        frequency="od",
        duration_days="30",
    )


def test_the_pdf_in_hindi_names_the_patient_medicine_and_directions(
    client, doctor, visit, tmp_path
):
    _prescribed(visit, doctor)
    client.force_login(doctor)
    response = client.get(reverse("visit:prescription-pdf", args=[visit.pk]))  # patient: hi
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content, tmp_path)
    assert "Amlodipine 5 mg" in text and visit.patient.uhid_display in text
    # Extractors misplace vowel signs (RECIPES.md): compare consonants of the Hindi.
    for words in ["दवाएँ", "दिन में एक बार", "30 दिन तक", "रमेश कुमार"]:
        assert _consonants(words) in _consonants(text), words
    english = _text(
        client.get(reverse("visit:prescription-pdf", args=[visit.pk]), {"lang": "en"}).content,
        tmp_path,
    )
    assert "1 tablet once a day after food, for 30 days" in english
    assert (
        AccessEvent.objects.filter(action="print", resource_type="MedicationRequest").count() == 2
    )


def test_the_qr_opens_a_page_that_says_only_that_it_is_genuine(client, doctor, visit, monkeypatch):
    _prescribed(visit, doctor)
    encoded: list[str] = []
    real = rx.slip_qr_data_uri

    def spy(url: str) -> str:
        encoded.append(url)
        return real(url)

    monkeypatch.setattr(rx, "slip_qr_data_uri", spy)
    rx.prescription_pdf(encounter=visit, language="en")
    (url,) = encoded
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)  # anyone, not signed in
    body = page.content.decode()
    assert page.status_code == 200 and "A genuine prescription" in body and "1 medicine" in body
    assert visit.patient.name not in body and "Amlodipine" not in body
    tampered = client.get("/" + path.replace(path.split("/")[2][-3:], "xyz"))
    assert tampered.status_code == 400


def test_only_staff_of_the_facility_print_it(client, doctor, visit, other_facility_doctor):
    client.force_login(other_facility_doctor)
    assert client.get(reverse("visit:prescription-pdf", args=[visit.pk])).status_code == 404
