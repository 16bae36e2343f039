"""FHIR Patient: mapping, access, logging, search, create, update and $match.

Every response is validated with fhir.resources R4B. Alice is a clerk and Bob a doctor at Lok
Nayak Hospital; Esha a network administrator; patients sign in with their mobile number.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.patient import Patient as FhirPatient

from hims.accounts.choices import Role
from hims.accounts.services import api_token_create
from hims.accounts.tests.factories import MembershipFactory, UserFactory
from hims.core.models import AccessEvent
from hims.fhir.patient.mapping import ABHA_ADDRESS_SYSTEM, UHID_SYSTEM
from hims.fhir.patient.views import CONFIRM_HEADER, MATCH_GRADE
from hims.fhir.tests.factories import PatientUserFactory
from hims.fhir.tests.helpers import FHIR_JSON, bundle_of, ids_of, outcome_of
from hims.lib.identifiers import ABHA_SYSTEM, format_14_digits
from hims.patients.models import Patient, PatientChange
from hims.patients.services import patient_merge, patient_register
from hims.patients.tests.factories import abha, make_patient

BASE = "/fhir/R4"
HINDI = {"url": "http://hl7.org/fhir/StructureDefinition/language", "valueCode": "hi"}


def token_client(user: Any) -> Client:
    _token, secret = api_token_create(user=user, name="integration")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def patient_of(response: Any, status: int = 200) -> dict[str, Any]:
    """The Patient body, after checking status, content type and R4B validity."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body: dict[str, Any] = response.json()
    FhirPatient.model_validate(body)
    assert body["resourceType"] == "Patient"
    return body


def search(client: Client, **params: str) -> dict[str, Any]:
    return bundle_of(client.get(f"{BASE}/Patient", params))


def pk_ids(*patients: Patient) -> list[str]:
    return [str(patient.pk) for patient in patients]


def logged(patient: Patient, action: str) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(patient_id=patient.pk, action=action))


@pytest.fixture
def api(client: Client, clerk: Any) -> Client:
    """Alice the clerk, signed in with a session (reads and searches only)."""
    client.force_login(clerk)
    return client


@pytest.fixture
def writer(clerk: Any) -> Client:
    """Alice the clerk, with an API token."""
    return token_client(clerk)


@pytest.fixture
def ramesh(db: None) -> Patient:
    return make_patient(
        name="Ramesh Kumar",
        name_hi="रमेश कुमार",
        gender="male",
        birth_date=date(1980, 5, 17),
        mobile="9811100001",
        abha_number=abha("9154872361"),
        abha_address="ramesh.kumar@abdm",
        address_line="House 12, Gali 4",
        locality="Daryaganj",
        district="central",
        pincode="110002",
        emergency_contact_name="Sita Devi",
        emergency_contact_mobile="9811100009",
        emergency_contact_relation="spouse",
        preferred_language="hi",
    )


@pytest.fixture
def sunita(db: None) -> Patient:
    """Registered in Hindi only, with an age rather than a date of birth."""
    return make_patient(
        name="सुनीता देवी",
        name_hi="सुनीता देवी",
        gender="female",
        birth_date=date(1955, 7, 1),
        birth_date_is_estimated=True,
        mobile="9811100003",
    )


@pytest.fixture
def suresh(db: None) -> Patient:
    """Registered in English only."""
    return make_patient(
        name="Suresh Kumar", name_hi="", birth_date=date(1990, 1, 1), mobile="9811100002"
    )


def registration(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Patient",
        "name": [
            {"use": "official", "text": "Kavita Sharma"},
            {"use": "usual", "text": "कविता शर्मा", "extension": [HINDI]},
        ],
        "telecom": [{"system": "phone", "value": "+919811100055", "use": "mobile"}],
        "gender": "female",
        "birthDate": "1992-03-12",
        "address": [
            {
                "use": "home",
                "line": ["B-14, Gali 2", "Seelampur"],
                "city": "Delhi",
                "district": "North East Delhi",
                "state": "Delhi",
                "postalCode": "110053",
                "country": "IN",
            }
        ],
        "contact": [
            {
                "relationship": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                                "code": "HUSB",
                            }
                        ]
                    }
                ],
                "name": {"text": "Vikas Sharma"},
                "telecom": [{"system": "phone", "value": "9811100056"}],
            }
        ],
        "communication": [
            {
                "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en-IN"}]},
                "preferred": True,
            }
        ],
    }
    body.update(changes)
    return body


def create(client: Client, body: dict[str, Any], **headers: str) -> Any:
    return client.post(f"{BASE}/Patient", body, content_type=FHIR_JSON, headers=headers)


def update(client: Client, patient: Patient, body: dict[str, Any]) -> Any:
    return client.put(f"{BASE}/Patient/{patient.pk}", body, content_type=FHIR_JSON)


def match(client: Client, resource: dict[str, Any], *extra: dict[str, Any]) -> Any:
    body = {
        "resourceType": "Parameters",
        "parameter": [{"name": "resource", "resource": resource}, *extra],
    }
    return client.post(f"{BASE}/Patient/$match", body, content_type=FHIR_JSON)


