"""The printed prescription: a PDF (WeasyPrint, Devanagari shaped by Noto Sans Devanagari) with
a QR code whose URL carries the visit's signed id. A Jan Aushadhi Kendra scans it to find what
to dispense (the dispensing itself is the pharmacy work's); anyone else who scans it learns only
that the prescription is genuine, and from where and when."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from hims.clinical.medicines import item_directions
from hims.clinical.models import Encounter
from hims.core.errors import ValidationFailed
from hims.scheduling.slip import slip_qr_data_uri

RX_SALT = "prescription"


def prescription_sign(encounter_id: int) -> str:
    return signing.Signer(salt=RX_SALT).sign(str(encounter_id))


def prescription_unsign(signed: str) -> int:
    try:
        return int(signing.Signer(salt=RX_SALT).unsign(signed))
    except (signing.BadSignature, ValueError):
        raise ValidationFailed(_("This prescription code is not genuine.")) from None


def prescription_qr_url(encounter: Encounter) -> str:
    path = reverse("rx-verify", args=[prescription_sign(encounter.pk)])
    return settings.HIMS_PUBLIC_URL.rstrip("/") + path


def prescription_pdf(*, encounter: Encounter, language: str) -> bytes:
    """The prescription in `language` (the patient's, usually): patient, diagnoses, each medicine
    with its directions, advice, the doctor, and the QR code."""
    from weasyprint import HTML  # a heavy import: only when a PDF is asked for

    with translation.override(language):
        items = [
            {"item": item, "directions": item_directions(item, language)}
            for item in encounter.prescription_items.select_related("medicine")
        ]
        qr_url = prescription_qr_url(encounter)
        html = render_to_string(
            "clinical/prescription_pdf.html",
            {
                "encounter": encounter,
                "patient": encounter.patient,
                "items": items,
                "diagnoses": encounter.diagnoses.select_related("code").order_by("kind", "pk"),
                "qr_data_uri": slip_qr_data_uri(qr_url),
                "qr_url": qr_url,
                "language": language,
            },
        )
    pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    return pdf
