"""The consultation screen: started from the worklist, written and closed by the doctor."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hims.accounts.choices import Role
from hims.clinical.models import Diagnosis, Encounter, VitalSigns
from hims.core.models import AccessEvent

pytestmark = pytest.mark.django_db


def _visit_page(client, doctor, called):  # type: ignore[no-untyped-def]
    client.force_login(doctor)
    started = client.post(reverse("visit:start"), {"token": called.pk})
    encounter = Encounter.objects.get(token=called)
    assert started.status_code == 302 and started["Location"] == reverse(
        "visit:detail", args=[encounter.pk]
    )
    return encounter


def test_the_worklist_offers_the_consultation_and_starting_opens_the_visit(client, doctor, called):
    client.force_login(doctor)
    assert "Start the consultation" in client.get("/opd/worklist/").content.decode()
    encounter = _visit_page(client, doctor, called)
    page = client.get(reverse("visit:detail", args=[encounter.pk]))
    assert page.status_code == 200 and "Ramesh Kumar" in page.content.decode()
    assert AccessEvent.objects.filter(
        resource_type="Encounter", action="read", actor=doctor, patient_id=encounter.patient_id
    ).exists()


def test_a_whole_consultation_in_hindi_from_vitals_to_addendum(client, doctor, called):
    encounter = _visit_page(client, doctor, called)
    act = lambda action: reverse("visit:act", args=[encounter.pk, action])  # noqa: E731
    refused = client.post(
        act("vitals"), {"systolic_mmhg": "1200", "diastolic_mmhg": "80"}, HTTP_ACCEPT_LANGUAGE="hi"
    )
    assert refused.status_code == 200
    assert "जो लिखा है उसे जाँचें" in refused.content.decode()  # the error, in Hindi
    assert not VitalSigns.objects.exists()
    client.post(
        act("vitals"), {"systolic_mmhg": "150", "diastolic_mmhg": "95", "pulse_per_min": "80"}
    )
    page = client.get(reverse("visit:detail", args=[encounter.pk]), HTTP_ACCEPT_LANGUAGE="hi")
    text = page.content.decode()
    assert "flag-high" in text and "ज़्यादा" in text  # the high BP is marked, in words too
    found = client.get(reverse("visit:detail", args=[encounter.pk]), {"q": "बीपी"})
    assert "I10" in found.content.decode()
    client.post(act("diagnosis"), {"code": "I10", "kind": "primary", "certainty": "confirmed"})
    client.post(act("notes"), {"chief_complaint": "सिरदर्द", "examination": "", "advice": ""})
    client.post(act("close"))
    encounter.refresh_from_db()
    assert encounter.is_closed and Diagnosis.objects.get(encounter=encounter).code.code == "I10"
    again = client.post(act("notes"), {"chief_complaint": "changed"}, HTTP_ACCEPT_LANGUAGE="hi")
    assert "परिशिष्ट" in again.content.decode()  # closed: add an addendum instead
    client.post(act("addendum"), {"text": "ECG normal."})
    page = client.get(reverse("visit:detail", args=[encounter.pk])).content.decode()
    assert "ECG normal." in page and "changed" not in page


def test_a_nurse_records_vitals_but_only_the_doctor_diagnoses(client, doctor, called):
    from hims.conftest import _staff

    encounter = _visit_page(client, doctor, called)
    nurse = _staff("nisha", Role.NURSE, encounter.facility)
    client.force_login(nurse)
    client.post(reverse("visit:act", args=[encounter.pk, "vitals"]), {"pulse_per_min": "72"})
    assert VitalSigns.objects.filter(encounter=encounter, recorded_by=nurse).exists()
    client.post(reverse("visit:act", args=[encounter.pk, "diagnosis"]), {"code": "I10"})
    assert not Diagnosis.objects.exists()


def test_a_doctor_of_another_facility_cannot_open_the_visit(
    client, doctor, called, other_facility_doctor
):
    encounter = _visit_page(client, doctor, called)
    client.force_login(other_facility_doctor)
    assert client.get(reverse("visit:detail", args=[encounter.pk])).status_code == 404
    assert client.post(reverse("visit:start"), {"token": called.pk}).status_code == 302
    assert Encounter.objects.count() == 1


def test_the_visit_shows_earlier_visits_from_every_facility_and_logs_each_one_read(
    client, doctor, called, other_facility_doctor, other_facility
):
    from hims.clinical.services import diagnosis_add, encounter_close

    earlier = Encounter.objects.create(
        patient=called.patient, facility=other_facility, practitioner=other_facility_doctor
    )
    diagnosis_add(encounter=earlier, actor=other_facility_doctor, code="E11.9")
    encounter_close(encounter=earlier, actor=other_facility_doctor)
    encounter = _visit_page(client, doctor, called)
    page = client.get(reverse("visit:detail", args=[encounter.pk])).content.decode()
    assert other_facility.name in page and "E11.9" in page
    assert (
        AccessEvent.objects.filter(
            actor=doctor, resource_type="Encounter", resource_id=str(earlier.pk), action="read"
        ).count()
        == 1
    )
    # The summary: diabetes is a long-term condition, from the other hospital, logged as read.
    summary = client.get(reverse("visit:detail", args=[encounter.pk])).context["summary"]
    assert [c.code.code for c in summary.conditions] == ["E11.9"]
    assert AccessEvent.objects.filter(
        actor=doctor, resource_type="Condition", resource_id=str(summary.conditions[0].latest_id)
    ).exists()


def test_the_doctor_prescribes_from_the_page_and_overrides_an_allergy_warning_with_a_reason(
    client, doctor, called
):
    from hims.clinical.models import Medicine, PrescriptionItem
    from hims.clinical.services import allergy_record

    encounter = _visit_page(client, doctor, called)
    allergy_record(encounter=encounter, actor=doctor, substance="Penicillin")
    found = client.get(reverse("visit:detail", args=[encounter.pk]), {"m": "amoxicillin"})
    amoxicillin = Medicine.objects.get(salt="Amoxicillin", strength="500 mg")
    assert f'value="{amoxicillin.pk}"' in found.content.decode()
    act = reverse("visit:act", args=[encounter.pk, "medicine"])
    order = {"medicine": amoxicillin.pk, "dose": "1", "frequency": "tds", "duration_days": "5"}
    warned = client.post(act, order)
    body = warned.content.decode()
    assert "allergic to Penicillin" in body and "Prescribe anyway" in body
    assert not PrescriptionItem.objects.exists()
    bad = client.post(act, order | {"dose": "lots"})
    assert "Enter the dose as a number." in bad.content.decode()
    assert "Prescribe anyway" not in bad.content.decode()  # not a warning: no override offered
    client.post(act, order | {"override_reason": "Tested, tolerated"})
    item = PrescriptionItem.objects.get()
    assert item.warning_override == "Tested, tolerated"
    page = client.get(reverse("visit:detail", args=[encounter.pk])).content.decode()
    assert "1 capsule three times a day after food, for 5 days" in page
    assert "1 कैप्सूल दिन में तीन बार खाने के बाद, 5 दिन तक" in page  # as the patient reads it
    hindi = client.get(reverse("visit:detail", args=[encounter.pk]), HTTP_ACCEPT_LANGUAGE="hi")
    assert '<span class="muted">कैप्सूल</span>' in hindi.content.decode()  # the form, in Hindi


def test_an_unknown_action_is_a_404_and_writes_nothing(client, doctor, called):
    encounter = _visit_page(client, doctor, called)
    before = AccessEvent.objects.count()
    assert client.post(reverse("visit:act", args=[encounter.pk, "delete"])).status_code == 404
    assert AccessEvent.objects.count() == before
