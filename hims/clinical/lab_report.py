"""The printed lab report: a PDF (WeasyPrint, Devanagari shaped by Noto Sans Devanagari) in the
patient's language, with each value, its unit, the reference range for the patient's sex and
its flag, corrections after sign-off with their reasons, and who signed it off and when. The
staff pages print it; the patient portal reuses `lab_report_pdf`."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from hims.clinical.models import LabOrder
from hims.clinical.selectors import lab_orders_with_results, lab_report_rows
from hims.core.errors import Conflict

PAGE_SIZES = {"a4": "A4", "a5": "A5"}


def lab_report_pdf(order: LabOrder, language: str, *, size: str = "a4") -> bytes:
    """The signed report of `order` in `language` ("hi" or "en") on A4 or A5. The caller checks
    who may see it and logs the print."""
    from weasyprint import HTML  # a heavy import: only when a PDF is asked for

    order = (
        lab_orders_with_results(LabOrder.objects.filter(pk=order.pk))
        .select_related("patient", "encounter__department", "encounter__practitioner")
        .get()
    )
    if not order.is_signed:
        raise Conflict(_("The report is not signed off yet."))
    with translation.override(language):
        html = render_to_string(
            "clinical/lab_report_pdf.html",
            {
                "order": order,
                "patient": order.patient,
                "rows": lab_report_rows(order, language),
                "language": language,
                "page_size": PAGE_SIZES.get(size, "A4"),
                "panel_name": order.panel.name_in(language),
            },
        )
    pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    return pdf
