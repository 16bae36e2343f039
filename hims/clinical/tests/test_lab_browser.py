"""A lab technician enters a CBC and signs it off on a phone in Hindi, in real Chromium; the
doctor's visit page then shows the low haemoglobin flagged, in Hindi, at phone size."""

from __future__ import annotations

import pytest

from hims.accounts.tests.test_browser import shot
from hims.clinical.lab import lab_order_place, lab_sample_collect
from hims.clinical.models import LabOrder
from hims.clinical.tests.conftest import CBC_NORMAL
from hims.patients.tests.test_browser import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_technician_signs_off_a_cbc_and_the_doctor_sees_the_low_value_flagged_in_hindi(
    phone_hi, live_server, doctor, lab_technician, visit
):
    (order,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=["CBC"])
    lab_sample_collect(order=order, actor=lab_technician)

    _sign_in(phone_hi, live_server, "lena")
    phone_hi.goto(f"{live_server.url}/lab/")
    phone_hi.get_by_text("पूर्ण रक्त गणना (सीबीसी)").first.wait_for()
    phone_hi.locator(f"a[href='/lab/{order.pk}/']").first.click()
    phone_hi.get_by_label("हीमोग्लोबिन (g/dL)").fill("9.4")  # the label is the catalogue's Hindi
    for code, value in CBC_NORMAL.items():
        if code != "HB":
            phone_hi.locator(f"#v-{code}").fill(value)
    phone_hi.locator("form[action$='/results'] button[type=submit]").click()
    phone_hi.locator(".lab-results tr.flag-L").first.wait_for()
    assert phone_hi.evaluate("document.documentElement.scrollWidth") <= 360
    phone_hi.locator("form[action$='/sign'] button[type=submit]").click()
    phone_hi.locator(f"a[href='/lab/{order.pk}/report.pdf']").first.wait_for()
    assert LabOrder.objects.get(pk=order.pk).status == "signed"
    shot(phone_hi, "lab-signed-hi")

    phone_hi.context.clear_cookies()
    _sign_in(phone_hi, live_server, "bob")
    phone_hi.goto(f"{live_server.url}/opd/visit/{visit.pk}/")
    flagged = phone_hi.locator("#lab .lab-results tr.flag-L")
    flagged.first.wait_for()
    text = flagged.first.inner_text()
    assert "हीमोग्लोबिन" in text and "9.4" in text and "कम" in text and "g/dL" in text
    assert phone_hi.evaluate("document.documentElement.scrollWidth") <= 360
    shot(phone_hi, "visit-lab-results-hi")