# --- read: the mapping ---------------------------------------------------------------------


def test_read_maps_identifiers_names_and_contact_details(api: Client, ramesh: Patient):
    body = patient_of(api.get(f"{BASE}/Patient/{ramesh.pk}"))
    assert body["id"] == str(ramesh.pk)
    assert body["meta"]["lastUpdated"]
    uhid, abha_number, abha_address = body["identifier"]
    assert (uhid["system"], uhid["value"], uhid["use"]) == (UHID_SYSTEM, ramesh.uhid, "usual")
    assert uhid["type"]["coding"][0]["code"] == "MR"
    assert abha_number["system"] == ABHA_SYSTEM == "https://healthid.ndhm.gov.in"
    assert abha_number["value"] == format_14_digits(ramesh.abha_number or "")
    assert abha_number["value"].count("-") == 3
    assert (abha_address["system"], abha_address["value"]) == (
        ABHA_ADDRESS_SYSTEM,
        "ramesh.kumar@abdm",
    )
    official, hindi = body["name"]
    assert official == {
        "use": "official",
        "text": "Ramesh Kumar",
        "family": "Kumar",
        "given": ["Ramesh"],
    }
    assert hindi == {"extension": [HINDI], "use": "usual", "text": "रमेश कुमार"}
    assert body["telecom"] == [{"system": "phone", "value": "+919811100001", "use": "mobile"}]
    assert (body["gender"], body["birthDate"], body["active"]) == ("male", "1980-05-17", True)
    assert body["address"] == [
        {
            "use": "home",
            "type": "physical",
            "line": ["House 12, Gali 4", "Daryaganj"],
            "city": "Delhi",
            "district": "Central Delhi",
            "state": "Delhi",
            "postalCode": "110002",
            "country": "IN",
        }
    ]
    contact = body["contact"][0]
    assert contact["relationship"][0]["coding"][0]["code"] == "C"
    assert contact["relationship"][1]["coding"][0]["code"] == "SPS"
    assert contact["name"] == {"text": "Sita Devi"}
    assert contact["telecom"] == [{"system": "phone", "value": "+919811100009", "use": "mobile"}]
    language = body["communication"][0]
    assert language["language"]["coding"][0] == {
        "system": "urn:ietf:bcp:47",
        "code": "hi",
        "display": "Hindi",
    }
    assert language["preferred"] is True
    assert "link" not in body


def test_read_writes_one_access_log_entry(api: Client, clerk: Any, facility: Any, ramesh: Patient):
    patient_of(api.get(f"{BASE}/Patient/{ramesh.pk}"))
    (event,) = logged(ramesh, "read")
    assert (event.actor, event.facility, event.resource_type) == (clerk, facility, "Patient")
    assert (event.resource_id, event.basis, event.channel) == (
        str(ramesh.pk),
        "administration",
        "fhir",
    )


def test_approximate_date_of_birth_is_published_as_its_year(api: Client, sunita: Patient):
    body = patient_of(api.get(f"{BASE}/Patient/{sunita.pk}"))
    assert body["birthDate"] == "1955"
    assert body["name"][0]["text"] == "सुनीता देवी"


def test_merged_record_is_inactive_and_points_to_its_survivor(
    api: Client, facility_admin: Any, facility: Any, ramesh: Patient, suresh: Patient
):
    patient_merge(
        survivor_id=ramesh.pk,
        loser_id=suresh.pk,
        actor=facility_admin,
        facility=facility,
        reason="same person",
    )
    loser = patient_of(api.get(f"{BASE}/Patient/{suresh.pk}"))
    assert loser["active"] is False
    assert loser["link"] == [
        {"other": {"reference": f"Patient/{ramesh.pk}"}, "type": "replaced-by"}
    ]
    survivor = patient_of(api.get(f"{BASE}/Patient/{ramesh.pk}"))
    assert survivor["link"] == [
        {"other": {"reference": f"Patient/{suresh.pk}"}, "type": "replaces"}
    ]


@pytest.mark.parametrize("resource_id", ["999999", "abc", "007"])
def test_unknown_patient_gives_404_to_staff(api: Client, ramesh: Patient, resource_id: str):
    body = outcome_of(api.get(f"{BASE}/Patient/{resource_id}"), 404)
    assert body["issue"][0]["code"] == "not-found"


def test_read_with_unknown_parameter_gives_400(api: Client, ramesh: Patient):
    outcome_of(api.get(f"{BASE}/Patient/{ramesh.pk}", {"name": "x"}), 400)


# --- access --------------------------------------------------------------------------------


