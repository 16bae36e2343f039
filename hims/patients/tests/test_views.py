from __future__ import annotations

from datetime import date

import pytest

from hims.accounts.models import User
from hims.core.models import AccessEvent
from hims.patients.models import Patient, PatientChange
from hims.patients.tests.factories import abha, make_patient, registration


@pytest.fixture
def clerk_client(client, clerk):  # type: ignore[no-untyped-def]
    client.force_login(clerk)
    return client


def test_search_page_masks_mobile_and_abha_and_logs_each_result(clerk_client, clerk):
    patient = make_patient(name="Ramesh Kumar", mobile="9811123456", abha_number=abha("9177"))
    page = clerk_client.get("/patients/?q=ramesh+kumaar").content.decode()
    assert "Ramesh Kumar" in page and "******3456" in page and "9811123456" not in page
    assert patient.abha_number not in page and "XX-XXXX-XXXX-" in page
    assert (
        AccessEvent.objects.filter(patient_id=patient.pk, action="search", actor=clerk).count() == 1
    )


def test_search_by_htmx_returns_only_the_results(clerk_client):
    make_patient(name="Ramesh Kumar")
    response = clerk_client.get("/patients/?q=ramesh", HTTP_HX_REQUEST="true")
    assert "Ramesh Kumar" in response.content.decode() and "<html" not in response.content.decode()


def test_bad_filters_give_a_form_error_not_a_500(clerk_client):
    response = clerk_client.get("/patients/?q=ramesh&age_min=abc&gender=robot")
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_registration_shows_candidates_first_and_registers_after_confirmation(clerk_client):
    existing = make_patient(
        name="Sunita Devi", gender="female", birth_date=date(1985, 3, 12), mobile="9811100002"
    )
    first = clerk_client.post("/patients/register/", registration(name="Suneeta Devi"))
    assert first.status_code == 200
    body = first.content.decode()
    assert (
        existing.uhid_display in body
        and "same mobile number" in body
        and 'name="confirm_new"' in body
    )
    assert Patient.objects.count() == 1
    second = clerk_client.post(
        "/patients/register/", {**registration(name="Suneeta Devi"), "confirm_new": "1"}
    )
    assert second.status_code == 302
    assert Patient.objects.count() == 2


def test_candidates_appear_while_typing_once_enough_is_filled(clerk_client):
    make_patient(
        name="Sunita Devi", gender="female", birth_date=date(1985, 3, 12), mobile="9811100002"
    )
    too_little = clerk_client.post("/patients/register/candidates/", {"name": "Sunita"})
    assert "Sunita Devi" not in too_little.content.decode()
    enough = clerk_client.post("/patients/register/candidates/", registration(name="Sunita Devi"))
    assert "Sunita Devi" in enough.content.decode() and "<html" not in enough.content.decode()


