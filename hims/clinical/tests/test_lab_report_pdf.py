"""The printed lab report: a real PDF read back, in English and Hindi, with values, units,
ranges, flags, corrections and the sign-off."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from hims.clinical.lab import (
    lab_order_place,
    lab_report_sign,
    lab_result_amend,
    lab_results_enter,
    lab_sample_collect,
)
from hims.clinical.lab_report import lab_report_pdf
from hims.clinical.tests.conftest import CBC_NORMAL
from hims.core.errors import Conflict
from hims.core.models import AccessEvent
from hims.scheduling.tests.test_slip import _consonants, _pdf_pages

pytestmark = pytest.mark.django_db


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return " ".join(out.split())


def _signed(visit, doctor, lab_technician):  # type: ignore[no-untyped-def]
    (order,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=["CBC"])
    lab_sample_collect(order=order, actor=lab_technician)
    lab_results_enter(order=order, actor=lab_technician, values=CBC_NORMAL | {"HB": "11.1"})
    return lab_report_sign(order=order, actor=lab_technician)


def test_the_report_in_english_has_values_units_ranges_flags_and_the_sign_off(
    visit, doctor, lab_technician, tmp_path
):
    order = _signed(visit, doctor, lab_technician)
    lab_result_amend(
        order=order, actor=lab_technician, parameter_code="PLT", value="95", reason="Rerun"
    )
    pdf = lab_report_pdf(order, "en")
    assert pdf.startswith(b"%PDF")
    text = _text(pdf, tmp_path)
    assert "Laboratory report" in text and "Complete blood count (CBC)" in text
    assert "Haemoglobin 11.1 L (low) g/dL 13.0\u201317.0" in text
    assert "Platelet count 95 L (low) 10³/µL 150\u2013410" in text
    assert "corrected, was 250: Rerun" in text
    assert "Signed off by Lena" in text and visit.patient.uhid_display in text
    assert "Corrected after sign-off" in text


def test_the_report_in_hindi_for_the_patient_and_its_print_is_logged(
    client, visit, doctor, lab_technician, tmp_path
):
    order = _signed(visit, doctor, lab_technician)
    client.force_login(lab_technician)
    response = client.get(reverse("lab:report-pdf", args=[order.pk]))  # the patient reads Hindi
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content, tmp_path)
    assert "11.1" in text and "g/dL" in text and "13.0\u201317.0" in text
    # Extractors misplace vowel signs (RECIPES.md): compare consonants of the Hindi.
    # (Some glyph clusters, e.g. the final ट of प्लेटलेट, do not survive extraction at all.)
    for words in ["रमेश कुमार", "हीमोग्लोबिन", "कम", "न्यूट्रोफ़िल"]:
        assert _consonants(words) in _consonants(text), words
    assert (
        AccessEvent.objects.filter(
            action="print", resource_type="DiagnosticReport", resource_id=str(order.pk)
        ).count()
        == 1
    )
    for size, width in [("a4", 595.28), ("a5", 419.53)]:
        paper = client.get(reverse("lab:report-pdf", args=[order.pk]), {"size": size})
        pages, got_width, _height = _pdf_pages(paper.content, tmp_path)
        assert pages == 1 and abs(got_width - width) < 1, size


def test_an_unsigned_report_is_not_printed(client, visit, doctor, lab_technician):
    (order,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=["CBC"])
    with pytest.raises(Conflict):
        lab_report_pdf(order, "en")
    client.force_login(lab_technician)
    assert client.get(reverse("lab:report-pdf", args=[order.pk])).status_code == 404
    assert not AccessEvent.objects.filter(action="print").exists()