def test_patient_reads_their_family_and_is_refused_everyone_else(
    client: Client, ramesh: Patient, suresh: Patient
):
    child = make_patient(name="Aarav Kumar", birth_date=date(2016, 2, 1), mobile="9811100001")
    account: Any = PatientUserFactory(mobile="9811100001")
    client.force_login(account)
    for own in (ramesh, child):
        patient_of(client.get(f"{BASE}/Patient/{own.pk}"))
    (event,) = logged(child, "read")
    assert (event.actor, event.basis, event.actor_role) == (account, "self", "patient")
    refused = outcome_of(client.get(f"{BASE}/Patient/{suresh.pk}"), 403)
    assert refused["issue"][0]["code"] == "forbidden"
    (attempt,) = logged(suresh, "read")
    assert (attempt.outcome, attempt.actor) == ("denied", account)
    outcome_of(client.get(f"{BASE}/Patient/999999"), 403)  # no hint whether it exists


def test_patient_search_lists_only_their_family(client: Client, ramesh: Patient, suresh: Patient):
    child = make_patient(name="Aarav Kumar", birth_date=date(2016, 2, 1), mobile="9811100001")
    client.force_login(PatientUserFactory(mobile="9811100001"))
    assert ids_of(search(client)) == pk_ids(ramesh, child)
    assert search(client, name="Sunita Devi")["total"] == 0
    assert ids_of(search(client, name="kumar")) == pk_ids(ramesh, child)


def test_patient_may_not_write_or_match(ramesh: Patient):
    family = token_client(PatientUserFactory(mobile="9811100001"))
    outcome_of(create(family, registration()), 403)
    outcome_of(update(family, ramesh, patient_of(family.get(f"{BASE}/Patient/{ramesh.pk}"))), 403)
    outcome_of(match(family, {"resourceType": "Patient", "name": [{"text": "Ramesh"}]}), 403)


@pytest.mark.parametrize("role", [None, Role.AUDITOR])
def test_staff_without_a_patient_role_are_refused(client: Client, ramesh: Patient, role: Any):
    user: Any = UserFactory()
    if role:
        MembershipFactory(user=user, role=role, facility=None)
    client.force_login(user)
    for response in (
        client.get(f"{BASE}/Patient/{ramesh.pk}"),
        client.get(f"{BASE}/Patient", {"name": "ramesh"}),
    ):
        assert outcome_of(response, 403)["issue"][0]["code"] == "forbidden"
    assert AccessEvent.objects.count() == 0


def test_pharmacist_has_a_patient_role(client: Client, facility: Any, ramesh: Patient):
    user: Any = UserFactory()
    MembershipFactory(user=user, role=Role.PHARMACIST, facility=facility)
    client.force_login(user)
    patient_of(client.get(f"{BASE}/Patient/{ramesh.pk}"))


def test_network_admin_reads_network_wide_without_a_facility(
    client: Client, network_admin: Any, ramesh: Patient
):
    client.force_login(network_admin)
    patient_of(client.get(f"{BASE}/Patient/{ramesh.pk}"))
    (event,) = logged(ramesh, "read")
    assert (event.actor, event.facility) == (network_admin, None)


def test_unauthenticated_requests_give_401(client: Client, ramesh: Patient):
    for response in (
        client.get(f"{BASE}/Patient/{ramesh.pk}"),
        client.get(f"{BASE}/Patient", {"name": "ramesh"}),
        create(client, registration()),
        update(client, ramesh, {"resourceType": "Patient", "id": str(ramesh.pk)}),
        match(client, {"resourceType": "Patient"}),
    ):
        assert outcome_of(response, 401)["issue"][0]["code"] == "login"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_writes_with_only_a_session_are_refused_not_a_csrf_page(api: Client, ramesh: Patient):
    api.handler.enforce_csrf_checks = True
    response = create(api, registration())
    assert "API token" in outcome_of(response, 401)["issue"][0]["diagnostics"]
    outcome_of(update(api, ramesh, {"resourceType": "Patient", "id": str(ramesh.pk)}), 401)
    assert not Patient.objects.filter(name="Kavita Sharma").exists()


def test_other_methods_give_405(writer: Client, ramesh: Patient):
    response = writer.delete(f"{BASE}/Patient/{ramesh.pk}")
    outcome_of(response, 405)
    assert response["Allow"] == "GET, HEAD, PUT"
    assert writer.get(f"{BASE}/Patient/$match").status_code == 405


# --- search --------------------------------------------------------------------------------


@pytest.fixture
def people(ramesh: Patient, sunita: Patient, suresh: Patient) -> dict[str, Patient]:
    return {"ramesh": ramesh, "sunita": sunita, "suresh": suresh}


def test_search_by_abha_number_with_hyphens_uhid_and_abha_address(api: Client, people: Any):
    ramesh = people["ramesh"]
    grouped = format_14_digits(ramesh.abha_number)
    for identifier in (
        f"{ABHA_SYSTEM}|{grouped}",
        f"{ABHA_SYSTEM}|{ramesh.abha_number}",
        grouped,
        f"{UHID_SYSTEM}|{ramesh.uhid}",
        ramesh.uhid.lower(),
        ramesh.uhid_display,
        f"{ABHA_ADDRESS_SYSTEM}|Ramesh.Kumar@abdm",
        "ramesh.kumar@abdm",
    ):
        assert ids_of(search(api, identifier=identifier)) == pk_ids(ramesh), identifier
    assert search(api, identifier=f"https://example.org/mrn|{ramesh.uhid}")["total"] == 0
    assert search(api, identifier=f"|{ramesh.uhid}")["total"] == 0


