"""Who viewed my record (the patient) and the access log (auditors), on real requests."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from hims.accounts.choices import Role
from hims.core.access import access_record
from hims.core.choices import AccessAction, AccessBasis, AccessOutcome
from hims.core.models import AccessEvent
from hims.patients.tests.factories import make_patient
from hims.scheduling.tests.factories import patient_login

MY = reverse("records:my-access")
AUDIT = reverse("records:audit-access")
pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(db):  # type: ignore[no-untyped-def]
    from hims.conftest import _staff

    return _staff("farida", Role.AUDITOR, None)


def test_a_doctor_opening_a_record_is_shown_to_the_patient_in_hindi(client, doctor, facility):
    patient = make_patient(mobile="9811100001")
    client.force_login(doctor)
    opened = client.get(reverse("patients:detail", args=[patient.uhid]))
    assert opened.status_code == 200
    client.force_login(patient_login("9811100001"))
    page = client.get(MY, HTTP_ACCEPT_LANGUAGE="hi")
    text = page.content.decode()
    assert page.status_code == 200
    assert "मेरा रिकॉर्ड किसने देखा" in text  # the page is in Hindi
    assert "Bob" in text and facility.name_hi in text  # who, and where
    assert "पंजीकरण विवरण" in text  # what: the registration details


def test_a_patient_sees_only_their_own_familys_entries(client):
    mine, other = make_patient(mobile="9811100001"), make_patient(mobile="9811100099")
    access_record(
        actor=None, action="read", resource_type="Patient", basis="none", patient_id=other.pk
    )
    access_record(
        actor=None, action="read", resource_type="Patient", basis="none", patient_id=mine.pk
    )
    client.force_login(patient_login("9811100001"))
    events = client.get(MY).context["events"]
    assert [e.patient_id for e in events] == [mine.pk]


def test_refusals_and_emergency_access_stand_out_with_the_reason(client, doctor):
    patient = make_patient(mobile="9811100001")
    access_record(
        actor=doctor,
        action=AccessAction.READ,
        resource_type="Encounter",
        basis=AccessBasis.NONE,
        outcome=AccessOutcome.DENIED,
        patient_id=patient.pk,
    )
    access_record(
        actor=doctor,
        action=AccessAction.READ,
        resource_type="Encounter",
        basis=AccessBasis.BREAK_GLASS,
        reason="Unconscious in casualty",
        patient_id=patient.pk,
    )
    client.force_login(patient_login("9811100001"))
    text = client.get(MY).content.decode()
    assert "Refused: the record was not shown." in text
    assert "Emergency access." in text and "Unconscious in casualty" in text
    assert text.count("alert error") == 2


def test_the_patients_page_pages_through_a_long_log_without_counting_it(
    client, django_assert_max_num_queries
):
    patient = make_patient(mobile="9811100001")
    for _ in range(60):
        access_record(
            actor=None, action="read", resource_type="Patient", basis="none", patient_id=patient.pk
        )
    client.force_login(patient_login("9811100001"))
    first = client.get(MY)
    assert len(first.context["events"]) == 50 and first.context["older"]
    second = client.get(MY, {"before": first.context["older"]})
    assert len(second.context["events"]) == 10 and second.context["older"] is None
    seen = {e.pk for e in first.context["events"]} | {e.pk for e in second.context["events"]}
    assert len(seen) == 60


def test_staff_other_than_auditors_cannot_open_the_log(client, doctor):
    client.force_login(doctor)
    assert client.get(AUDIT).status_code == 403


def test_an_auditor_filters_by_patient_and_basis_and_the_patient_sees_the_audit(
    client, auditor, doctor
):
    patient, other = make_patient(mobile="9811100001"), make_patient(mobile="9811100002")
    for target, basis in ((patient, "treating"), (patient, "break_glass"), (other, "treating")):
        access_record(
            actor=doctor,
            action="read",
            resource_type="Encounter",
            basis=basis,
            patient_id=target.pk,
        )
    client.force_login(auditor)
    page = client.get(AUDIT, {"uhid": patient.uhid.lower(), "basis": "break_glass"})
    assert page.status_code == 200
    assert [(e.patient_id, e.basis) for e in page.context["events"]] == [
        (patient.pk, "break_glass")
    ]
    assert AccessEvent.objects.filter(
        actor=auditor, patient_id=patient.pk, resource_type="AccessLog", action="read"
    ).exists()  # the audit itself is in the patient's log


def test_bad_filters_get_a_clear_error_and_no_results(client, auditor):
    client.force_login(auditor)
    page = client.get(AUDIT, {"uhid": "DL000", "since": "2026-12-10", "until": "2026-12-01"})
    assert page.status_code == 200 and page.context["events"] == []
    errors = page.context["form"].errors
    assert "No patient has this UHID." in errors["uhid"]
    assert "The last day is before the first." in errors["until"]


def test_the_csv_export_streams_the_filtered_log_and_is_itself_logged(client, auditor, doctor):
    patient = make_patient(mobile="9811100001")
    access_record(
        actor=doctor,
        action="read",
        resource_type="Encounter",
        basis="break_glass",
        reason="=HYPERLINK(evil)",
        patient_id=patient.pk,
    )
    client.force_login(auditor)
    response = client.get(AUDIT, {"uhid": patient.uhid, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["at", "actor", "role", "facility", "patient_uhid"]
    body = [r for r in rows[1:] if r[6] == "Encounter"]
    assert len(body) == 1 and body[0][1] == "bob" and body[0][4] == patient.uhid
    assert body[0][11] == "'=HYPERLINK(evil)"  # no formula reaches a spreadsheet
    assert AccessEvent.objects.filter(actor=auditor, action="export").count() == 1