def test_invalid_registration_shows_translated_errors_and_saves_nothing(client, clerk):
    clerk.preferred_language = "hi"
    clerk.save()
    client.force_login(clerk)
    response = client.post(
        "/patients/register/", registration(mobile="12345", abha_number="11-1111-1111-1111")
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "errorlist" in body and 'lang="hi"' in body
    assert not Patient.objects.exists()


def test_detail_is_logged_and_a_merged_record_redirects(
    clerk_client, clerk, facility_admin, facility
):
    from hims.patients.services import patient_merge

    keep, duplicate = make_patient(), make_patient(mobile="9811100009")
    patient_merge(
        survivor_id=keep.pk,
        loser_id=duplicate.pk,
        actor=facility_admin,
        facility=facility,
        reason="dup",
    )
    response = clerk_client.get(f"/patients/{duplicate.uhid}/")
    assert response.status_code == 302 and response["Location"].endswith(f"/patients/{keep.uhid}/")
    assert clerk_client.get(f"/patients/{keep.uhid}/").status_code == 200
    assert AccessEvent.objects.filter(actor=clerk, action="read", patient_id=keep.pk).exists()


def test_unknown_uhid_is_a_404(clerk_client):
    assert clerk_client.get("/patients/DL0000000000/").status_code == 404


def test_editing_keeps_history(clerk_client):
    patient = make_patient(name="Sunita Devi", gender="female", mobile="9811100002")
    data = registration(
        name="Sunita Sharma", birth_date=patient.birth_date.isoformat(), district="", pincode=""
    )
    response = clerk_client.post(f"/patients/{patient.uhid}/edit/", {**data, "reason": "married"})
    assert response.status_code == 302
    assert PatientChange.objects.filter(patient=patient, action="updated").get().reason == "married"


def test_a_clerk_cannot_merge(clerk_client):
    assert clerk_client.get("/patients/merge/").status_code == 403


def test_a_facility_admin_compares_then_merges(client, facility_admin):
    keep, duplicate = make_patient(), make_patient(name="Ramesh Kumaar", mobile="9811100009")
    client.force_login(facility_admin)
    compare = client.get(
        f"/patients/merge/?survivor={keep.uhid}&loser={duplicate.uhid}"
    ).content.decode()
    assert "Ramesh Kumaar" in compare and 'name="reason"' in compare
    done = client.post(
        "/patients/merge/", {"survivor": keep.uhid, "loser": duplicate.uhid, "reason": "same man"}
    )
    assert done.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep


def test_patients_and_anonymous_users_cannot_open_staff_pages(client, db):
    assert client.get("/patients/").status_code == 302  # to sign in
    patient = User.objects.create(
        username="patient-9811100002", kind="patient", mobile="9811100002"
    )
    client.force_login(patient)
    assert client.get("/patients/").status_code == 403


def test_a_patient_registers_a_family_member_under_their_own_mobile(client, db):
    user = User.objects.create(username="patient-9811100002", kind="patient", mobile="9811100002")
    client.force_login(user)
    response = client.post(
        "/patients/me/register/",
        {**registration(name="Pinky Kumari", birth_date="2015-06-01"), "mobile": "9999999999"},
    )
    assert response.status_code == 302
    patient = Patient.objects.get()
    assert patient.mobile == "9811100002" and patient.registration_channel == "online"


def test_a_patient_cannot_register_the_same_family_member_twice(client, db):
    user = User.objects.create(username="patient-9811100002", kind="patient", mobile="9811100002")
    make_patient(
        name="Pinky Kumari", gender="female", birth_date=date(2015, 6, 1), mobile="9811100002"
    )
    client.force_login(user)
    response = client.post(
        "/patients/me/register/", registration(name="Pinki Kumari", birth_date="2015-06-01")
    )
    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert Patient.objects.count() == 1


def test_without_a_query_the_page_lists_this_facilitys_recent_registrations(
    clerk_client, clerk, facility, other_facility
):
    mine = make_patient(name="Mine Here", registered_at=facility)
    make_patient(name="Elsewhere", registered_at=other_facility, mobile="9811100008")
    page = clerk_client.get("/patients/").content.decode()
    assert "Mine Here" in page and "Elsewhere" not in page
    assert AccessEvent.objects.filter(actor=clerk, patient_id=mine.pk, action="search").count() == 1


def test_recent_list_pages_and_counts_with_a_cap(
    clerk_client, facility, django_assert_max_num_queries
):
    from hims.patients.selectors import PatientPage

    for n in range(60):
        make_patient(name=f"Person {n:02d}", registered_at=facility, mobile=f"98300{n:05d}")
    with django_assert_max_num_queries(14):
        second = clerk_client.get("/patients/?page=2").content.decode()
    assert second.count('class="card result"') == 10 and "60 patients" in second
    PatientPage.CAP = 55
    try:
        first = clerk_client.get("/patients/").content.decode()
    finally:
        PatientPage.CAP = 10_000
    assert first.count('class="card result"') == 50 and "More than 10,000 patients" in first
    assert clerk_client.get("/patients/?page=abc").status_code == 200