def test_search_by_phone_with_or_without_country_code(api: Client, people: Any):
    ramesh = people["ramesh"]
    for phone in ("+919811100001", "9811100001", "+91 98111 00001", "09811100001"):
        assert ids_of(search(api, phone=phone)) == pk_ids(ramesh), phone
    # A "+" left unencoded in the query string arrives as a space, and still works.
    assert ids_of(bundle_of(api.get(f"{BASE}/Patient?phone=+919811100001"))) == pk_ids(ramesh)
    assert search(api, phone="12345")["total"] == 0


def first_found(api: Client, name: str, *, absent: Patient) -> str:
    """The best match for `name`; `absent` (a name that sounds nothing like it) is not listed.

    On PostgreSQL the trigram lookup also lists names that merely sound alike (Suresh Kumar
    for Ramesh Kumar), after the exact-sounding ones; SQLite lists only word-start matches.
    """
    found = ids_of(search(api, name=name))
    assert str(absent.pk) not in found
    return found[0]


def test_name_search_meets_across_scripts_and_spellings(api: Client, people: Any):
    ramesh, sunita, suresh = people["ramesh"], people["sunita"], people["suresh"]
    assert first_found(api, "Ramesh Kumaar", absent=sunita) == str(ramesh.pk)
    assert first_found(api, "रमेश कुमार", absent=sunita) == str(ramesh.pk)
    # Written only in Hindi, found by an English spelling; and the other way round.
    assert ids_of(search(api, name="Suneeta Devi")) == pk_ids(sunita)
    assert first_found(api, "सुरेश कुमार", absent=sunita) == str(suresh.pk)
    assert ids_of(search(api, **{"name:exact": "Ramesh Kumar"})) == pk_ids(people["ramesh"])
    assert search(api, **{"name:exact": "ramesh kumar"})["total"] == 0
    outcome_of(api.get(f"{BASE}/Patient", {"name:contains": "mesh"}), 400)


def test_name_search_lists_exact_sounding_names_first(api: Client, facility: Any, people: Any):
    both = ids_of(search(api, name="Suresh Kumar,Ramesh Kumar"))
    assert set(both) == set(pk_ids(people["ramesh"], people["suresh"]))
    first = ids_of(search(api, name="Suresh Kumar"))[0]
    assert first == str(people["suresh"].pk)


def test_search_by_birthdate_day_month_and_year(api: Client, people: Any):
    ramesh, sunita = people["ramesh"], people["sunita"]
    for value in ("1980-05-17", "1980-05", "1980", "eq1980"):
        assert ids_of(search(api, birthdate=value)) == pk_ids(ramesh), value
    # Sunita's date of birth is approximate: born in 1955, but not known to be on any one day.
    assert ids_of(search(api, birthdate="1955")) == pk_ids(sunita)
    assert search(api, birthdate="1955-07-01")["total"] == 0


@pytest.mark.parametrize(
    ("birthdate", "expected"),
    [
        ("ge1960", ["ramesh", "suresh"]),
        ("lt1960", ["sunita"]),
        ("gt1955", ["ramesh", "suresh"]),
        ("ge1955", ["ramesh", "sunita", "suresh"]),
        ("gt1955-06-30", ["ramesh", "sunita", "suresh"]),
        ("le1955-06-30", ["sunita"]),
        ("lt1955-01-01", []),
        ("le1980-05-17", ["ramesh", "sunita"]),
        ("gt1980-05-17", ["suresh"]),
        ("ne1980", ["sunita", "suresh"]),
    ],
)
def test_birthdate_prefixes(api: Client, people: Any, birthdate: str, expected: list[str]):
    every = ",".join(str(p.pk) for p in people.values())
    body = search(api, _id=every, birthdate=birthdate)
    assert ids_of(body) == pk_ids(*(people[name] for name in expected))


def test_search_by_gender_narrows(api: Client, people: Any):
    assert ids_of(search(api, name="kumar", gender="male")) == pk_ids(
        people["ramesh"], people["suresh"]
    )
    assert search(api, name="kumar", gender="female")["total"] == 0
    female = "http://hl7.org/fhir/administrative-gender|female"
    assert ids_of(search(api, birthdate="1955", gender=female)) == pk_ids(people["sunita"])


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"_count": "10"},
        {"_count": "0"},
        {"gender": "male"},
        {"birthdate": "ge1900"},
        {"active": "true"},
    ],
)
def test_a_search_without_a_narrowing_parameter_is_refused(
    api: Client, people: Any, params: dict[str, str]
):
    body = outcome_of(api.get(f"{BASE}/Patient", params), 400)
    assert "too broad" in body["issue"][0]["diagnostics"]
    assert AccessEvent.objects.count() == 0


