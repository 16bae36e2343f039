"""The UIP schedule ships as data: loaded by the migration, edited in the admin."""

from __future__ import annotations

import pytest

from hims.primarycare.choices import DueBasis
from hims.primarycare.models import VaccineDose
from hims.primarycare.schedule import vaccine_doses_load
from hims.primarycare.tests.conftest import dose

pytestmark = pytest.mark.django_db


def test_the_whole_reference_schedule_is_loaded():
    codes = set(VaccineDose.objects.values_list("code", flat=True))
    assert {"bcg", "hepb-0", "opv-0"} <= codes  # birth
    assert {"opv-1", "penta-1", "rvv-1", "fipv-1", "pcv-1"} <= codes  # 6 weeks
    assert {"opv-2", "penta-2", "rvv-2"} <= codes  # 10 weeks
    assert {"opv-3", "penta-3", "rvv-3", "fipv-2", "pcv-2"} <= codes  # 14 weeks
    assert {"mr-1", "pcv-b", "fipv-3", "vita-1", "je-1"} <= codes  # 9-12 months
    assert {"mr-2", "dpt-b1", "opv-b", "je-2"} <= codes  # 16-24 months
    assert {f"vita-{n}" for n in range(2, 10)} <= codes  # every 6 months to 5 years
    assert {"dpt-b2", "td-10", "td-16", "td-pw-1", "td-pw-2", "td-pw-b"} <= codes
    assert len(codes) == 39
    assert dose("penta-2").due_age_days == 70 and dose("penta-2").min_interval_days == 28
    assert dose("bcg").given_up_to_days == 365 and dose("opv-1").given_up_to_days == 1826
    assert dose("td-pw-2").due_basis == DueBasis.PREGNANCY and dose("td-pw-2").due_age_days is None
    assert dose("penta-1").name_hi == "पेंटावैलेंट"


def test_je_ships_switched_off_because_delhi_is_not_endemic():
    assert not dose("je-1").is_active and not dose("je-2").is_active
    assert VaccineDose.objects.filter(is_active=False).count() == 2


def test_loading_again_adds_nothing_and_keeps_an_administrators_edit():
    VaccineDose.objects.filter(code="je-1").update(is_active=True)
    assert vaccine_doses_load(VaccineDose) == 0
    assert dose("je-1").is_active


def test_the_admin_edits_the_schedule_but_has_no_page_for_patient_records(client, network_admin):
    client.force_login(network_admin)
    page = client.get("/admin/primarycare/vaccinedose/")
    assert page.status_code == 200 and "penta-2" in page.content.decode()
    assert client.get("/admin/primarycare/immunization/").status_code == 404
    assert client.get("/admin/primarycare/pregnancy/").status_code == 404


def test_a_facility_administrator_cannot_change_the_national_schedule(client, facility_admin):
    client.force_login(facility_admin)
    assert client.get("/admin/primarycare/vaccinedose/").status_code == 403
