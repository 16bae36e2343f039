"""The FHIR R4 facade's resources: read and search for each, validated with fhir.resources R4B."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole

from hims.fhir import resources
from hims.fhir.clinical.search import CLINICAL_TYPES
from hims.fhir.registry import REGISTRY
from hims.fhir.tests.factories import FacilityHoursFactory
from hims.fhir.tests.helpers import FHIR_JSON, bundle_of, ids_of
from hims.lib.identifiers import HFR_SYSTEM, HPR_SYSTEM
from hims.network.tests.factories import (
    DepartmentFactory,
    FacilityFactory,
    PractitionerFactory,
    PractitionerRoleFactory,
    RoomFactory,
    speciality,
)

BASE = "/fhir/R4"


def read(api: Client, path: str, model: Any) -> dict[str, Any]:
    response = api.get(f"{BASE}/{path}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == FHIR_JSON
    body: dict[str, Any] = response.json()
    model.model_validate(body)
    return body


def search(api: Client, resource_type: str, **params: str) -> dict[str, Any]:
    return bundle_of(api.get(f"{BASE}/{resource_type}", params))


# --- CapabilityStatement -----------------------------------------------------------------


def test_metadata_is_a_public_valid_capability_statement(client: Client, db: None, settings):  # type: ignore[no-untyped-def]
    settings.HIMS_PUBLIC_URL = "https://hims.example.in/"
    response = client.get(f"{BASE}/metadata")
    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    body = response.json()
    CapabilityStatement.model_validate(body)
    assert body["status"] == "active"
    assert body["kind"] == "instance"
    assert body["fhirVersion"] == "4.0.1"
    assert "json" in body["format"]
    assert body["software"]["name"] == "HIMS"
    assert body["implementation"]["url"] == "https://hims.example.in/fhir/R4"


def test_metadata_lists_exactly_the_registry_resources_and_parameters(client: Client, db: None):
    rest = client.get(f"{BASE}/metadata").json()["rest"][0]
    listed = {entry["type"]: entry for entry in rest["resource"]}
    directory = {"Organization", "Location", "Practitioner", "PractitionerRole", "Schedule", "Slot"}
    # Patient: see test_patient.py; Appointment: test_scheduling.py; clinical: test_clinical.py
    assert set(listed) == directory | {"Patient", "Appointment"} | set(CLINICAL_TYPES)
    assert directory == set(REGISTRY)
    for name in directory:
        entry = listed[name]
        assert [i["code"] for i in entry["interaction"]] == ["read", "search-type"]
        params = {p["name"]: p for p in entry["searchParam"]}
        assert set(params) == {p.name for p in REGISTRY[name].all_params}
        assert all(p["documentation"] and p["type"] for p in params.values())


def test_every_listed_search_parameter_is_accepted(api: Client):
    """No drift: each parameter in metadata is a known parameter of its search."""
    rest = api.get(f"{BASE}/metadata").json()["rest"][0]
    for entry in rest["resource"]:
        if entry["type"] == "Patient":  # its searches must be narrowed: see test_patient.py
            continue
        for param in entry["searchParam"]:
            value = {
                "string": "a",
                "token": "x",
                "reference": "1",
                "date": timezone.localdate().isoformat(),
            }[param["type"]]
            if param["name"] == "active":
                value = "true"
            params = {param["name"]: value}
            if entry["type"] in CLINICAL_TYPES and param["name"] not in ("patient", "subject"):
                params["patient"] = "999999999"  # staff search one patient at a time
            bundle_of(api.get(f"{BASE}/{entry['type']}", params))


# --- Organization ------------------------------------------------------------------------


def test_organization_read_maps_the_facility(api: Client, facility: Any):
    facility.phone = "011-23232400"
    facility.save()
    body = read(api, f"Organization/{facility.pk}", Organization)
    assert body["id"] == str(facility.pk)
    assert {"system": HFR_SYSTEM, "value": facility.hfr_id, "use": "official"} in body["identifier"]
    assert {
        "system": resources.FACILITY_CODE_SYSTEM,
        "value": "lnjp",
        "use": "usual",
    } in body["identifier"]
    assert body["name"] == "Lok Nayak Hospital"
    assert body["alias"] == ["लोक नायक अस्पताल"]
    assert body["active"] is True
    assert body["type"][0]["coding"][0] == {
        "system": resources.FACILITY_TYPE_SYSTEM,
        "code": "hospital",
        "display": "Hospital",
    }
    assert body["telecom"] == [{"system": "phone", "value": "011-23232400", "use": "work"}]
    address = body["address"][0]
    assert address["line"] == ["Jawaharlal Nehru Marg", "Daryaganj"]
    assert (address["city"], address["state"], address["country"]) == ("Delhi", "Delhi", "IN")
    assert address["district"] == "Central Delhi"
    assert address["postalCode"] == "110002"


def test_organization_search_by_hfr_system_and_value(
    api: Client, facility: Any, other_facility: Any
):
    body = search(api, "Organization", identifier=f"{HFR_SYSTEM}|{other_facility.hfr_id}")
    assert body["total"] == 1
    assert ids_of(body) == [str(other_facility.pk)]
    assert (
        body["entry"][0]["fullUrl"] == f"http://testserver{BASE}/Organization/{other_facility.pk}"
    )
    assert body["entry"][0]["search"] == {"mode": "match"}


def test_organization_identifier_without_system_matches_any_system(
    api: Client, facility: Any, other_facility: Any
):
    assert ids_of(search(api, "Organization", identifier=facility.hfr_id.lower())) == [
        str(facility.pk)
    ]
    assert ids_of(search(api, "Organization", identifier="gtb")) == [str(other_facility.pk)]
    code = f"{resources.FACILITY_CODE_SYSTEM}|lnjp"
    assert ids_of(search(api, "Organization", identifier=code)) == [str(facility.pk)]


def test_organization_identifier_with_empty_or_foreign_system_matches_nothing(
    api: Client, facility: Any
):
    assert search(api, "Organization", identifier=f"|{facility.hfr_id}")["total"] == 0
    assert search(api, "Organization", identifier=f"{HPR_SYSTEM}|{facility.hfr_id}")["total"] == 0


def test_organization_name_search_matches_word_starts_in_english_and_hindi(
    api: Client, facility: Any, other_facility: Any
):
    assert ids_of(search(api, "Organization", name="lok")) == [str(facility.pk)]
    assert ids_of(search(api, "Organization", name="NAYAK")) == [str(facility.pk)]
    assert ids_of(search(api, "Organization", name="गुरु तेग")) == [str(other_facility.pk)]
    assert ids_of(search(api, "Organization", name="बहादुर")) == [str(other_facility.pk)]
    assert search(api, "Organization", name="ayak")["total"] == 0
    assert ids_of(search(api, "Organization", **{"name:contains": "ayak"})) == [str(facility.pk)]
    assert search(api, "Organization", **{"name:exact": "lok nayak hospital"})["total"] == 0
    exact = search(api, "Organization", **{"name:exact": "Lok Nayak Hospital"})
    assert ids_of(exact) == [str(facility.pk)]


def test_comma_means_or_and_repeated_parameter_means_and(
    api: Client, facility: Any, other_facility: Any
):
    either = search(api, "Organization", name="lok,guru")
    assert ids_of(either) == [str(facility.pk), str(other_facility.pk)]
    both = bundle_of(api.get(f"{BASE}/Organization?name=lok&name=hospital"))
    assert ids_of(both) == [str(facility.pk)]


def test_organization_search_by_postal_code_and_type(
    api: Client, facility: Any, other_facility: Any
):
    FacilityFactory(code="jak", facility_type="jan_aushadhi", pincode="110095")
    assert ids_of(search(api, "Organization", **{"address-postalcode": "110002"})) == [
        str(facility.pk)
    ]
    assert search(api, "Organization", **{"address-postalcode": "11009"})["total"] == 2
    by_type = search(api, "Organization", type="hospital", **{"address-postalcode": "110095"})
    assert ids_of(by_type) == [str(other_facility.pk)]
    typed = search(api, "Organization", type=f"{resources.FACILITY_TYPE_SYSTEM}|jan_aushadhi")
    assert typed["total"] == 1


def test_inactive_organization_is_left_out_of_search_but_readable(api: Client, facility: Any):
    closed: Any = FacilityFactory(code="closed", name="Lok Kalyan Dispensary", is_active=False)
    assert ids_of(search(api, "Organization", name="lok")) == [str(facility.pk)]
    assert read(api, f"Organization/{closed.pk}", Organization)["active"] is False
    assert ids_of(search(api, "Organization", active="false")) == [str(closed.pk)]
    assert search(api, "Organization", _id=str(closed.pk))["total"] == 0


def test_search_by_id(api: Client, facility: Any, other_facility: Any):
    body = search(api, "Organization", _id=f"{other_facility.pk},999999")
    assert ids_of(body) == [str(other_facility.pk)]


# --- Location ----------------------------------------------------------------------------


def test_location_read_of_a_facility_is_a_site_with_position_and_hours(api: Client, facility: Any):
    facility.latitude, facility.longitude = Decimal("28.638300"), Decimal("77.235700")
    facility.save()
    FacilityHoursFactory(facility=facility, weekday=0)
    body = read(api, f"Location/f-{facility.pk}", Location)
    assert body["physicalType"]["coding"][0]["code"] == "si"
    assert body["managingOrganization"]["reference"] == f"Organization/{facility.pk}"
    assert body["position"] == {"latitude": 28.6383, "longitude": 77.2357}
    assert body["address"]["postalCode"] == "110002"
    assert body["hoursOfOperation"] == [
        {"daysOfWeek": ["mon"], "openingTime": "09:00:00", "closingTime": "14:00:00"}
    ]


def test_location_read_of_a_room_is_part_of_its_facility_site(api: Client, facility: Any):
    room: Any = RoomFactory(
        facility=facility, code="12", name="OPD Room 12", name_hi="ओपीडी कक्ष 12"
    )
    body = read(api, f"Location/r-{room.pk}", Location)
    assert body["physicalType"]["coding"][0]["code"] == "ro"
    assert body["partOf"]["reference"] == f"Location/f-{facility.pk}"
    assert body["managingOrganization"]["reference"] == f"Organization/{facility.pk}"
    assert body["identifier"] == [{"system": resources.ROOM_CODE_SYSTEM, "value": "lnjp/12"}]
    assert "position" not in body


def test_location_search_by_organization_gives_the_site_then_its_rooms(
    api: Client, facility: Any, other_facility: Any
):
    rooms: Any = [RoomFactory(facility=facility), RoomFactory(facility=facility)]
    RoomFactory(facility=other_facility)
    RoomFactory(facility=facility, is_active=False)
    body = search(api, "Location", organization=f"Organization/{facility.pk}")
    assert ids_of(body) == [f"f-{facility.pk}"] + [f"r-{room.pk}" for room in rooms]
    assert body["total"] == 3
    assert ids_of(search(api, "Location", organization=str(facility.pk)))[0] == f"f-{facility.pk}"


def test_location_search_by_partof_gives_only_rooms(api: Client, facility: Any):
    room: Any = RoomFactory(facility=facility)
    body = search(api, "Location", partof=f"Location/f-{facility.pk}")
    assert ids_of(body) == [f"r-{room.pk}"]


def test_location_search_by_name_identifier_and_postal_code(
    api: Client, facility: Any, other_facility: Any
):
    room: Any = RoomFactory(facility=other_facility, code="7", name="Vaccination Room")
    assert ids_of(search(api, "Location", name="vacc")) == [f"r-{room.pk}"]
    assert ids_of(search(api, "Location", name="लोक")) == [f"f-{facility.pk}"]
    assert ids_of(search(api, "Location", identifier="gtb/7")) == [f"r-{room.pk}"]
    hfr = search(api, "Location", identifier=f"{HFR_SYSTEM}|{facility.hfr_id}")
    assert ids_of(hfr) == [f"f-{facility.pk}"]
    postal = search(api, "Location", **{"address-postalcode": "110095"})
    assert ids_of(postal) == [f"f-{other_facility.pk}", f"r-{room.pk}"]
    assert ids_of(search(api, "Location", _id=f"r-{room.pk}")) == [f"r-{room.pk}"]


def test_rooms_of_an_inactive_facility_are_left_out_of_location_search(api: Client):
    closed: Any = FacilityFactory(is_active=False)
    room: Any = RoomFactory(facility=closed)
    assert search(api, "Location", organization=str(closed.pk))["total"] == 0
    assert read(api, f"Location/r-{room.pk}", Location)["status"] == "inactive"


# --- Practitioner ------------------------------------------------------------------------


@pytest.fixture
def practitioner(db: None) -> Any:
    return PractitionerFactory(
        name="Dr. Anita Sharma",
        name_hi="डॉ. अनीता शर्मा",
        gender="female",
        hpr_id="71123456789012",
        qualification="MBBS, MD (Medicine)",
        registration_council="dmc",
        registration_number="DMC/12345",
        speciality=speciality("general-medicine"),
    )


def test_practitioner_read_maps_hpr_name_and_qualification(api: Client, practitioner: Any):
    body = read(api, f"Practitioner/{practitioner.pk}", Practitioner)
    assert body["identifier"] == [
        {"use": "official", "system": HPR_SYSTEM, "value": "71123456789012"}
    ]
    official, hindi = body["name"]
    assert official["text"] == "Dr. Anita Sharma"
    assert (official["prefix"], official["given"], official["family"]) == (
        ["Dr."],
        ["Anita"],
        "Sharma",
    )
    assert hindi["text"] == "डॉ. अनीता शर्मा"
    assert body["gender"] == "female"
    qualification = body["qualification"][0]
    assert qualification["code"]["text"] == "MBBS, MD (Medicine)"
    assert qualification["identifier"][0]["value"] == "DMC/12345"
    assert qualification["issuer"]["display"] == "Delhi Medical Council"


def test_practitioner_search_by_hpr_system_and_value(api: Client, practitioner: Any):
    PractitionerFactory()
    exact = search(api, "Practitioner", identifier=f"{HPR_SYSTEM}|71123456789012")
    assert ids_of(exact) == [str(practitioner.pk)]
    hyphenated = search(api, "Practitioner", identifier=f"{HPR_SYSTEM}|71-1234-5678-9012")
    assert ids_of(hyphenated) == [str(practitioner.pk)]


def test_practitioner_search_by_name_in_english_and_hindi_and_gender(
    api: Client, practitioner: Any
):
    PractitionerFactory(name="Dr. Anil Kumar", gender="male")
    assert ids_of(search(api, "Practitioner", name="sharma")) == [str(practitioner.pk)]
    assert ids_of(search(api, "Practitioner", name="अनीता")) == [str(practitioner.pk)]
    assert search(api, "Practitioner", name="ani")["total"] == 2
    assert ids_of(search(api, "Practitioner", name="ani", gender="female")) == [
        str(practitioner.pk)
    ]


def test_inactive_practitioner_is_left_out_of_search_but_readable(api: Client, practitioner: Any):
    practitioner.is_active = False
    practitioner.save()
    assert search(api, "Practitioner", name="sharma")["total"] == 0
    assert read(api, f"Practitioner/{practitioner.pk}", Practitioner)["active"] is False
    assert search(api, "Practitioner", name="sharma", active="false")["total"] == 1


# --- PractitionerRole --------------------------------------------------------------------


def test_practitioner_role_read_takes_specialty_from_the_department(
    api: Client, practitioner: Any, facility: Any
):
    department = DepartmentFactory(facility=facility, speciality=speciality("paediatrics"))
    role: Any = PractitionerRoleFactory(
        practitioner=practitioner,
        facility=facility,
        department=department,
        starts_on=datetime.date(2024, 4, 1),
    )
    body = read(api, f"PractitionerRole/{role.pk}", PractitionerRole)
    assert body["practitioner"]["reference"] == f"Practitioner/{practitioner.pk}"
    assert body["organization"]["reference"] == f"Organization/{facility.pk}"
    assert body["location"][0]["reference"] == f"Location/f-{facility.pk}"
    assert body["specialty"][0]["coding"][0] == {
        "system": resources.SPECIALITY_SYSTEM,
        "code": "paediatrics",
        "display": "Paediatrics",
    }
    assert body["code"][0]["coding"][0]["code"] == "doctor"
    assert body["code"][0]["coding"][0]["system"] == resources.HL7_ROLE_SYSTEM
    assert body["period"] == {"start": "2024-04-01"}
    assert body["active"] is True


def test_practitioner_role_without_department_takes_the_practitioners_speciality(
    api: Client, practitioner: Any, facility: Any
):
    role: Any = PractitionerRoleFactory(practitioner=practitioner, facility=facility)
    body = read(api, f"PractitionerRole/{role.pk}", PractitionerRole)
    assert body["specialty"][0]["coding"][0]["code"] == "general-medicine"


def test_practitioner_role_search_by_practitioner_organization_specialty_and_role(
    api: Client, practitioner: Any, facility: Any, other_facility: Any
):
    here: Any = PractitionerRoleFactory(practitioner=practitioner, facility=facility)
    there: Any = PractitionerRoleFactory(
        practitioner=practitioner,
        facility=other_facility,
        department=DepartmentFactory(facility=other_facility, speciality=speciality("dental")),
    )
    nurse: Any = PractitionerRoleFactory(facility=facility, role="nurse")
    anm: Any = PractitionerRoleFactory(facility=facility, role="anm")
    assert ids_of(
        search(api, "PractitionerRole", practitioner=f"Practitioner/{practitioner.pk}")
    ) == [
        str(here.pk),
        str(there.pk),
    ]
    assert ids_of(search(api, "PractitionerRole", organization=str(other_facility.pk))) == [
        str(there.pk)
    ]
    assert ids_of(search(api, "PractitionerRole", specialty="dental")) == [str(there.pk)]
    general = search(
        api, "PractitionerRole", specialty=f"{resources.SPECIALITY_SYSTEM}|general-medicine"
    )
    assert ids_of(general) == [str(here.pk)]
    nurses = search(api, "PractitionerRole", role=f"{resources.HL7_ROLE_SYSTEM}|nurse")
    assert ids_of(nurses) == [str(nurse.pk)]
    assert ids_of(search(api, "PractitionerRole", role=f"{resources.HIMS_ROLE_SYSTEM}|anm")) == [
        str(anm.pk)
    ]
    assert search(api, "PractitionerRole", role=f"{resources.HL7_ROLE_SYSTEM}|anm")["total"] == 0


def test_roles_of_inactive_practitioners_and_inactive_roles_are_left_out_of_search(
    api: Client, practitioner: Any, facility: Any
):
    role: Any = PractitionerRoleFactory(practitioner=practitioner, facility=facility)
    ended: Any = PractitionerRoleFactory(facility=facility, is_active=False)
    assert ids_of(search(api, "PractitionerRole", organization=str(facility.pk))) == [str(role.pk)]
    inactive = search(api, "PractitionerRole", organization=str(facility.pk), active="false")
    assert ids_of(inactive) == [str(ended.pk)]
    practitioner.is_active = False
    practitioner.save()
    assert search(api, "PractitionerRole", organization=str(facility.pk))["total"] == 0
    assert read(api, f"PractitionerRole/{role.pk}", PractitionerRole)["id"] == str(role.pk)