@pytest.mark.parametrize(
    "params",
    [
        {"colour": "blue"},
        {"birthdate": "17-05-1980"},
        {"birthdate": "1980-02-30"},
        {"birthdate": "sa1980"},
        {"birthdate": ""},
        {"birthdate:missing": "true"},
        {"name": "ramesh", "_count": "many"},
    ],
)
def test_malformed_searches_give_400(api: Client, params: dict[str, str]):
    outcome_of(api.get(f"{BASE}/Patient", params), 400)


def test_search_logs_one_entry_per_patient_returned(
    api: Client, clerk: Any, facility: Any, people: Any
):
    search(api, name="kumar")
    for name in ("ramesh", "suresh"):
        (event,) = logged(people[name], "search")
        assert (event.actor, event.facility, event.resource_type) == (clerk, facility, "Patient")
    assert logged(people["sunita"], "search") == []
    assert search(api, name="kumar", _count="0")["total"] == 2
    assert AccessEvent.objects.filter(action="search").count() == 2  # a total shows no one


def test_search_pages_with_next_links(api: Client, people: Any):
    first = search(api, name="kumar", _count="1")
    assert first["total"] == 2
    links = {link["relation"]: link["url"] for link in first["link"]}
    parts = urlsplit(links["next"])
    second = bundle_of(api.get(f"{parts.path}?{parts.query}"))
    assert len(ids_of(first)) == len(ids_of(second)) == 1
    assert set(ids_of(first) + ids_of(second)) == set(pk_ids(people["ramesh"], people["suresh"]))
    assert first["entry"][0]["fullUrl"].startswith("http://testserver/fhir/R4/Patient/")
    assert first["entry"][0]["search"] == {"mode": "match"}


def test_merged_records_are_left_out_of_search_unless_asked(
    api: Client, facility_admin: Any, facility: Any, people: Any
):
    ramesh, suresh = people["ramesh"], people["suresh"]
    patient_merge(
        survivor_id=ramesh.pk,
        loser_id=suresh.pk,
        actor=facility_admin,
        facility=facility,
        reason="same person",
    )
    assert ids_of(search(api, name="kumar")) == pk_ids(ramesh)
    assert ids_of(search(api, name="kumar", active="false")) == pk_ids(suresh)
    assert ids_of(search(api, identifier=suresh.uhid, active="false")) == pk_ids(suresh)


def test_a_search_page_costs_the_same_queries_whatever_its_size(api: Client, db: None):
    def queries() -> int:
        cache.clear()  # similar name keys are cached: compare cold searches
        with CaptureQueriesContext(connection) as captured:
            bundle_of(api.get(f"{BASE}/Patient", {"name": "Ramesh Kumar", "_count": "100"}))
        return len(captured)

    make_patient(mobile="9811100100")
    few = queries()
    for number in range(10):
        make_patient(mobile=f"98111002{number:02d}")
    assert queries() == few
    assert AccessEvent.objects.filter(action="search").count() == 1 + 11


def test_every_listed_patient_parameter_is_accepted(api: Client, people: Any):
    """No drift: each Patient parameter in metadata works in a (narrowed) search."""
    rest = api.get(f"{BASE}/metadata").json()["rest"][0]
    (entry,) = [e for e in rest["resource"] if e["type"] == "Patient"]
    values = {"string": "ramesh", "token": "x", "date": "1980"}
    for param in entry["searchParam"]:
        value = "true" if param["name"] == "active" else values[param["type"]]
        bundle_of(api.get(f"{BASE}/Patient", {param["name"]: value, "_id": "1"}))


# --- CapabilityStatement -------------------------------------------------------------------


def test_metadata_lists_patient_with_writes_search_parameters_and_match(client: Client, db: None):
    body = client.get(f"{BASE}/metadata").json()
    CapabilityStatement.model_validate(body)
    (entry,) = [e for e in body["rest"][0]["resource"] if e["type"] == "Patient"]
    assert [i["code"] for i in entry["interaction"]] == ["read", "search-type", "create", "update"]
    params = {p["name"]: p["type"] for p in entry["searchParam"]}
    assert params == {
        "identifier": "token",
        "name": "string",
        "phone": "token",
        "gender": "token",
        "active": "token",
        "birthdate": "date",
        "_id": "token",
    }
    assert entry["operation"][0]["name"] == "match"
    assert entry["operation"][0]["definition"].endswith("OperationDefinition/Patient-match")
    assert CONFIRM_HEADER in entry["documentation"]


# --- create ----------------------------------------------------------------------------------


