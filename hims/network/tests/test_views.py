from __future__ import annotations

from hims.network.models import FacilityHours
from hims.network.tests.factories import FacilityFactory


def test_facility_directory_filters_by_district_and_name(client, facility, other_facility):
    FacilityFactory(code="planned", name="Planned Clinic", rollout_status="planned")
    page = client.get("/facilities/").content.decode()
    assert "Lok Nayak Hospital" in page and "Guru Teg Bahadur Hospital" in page
    assert "Planned Clinic" not in page  # not yet on the network
    shahdara = client.get("/facilities/?district=shahdara").content.decode()
    assert "Guru Teg Bahadur" in shahdara and "Lok Nayak" not in shahdara
    by_name = client.get("/facilities/?q=lok").content.decode()
    assert "Lok Nayak" in by_name and "Guru Teg" not in by_name


def test_directory_ignores_an_unknown_district_instead_of_failing(client, facility):
    response = client.get("/facilities/?district=atlantis&type=<script>&page=abc")
    assert response.status_code == 200
    assert "Lok Nayak" in response.content.decode()


def test_htmx_request_gets_only_the_results_partial(client, facility):
    response = client.get("/facilities/?q=lok", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Lok Nayak" in body and "<html" not in body


def test_facility_page_shows_hours_and_departments_in_hindi(client, facility, department):
    FacilityHours.objects.create(facility=facility, weekday=0, opens="09:00", closes="13:00")
    response = client.get(f"/facilities/{facility.code}/", HTTP_ACCEPT_LANGUAGE="hi")
    body = response.content.decode()
    assert "लोक नायक अस्पताल" in body
    assert "09:00" in body
    assert "सामान्य चिकित्सा" in body


def test_unknown_facility_is_a_translated_404(client, db):
    response = client.get("/facilities/nowhere/", HTTP_ACCEPT_LANGUAGE="hi")
    assert response.status_code == 404
    assert '<html lang="hi">' in response.content.decode()
