"""The lab's pages: the doctor orders tests on the visit page and sees the signed results there;
the technician's worklist at /lab/ (collect, enter results, sign off, correct); in Hindi and
English; only staff of the facility in the right roles."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hims.accounts.choices import Role
from hims.clinical.lab import lab_order_place, lab_results_enter, lab_sample_collect
from hims.clinical.models import LabOrder, LabResult
from hims.clinical.tests.conftest import CBC_NORMAL
from hims.conftest import _staff
from hims.core.models import AccessEvent

pytestmark = pytest.mark.django_db


def _visit_url(visit) -> str:  # type: ignore[no-untyped-def]
    return reverse("visit:detail", args=[visit.pk])


def _act(order, action: str) -> str:  # type: ignore[no-untyped-def]
    return reverse("lab:act", args=[order.pk, action])


def test_the_doctor_orders_tests_on_the_visit_page(client, doctor, visit):
    client.force_login(doctor)
    page = client.get(_visit_url(visit)).content.decode()
    assert "Order tests" in page and 'value="LIPID"' in page
    response = client.post(
        reverse("visit:act", args=[visit.pk, "lab-order"]),
        {"panels": ["CBC", "LIPID"], "note": "Known diabetic"},
    )
    assert response.status_code == 302
    assert sorted(LabOrder.objects.values_list("panel__code", flat=True)) == ["CBC", "LIPID"]
    hindi = client.get(_visit_url(visit), HTTP_ACCEPT_LANGUAGE="hi").content.decode()
    assert "पूर्ण रक्त गणना (सीबीसी)" in hindi and "लिपिड प्रोफ़ाइल" in hindi
    assert 'value="CBC"' not in hindi  # ordered: not offered again
    again = client.post(reverse("visit:act", args=[visit.pk, "lab-order"]), {"panels": []})
    assert again.status_code == 200 and "Choose at least one test." in again.content.decode()


def test_a_nurse_sees_the_orders_but_cannot_order(client, doctor, visit):
    nurse = _staff("nisha", Role.NURSE, visit.facility)
    lab_order_place(encounter=visit, actor=doctor, panel_codes=["KFT"])
    client.force_login(nurse)
    page = client.get(_visit_url(visit)).content.decode()
    assert "Kidney function tests (KFT)" in page and "Order tests" not in page
    client.post(reverse("visit:act", args=[visit.pk, "lab-order"]), {"panels": ["CBC"]})
    assert LabOrder.objects.count() == 1


def test_no_test_is_ordered_on_a_closed_visit(client, doctor, visit):
    from hims.clinical.services import encounter_close, encounter_notes_save

    encounter_notes_save(
        encounter=visit, actor=doctor, chief_complaint="Fever", examination="", advice=""
    )
    encounter_close(encounter=visit, actor=doctor)
    client.force_login(doctor)
    assert "Order tests" not in client.get(_visit_url(visit)).content.decode()
    refused = client.post(reverse("visit:act", args=[visit.pk, "lab-order"]), {"panels": ["CBC"]})
    assert "This visit is closed" in refused.content.decode()
    assert not LabOrder.objects.exists()


def test_the_technician_collects_enters_and_signs_and_the_doctor_then_sees_the_flags(
    client, doctor, lab_technician, visit
):
    (order,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=["CBC"])
    client.force_login(lab_technician)
    worklist = client.get(reverse("lab:worklist"))
    text = worklist.content.decode()
    assert worklist.status_code == 200 and "Ramesh Kumar" in text and "Samples to collect" in text
    assert "EDTA" in text
    assert (
        AccessEvent.objects.filter(
            actor=lab_technician,
            action="search",
            resource_type="Patient",
            patient_id=visit.patient_id,
        ).count()
        == 1
    )
    assert client.post(_act(order, "collect")).status_code == 302
    page = client.get(reverse("lab:order", args=[order.pk]))
    assert page.status_code == 200 and 'name="HB"' in page.content.decode()
    assert (
        AccessEvent.objects.filter(
            actor=lab_technician, action="read", resource_type="DiagnosticReport"
        ).count()
        == 1
    )
    wrong = client.post(_act(order, "results"), CBC_NORMAL | {"HB": "111"})
    body = wrong.content.decode()
    assert wrong.status_code == 200 and "between 1 and 25" in body
    assert 'value="111"' in body and 'value="250"' in body  # what was typed is kept
    assert not LabResult.objects.exists()
    client.post(_act(order, "results"), CBC_NORMAL | {"HB": "11.1"})
    review = client.get(reverse("lab:order", args=[order.pk])).content.decode()
    assert "Sign off the report" in review and "flag-L" in review

    client.force_login(doctor)
    before_sign = client.get(_visit_url(visit)).content.decode()
    assert "11.1" not in before_sign  # not signed off: the doctor does not see it yet
    client.force_login(lab_technician)
    assert client.post(_act(order, "sign")).status_code == 302
    order.refresh_from_db()
    assert order.status == "signed" and order.signed_by == lab_technician
    assert "Signed off recently" in client.get(reverse("lab:worklist")).content.decode()

    client.force_login(doctor)
    english = client.get(_visit_url(visit)).content.decode()
    assert "11.1" in english and "g/dL" in english and "13.0\u201317.0" in english
    assert '<span class="badge flag">low</span>' in english
    hindi = client.get(_visit_url(visit), HTTP_ACCEPT_LANGUAGE="hi").content.decode()
    assert "हीमोग्लोबिन" in hindi and '<span class="badge flag">कम</span>' in hindi
    assert (
        AccessEvent.objects.filter(
            actor=doctor, action="read", resource_type="DiagnosticReport", resource_id=str(order.pk)
        ).count()
        == 2
    )  # the two views of the signed report


def test_a_signed_value_is_corrected_on_the_page_and_the_old_one_shown(
    client, doctor, lab_technician, visit
):
    (order,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=["CBC"])
    lab_sample_collect(order=order, actor=lab_technician)
    lab_results_enter(order=order, actor=lab_technician, values=CBC_NORMAL)
    client.force_login(lab_technician)
    client.post(_act(order, "sign"))
    refused = client.post(_act(order, "amend"), {"parameter": "PLT", "value": "90", "reason": ""})
    assert "Say why the value is corrected." in refused.content.decode()
    client.post(_act(order, "amend"), {"parameter": "PLT", "value": "90", "reason": "Clumped"})
    page = client.get(reverse("lab:order", args=[order.pk])).content.decode()
    assert "corrected, was 250: Clumped" in page
    visit_page = client.get(_visit_url(visit))  # a technician is not a visit role
    assert visit_page.status_code == 403


def test_only_lab_staff_and_doctors_of_the_facility_use_the_lab(
    client, doctor, clerk, visit, other_facility
):
    (order,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=["CBC"])
    client.force_login(clerk)
    assert client.get(reverse("lab:worklist")).status_code == 403
    elsewhere = _staff("omar", Role.LAB_TECHNICIAN, other_facility)
    client.force_login(elsewhere)
    assert client.get(reverse("lab:worklist")).status_code == 200
    assert client.get(reverse("lab:order", args=[order.pk])).status_code == 404
    assert client.post(_act(order, "collect")).status_code == 404
    order.refresh_from_db()
    assert order.status == "ordered"
    client.force_login(doctor)
    assert client.get(reverse("lab:worklist")).status_code == 200
    assert client.post(_act(order, "delete")).status_code == 404


def test_the_worklist_in_hindi(client, doctor, lab_technician, visit):
    lab_order_place(encounter=visit, actor=doctor, panel_codes=["HBA1C"])
    client.force_login(lab_technician)
    page = client.get(reverse("lab:worklist"), HTTP_ACCEPT_LANGUAGE="hi")
    text = page.content.decode()
    assert page.status_code == 200 and '<html lang="hi">' in text
    assert "रमेश कुमार" in text and "एचबीए1सी (3 महीने की औसत शुगर)" in text