def test_create_registers_the_patient_with_history_and_access_log(
    writer: Client, clerk: Any, facility: Any
):
    response = create(writer, registration())
    body = patient_of(response, 201)
    patient = Patient.objects.get(pk=body["id"])
    assert response["Location"] == f"http://testserver{BASE}/Patient/{patient.pk}"
    assert (patient.registration_channel, patient.registered_at, patient.registered_by) == (
        "api",
        facility,
        clerk,
    )
    assert body["identifier"][0] == {
        "use": "usual",
        "type": body["identifier"][0]["type"],
        "system": UHID_SYSTEM,
        "value": patient.uhid,
    }
    change = PatientChange.objects.get(patient=patient)
    assert change.action == "created" and change.changed_by == clerk
    (event,) = logged(patient, "create")
    assert (event.actor, event.facility, event.channel) == (clerk, facility, "fhir")


def test_create_maps_the_fhir_elements_to_the_record(writer: Client):
    number = abha("9176543210")
    body = registration(
        identifier=[
            {"system": ABHA_SYSTEM, "value": format_14_digits(number)},
            {"system": ABHA_ADDRESS_SYSTEM, "value": "Kavita.Sharma@abdm"},
        ],
        birthDate="1992",
    )
    created = patient_of(create(writer, body), 201)
    patient = Patient.objects.get(pk=created["id"])
    assert (patient.abha_number, patient.abha_address) == (number, "kavita.sharma@abdm")
    assert (patient.name, patient.name_hi) == ("Kavita Sharma", "कविता शर्मा")
    assert (patient.mobile, patient.gender) == ("9811100055", "female")
    assert patient.birth_date_is_estimated and patient.birth_date.year == 1992
    assert created["birthDate"] == "1992"
    assert (patient.address_line, patient.locality) == ("B-14, Gali 2", "Seelampur")
    assert (patient.district, patient.pincode) == ("north_east", "110053")
    assert (patient.emergency_contact_name, patient.emergency_contact_mobile) == (
        "Vikas Sharma",
        "9811100056",
    )
    assert patient.emergency_contact_relation == "spouse"
    assert patient.preferred_language == "en"


def test_create_with_a_mistyped_abha_number_points_at_the_identifier(writer: Client):
    number = abha("9176543210")
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    body = registration(
        identifier=[
            {"system": ABHA_ADDRESS_SYSTEM, "value": "kavita.sharma@abdm"},
            {"system": ABHA_SYSTEM, "value": format_14_digits(wrong)},
        ]
    )
    outcome = outcome_of(create(writer, body), 422)
    (issue,) = outcome["issue"]
    assert issue["expression"] == ["Patient.identifier[1].value"]
    assert "mistyped" in issue["diagnostics"]
    assert not Patient.objects.exists()


def test_create_with_a_bad_mobile_points_at_the_telecom(writer: Client):
    body = registration(telecom=[{"system": "phone", "value": "12345", "use": "mobile"}])
    (issue,) = outcome_of(create(writer, body), 422)["issue"]
    assert issue["expression"] == ["Patient.telecom[0].value"]
    assert "10-digit" in issue["diagnostics"]


def test_create_lists_every_invalid_field(writer: Client):
    body = registration(gender="unknown", address=[{"postalCode": "012345"}])
    del body["birthDate"]
    issues = outcome_of(create(writer, body), 422)["issue"]
    expressions = {issue["expression"][0] for issue in issues}
    assert expressions == {"Patient.gender", "Patient.birthDate", "Patient.address[0].postalCode"}


def test_create_refuses_identifiers_hims_does_not_keep_or_gives_itself(writer: Client):
    aadhaar = registration(identifier=[{"system": "https://uidai.gov.in/", "value": "1234"}])
    (issue,) = outcome_of(create(writer, aadhaar), 422)["issue"]
    assert (issue["code"], issue["expression"]) == (
        "not-supported",
        ["Patient.identifier[0].system"],
    )
    uhid = registration(identifier=[{"system": UHID_SYSTEM, "value": "DL4821937065"}])
    (issue,) = outcome_of(create(writer, uhid), 422)["issue"]
    assert issue["expression"] == ["Patient.identifier[0].value"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"resourceType": "Patient", "gender": 7}, 400),
        ({"resourceType": "Patient", "colour": "blue"}, 400),
        ({"resourceType": "Patient", "birthDate": "12-03-1992"}, 400),
        ({"resourceType": "Organization", "name": "x"}, 400),
        (["not", "a", "resource"], 400),
    ],
)
def test_create_with_invalid_fhir_gives_400(writer: Client, body: Any, status: int):
    outcome = outcome_of(create(writer, body), status)
    assert outcome["issue"][0]["code"] in {"structure", "invalid"}


def test_create_points_at_the_invalid_element(writer: Client):
    outcome = outcome_of(create(writer, registration(gender=7)), 400)
    assert outcome["issue"][0]["expression"] == ["Patient.gender"]


def test_create_refuses_a_body_that_is_not_fhir_json(writer: Client):
    response = writer.post(f"{BASE}/Patient", "{not json", content_type=FHIR_JSON)
    outcome_of(response, 400)
    response = writer.post(f"{BASE}/Patient", {"name": "x"})  # a form post
    outcome_of(response, 415)


