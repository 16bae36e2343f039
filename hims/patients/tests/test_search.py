from __future__ import annotations

from datetime import date

import pytest

from hims.core.errors import AccessDenied
from hims.core.models import AccessEvent
from hims.patients.selectors import PatientQuery, patient_search
from hims.patients.services import patient_merge
from hims.patients.tests.factories import abha, make_patient


@pytest.fixture
def people(db):  # type: ignore[no-untyped-def]
    return {
        "ramesh": make_patient(
            name="Ramesh Kumar",
            name_hi="रमेश कुमार",
            mobile="9811100001",
            abha_number=abha("9111"),
            district="central",
        ),
        "suresh": make_patient(
            name="Suresh Kumar",
            name_hi="",
            mobile="9811100002",
            birth_date=date(1990, 1, 1),
            district="shahdara",
        ),
        "sunita": make_patient(
            name="सुनीता देवी",
            name_hi="सुनीता देवी",
            gender="female",
            mobile="9811100003",
            birth_date=date(1955, 8, 1),
        ),
    }


def _search(user, facility, text: str, **filters) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        p.name
        for p in patient_search(
            user=user, facility=facility, query=PatientQuery(text=text, **filters)
        )
    ]


@pytest.mark.parametrize("text", ["Ramesh Kumaar", "ramesh kumar", "रमेश कुमार", "Rmesh", "Ramesh"])
def test_name_search_finds_ramesh_in_either_script_and_misspelt(clerk, facility, people, text):
    assert "Ramesh Kumar" in _search(clerk, facility, text)
    assert "Suresh Kumar" not in _search(clerk, facility, text)


def test_an_english_spelling_finds_a_record_written_in_hindi(clerk, facility, people):
    assert _search(clerk, facility, "Suneeta Devi") == ["सुनीता देवी"]


def test_exact_identifiers_find_one_patient(clerk, facility, people):
    ramesh = people["ramesh"]
    assert _search(clerk, facility, ramesh.uhid_display) == ["Ramesh Kumar"]
    assert _search(clerk, facility, ramesh.uhid.lower()) == ["Ramesh Kumar"]
    grouped = (
        ramesh.abha_number[:2]
        + "-"
        + ramesh.abha_number[2:6]
        + "-"
        + ramesh.abha_number[6:10]
        + "-"
        + ramesh.abha_number[10:]
    )
    assert _search(clerk, facility, grouped) == ["Ramesh Kumar"]
    assert _search(clerk, facility, "+91 98111 00002") == ["Suresh Kumar"]


def test_filters_narrow_by_age_gender_and_district(clerk, facility, people):
    assert _search(clerk, facility, "kumar", district="shahdara") == ["Suresh Kumar"]
    assert _search(clerk, facility, "kumar", age_min=40) == ["Ramesh Kumar"]
    assert _search(clerk, facility, "devi", gender="male") == []


def test_every_listed_patient_is_written_to_the_access_log(clerk, facility, people):
    found = patient_search(user=clerk, facility=facility, query=PatientQuery(text="kumar"))
    events = AccessEvent.objects.filter(actor=clerk, action="search")
    assert sorted(e.patient_id or 0 for e in events) == sorted(p.pk for p in found)
    assert len(found) == 2


def test_merged_records_are_not_listed(clerk, facility_admin, facility, people):
    duplicate = make_patient(name="Ramesh Kumaar", mobile="9811100001")
    patient_merge(
        survivor_id=people["ramesh"].pk,
        loser_id=duplicate.pk,
        actor=facility_admin,
        facility=facility,
        reason="dup",
    )
    assert _search(clerk, facility, "ramesh") == ["Ramesh Kumar"]


def test_staff_without_a_patient_role_cannot_search(other_facility_doctor, facility, people):
    with pytest.raises(AccessDenied):
        _search(
            other_facility_doctor, facility, "ramesh"
        )  # acting for a facility they do not work at


def test_search_reads_a_bounded_number_of_rows(clerk, facility, django_assert_max_num_queries):
    for n in range(120):
        make_patient(name="Ramesh Kumar", mobile=f"98222{n:05d}")
    with django_assert_max_num_queries(6):
        found = patient_search(
            user=clerk, facility=facility, query=PatientQuery(text="ramesh kumar")
        )
    assert len(found) == 50