def test_a_retried_create_with_an_idempotency_key_registers_once(writer: Client):
    first = create(writer, registration(), **{"Idempotency-Key": "reg-0001"})
    again = create(writer, registration(), **{"Idempotency-Key": "reg-0001"})
    assert patient_of(again, 201) == patient_of(first, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert Patient.objects.count() == 1
    other = create(writer, registration(gender="male"), **{"Idempotency-Key": "reg-0001"})
    assert outcome_of(other, 409)["issue"][0]["code"] == "conflict"


def test_likely_duplicate_gives_409_with_the_candidates_then_registers_when_confirmed(
    writer: Client, ramesh: Patient
):
    body = registration(
        name=[{"text": "Ramesh Kumaar"}],
        gender="male",
        birthDate="1980-05-17",
        telecom=[{"system": "phone", "value": "9811100001"}],
    )
    response = create(writer, body)
    outcome = outcome_of(response, 409)
    first, candidate = outcome["issue"]
    assert first["code"] == "duplicate"
    assert first["details"]["text"] == f"Patient/{ramesh.pk}"
    assert CONFIRM_HEADER in first["diagnostics"]
    assert candidate["severity"] == "information"
    assert candidate["details"]["text"] == f"Patient/{ramesh.pk}"
    assert "same mobile number" in candidate["diagnostics"]
    assert len(logged(ramesh, "search")) == 1  # the candidate was shown
    assert Patient.objects.count() == 1
    created = patient_of(create(writer, body, **{CONFIRM_HEADER: "true"}), 201)
    assert created["id"] != str(ramesh.pk)
    assert Patient.objects.count() == 2


def test_abha_number_already_registered_is_refused_never_500(writer: Client, ramesh: Patient):
    body = registration(identifier=[{"system": ABHA_SYSTEM, "value": ramesh.abha_number}])
    outcome_of(create(writer, body), 409)  # suspected: the same ABHA number
    confirmed = outcome_of(create(writer, body, **{CONFIRM_HEADER: "true"}), 409)
    (issue,) = confirmed["issue"]
    assert (issue["code"], issue["expression"]) == ("duplicate", ["Patient.identifier[0].value"])
    assert ramesh.uhid_display in issue["diagnostics"]
    assert Patient.objects.count() == 1


# --- update ----------------------------------------------------------------------------------


def test_update_replaces_the_demographics_and_keeps_history(
    writer: Client, clerk: Any, facility: Any, ramesh: Patient
):
    body = patient_of(writer.get(f"{BASE}/Patient/{ramesh.pk}"))
    body["telecom"] = [{"system": "phone", "value": "+91 98111 00077", "use": "mobile"}]
    del body["contact"]
    updated = patient_of(update(writer, ramesh, body))
    assert updated["telecom"][0]["value"] == "+919811100077"
    assert "contact" not in updated
    ramesh.refresh_from_db()
    assert (ramesh.mobile, ramesh.emergency_contact_name) == ("9811100077", "")
    change = PatientChange.objects.get(patient=ramesh, action="updated")
    assert change.changes["mobile"] == ["9811100001", "9811100077"]
    assert change.changes["emergency_contact_name"] == ["Sita Devi", ""]
    assert change.changed_by == clerk and change.facility == facility
    (event,) = logged(ramesh, "update")
    assert event.actor == clerk


def test_update_with_the_resource_as_read_changes_nothing(writer: Client, ramesh: Patient):
    body = patient_of(writer.get(f"{BASE}/Patient/{ramesh.pk}"))
    assert patient_of(update(writer, ramesh, body))["identifier"] == body["identifier"]
    assert not PatientChange.objects.filter(patient=ramesh, action="updated").exists()


def test_update_needs_the_id_of_the_url(writer: Client, ramesh: Patient, suresh: Patient):
    body = patient_of(writer.get(f"{BASE}/Patient/{ramesh.pk}"))
    body["id"] = str(suresh.pk)
    outcome_of(update(writer, ramesh, body), 400)
    del body["id"]
    outcome_of(update(writer, ramesh, body), 400)
    response = writer.put(
        f"{BASE}/Patient/999999", {**body, "id": "999999"}, content_type=FHIR_JSON
    )
    outcome_of(response, 404)


def test_update_may_not_change_the_uhid(writer: Client, ramesh: Patient):
    body = patient_of(writer.get(f"{BASE}/Patient/{ramesh.pk}"))
    body["identifier"][0]["value"] = "DL4821937065"
    (issue,) = outcome_of(update(writer, ramesh, body), 422)["issue"]
    assert issue["expression"] == ["Patient.identifier[0].value"]


def test_update_of_a_merged_record_gives_409(
    writer: Client, facility_admin: Any, facility: Any, ramesh: Patient, suresh: Patient
):
    body = patient_of(writer.get(f"{BASE}/Patient/{suresh.pk}"))
    patient_merge(
        survivor_id=ramesh.pk,
        loser_id=suresh.pk,
        actor=facility_admin,
        facility=facility,
        reason="same person",
    )
    outcome = outcome_of(update(writer, suresh, body), 409)
    assert outcome["issue"][0]["code"] == "conflict"
    assert f"Patient/{ramesh.pk}" in outcome["issue"][0]["diagnostics"]


def test_update_to_an_abha_number_of_another_patient_gives_409(
    writer: Client, ramesh: Patient, suresh: Patient
):
    body = patient_of(writer.get(f"{BASE}/Patient/{suresh.pk}"))
    body["identifier"].append({"system": ABHA_SYSTEM, "value": ramesh.abha_number})
    (issue,) = outcome_of(update(writer, suresh, body), 409)["issue"]
    assert issue["expression"] == ["Patient.identifier[1].value"]


def test_update_with_an_invalid_value_points_at_it(writer: Client, ramesh: Patient):
    body = patient_of(writer.get(f"{BASE}/Patient/{ramesh.pk}"))
    body["contact"][0]["telecom"][0]["value"] = "555"
    (issue,) = outcome_of(update(writer, ramesh, body), 422)["issue"]
    assert issue["expression"] == ["Patient.contact[0].telecom[0].value"]


# --- $match ----------------------------------------------------------------------------------


def bundle_valid(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body: dict[str, Any] = response.json()
    Bundle.model_validate(body)
    return body


def test_match_returns_the_likely_duplicate_with_a_score_and_grade(
    writer: Client, clerk: Any, ramesh: Patient, suresh: Patient
):
    resource = {
        "resourceType": "Patient",
        "name": [{"text": "Ramesh Kumaar"}],
        "gender": "male",
        "birthDate": "1980-05-17",
        "telecom": [{"system": "phone", "value": "+919811100001"}],
    }
    body = bundle_valid(match(writer, resource))
    assert (body["type"], body["total"]) == ("searchset", 1)
    (entry,) = body["entry"]
    assert entry["resource"]["id"] == str(ramesh.pk)
    assert entry["fullUrl"] == f"http://testserver{BASE}/Patient/{ramesh.pk}"
    assert entry["search"]["mode"] == "match"
    assert 0.9 <= entry["search"]["score"] <= 1
    assert entry["search"]["extension"] == [{"url": MATCH_GRADE, "valueCode": "probable"}]
    (event,) = logged(ramesh, "search")
    assert event.actor == clerk
    assert logged(suresh, "search") == []


def test_match_on_the_abha_number_is_certain(writer: Client, ramesh: Patient):
    resource = {
        "resourceType": "Patient",
        "identifier": [{"system": ABHA_SYSTEM, "value": format_14_digits(ramesh.abha_number)}],
        "name": [{"text": "R Kumar"}],
    }
    only = {"name": "onlyCertainMatches", "valueBoolean": True}
    body = bundle_valid(match(writer, resource, only, {"name": "count", "valueInteger": 3}))
    (entry,) = body["entry"]
    assert entry["search"]["score"] == 1
    assert entry["search"]["extension"][0]["valueCode"] == "certain"
    weak = {"resourceType": "Patient", "name": [{"text": "Ramesh Kumar"}], "gender": "male"}
    assert bundle_valid(match(writer, weak, only))["total"] == 0


def test_match_with_an_invalid_mobile_points_at_it(writer: Client, ramesh: Patient):
    resource = {
        "resourceType": "Patient",
        "name": [{"text": "Ramesh"}],
        "telecom": [{"system": "phone", "value": "12"}],
    }
    (issue,) = outcome_of(match(writer, resource), 422)["issue"]
    assert issue["expression"] == ["Parameters.parameter[0].resource.telecom[0].value"]


@pytest.mark.parametrize(
    "body",
    [
        {"resourceType": "Parameters", "parameter": [{"name": "count", "valueInteger": 2}]},
        {"resourceType": "Parameters", "parameter": [{"name": "colour", "valueString": "x"}]},
        {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "resource", "resource": {"resourceType": "Patient", "gender": "male"}}
            ],
        },
        {"resourceType": "Bundle", "type": "collection"},
    ],
)
def test_match_with_a_bad_request_gives_400(writer: Client, body: dict[str, Any]):
    response = writer.post(f"{BASE}/Patient/$match", body, content_type=FHIR_JSON)
    outcome_of(response, 400)


def test_match_needs_a_token(api: Client, ramesh: Patient):
    outcome_of(match(api, {"resourceType": "Patient", "name": [{"text": "Ramesh"}]}), 401)


def test_registered_through_the_service_is_found_by_search(
    writer: Client, clerk: Any, facility: Any
):
    patient = patient_register(
        data={
            "name": "Meena Kumari",
            "gender": "female",
            "birth_year": 1970,
            "mobile": "9811100071",
        },
        actor=clerk,
        facility=facility,
    )
    body = search(writer, phone="9811100071")
    assert ids_of(body) == pk_ids(patient)
    assert body["entry"][0]["resource"]["birthDate"] == "1970"
