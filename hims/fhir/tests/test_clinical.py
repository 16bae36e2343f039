"""FHIR clinical resources and Patient/$everything under the record pages' access rules.

Every response is validated with fhir.resources R4B. Alice is a clerk and Bob a doctor at Lok
Nayak Hospital, where Ramesh was seen 400 and 10 days ago (Bob treats him); Charlie is a doctor
at Guru Teg Bahadur Hospital with no relationship. Ramesh and Sunita share a mobile (a
family); Mohan has his own.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from hims.accounts.choices import Role
from hims.accounts.services import api_token_create
from hims.clinical.models import Allergy, Encounter, VitalSigns
from hims.core.choices import AccessBasis
from hims.core.models import AccessEvent
from hims.fhir.clinical.search import CLINICAL_TYPES
from hims.fhir.tests.helpers import (
    bundle_of,
    denials,
    ids_of,
    log_of,
    logged,
    outcome_of,
    reads,
    resource_of,
    signed_in,
)
from hims.patients.models import Patient
from hims.patients.tests.factories import make_patient
from hims.records import services
from hims.records.choices import HiType
from hims.records.models import Consent
from hims.records.tests.factories import make_visit
from hims.scheduling.tests.factories import patient_login

pytestmark = pytest.mark.usefixtures("clinical_lists")
BASE = "/fhir/R4"
MOBILE = "9811100001"


@pytest.fixture
def ramesh(db: None) -> Patient:
    return make_patient(name="Ramesh Kumar", mobile=MOBILE)


@pytest.fixture
def sunita(db: None) -> Patient:
    return make_patient(name="Sunita Devi", gender="female", mobile=MOBILE)


@pytest.fixture
def mohan(db: None) -> Patient:
    return make_patient(name="Mohan Lal", mobile="9811100009")


@pytest.fixture
def history(ramesh: Patient, facility: Any, doctor: Any) -> tuple[Encounter, Encounter]:
    """Diabetes 400 days ago (Metformin, course over), hypertension 10 days ago (Amlodipine for
    30 days, still running); each visit has BP and a random glucose; one known allergy."""
    old = make_visit(
        patient=ramesh, facility=facility, practitioner=doctor, days_ago=400, code="E11.9"
    )
    recent = make_visit(
        patient=ramesh,
        facility=facility,
        practitioner=doctor,
        days_ago=10,
        code="I10",
        medicine="Amlodipine",
    )
    Allergy.objects.create(
        patient=ramesh,
        substance="Penicillin",
        reaction="Rash",
        severity="severe",
        encounter=recent,
        recorded_by=doctor,
        recorded_at=recent.started_at,
    )
    return old, recent


@pytest.fixture
def consent(ramesh: Patient, other_facility_doctor: Any, other_facility: Any) -> Consent:
    """Charlie may see OPD visits (not prescriptions) of the last 30 days."""
    asked = services.consent_request(
        patient=ramesh,
        requester=other_facility_doctor,
        role=Role.DOCTOR,
        facility=other_facility,
        purpose="CAREMGT",
        hi_types=[HiType.OP_CONSULTATION],
        records_from=timezone.localdate() - timedelta(days=30),
        records_to=timezone.localdate(),
        valid_days=7,
    )
    return services.consent_grant(consent=asked, actor=patient_login(MOBILE))


def all_pages(client: Client, url: str, params: dict[str, str]) -> list[dict[str, Any]]:
    bodies = [bundle_of(client.get(url, params))]
    while next_link := [x["url"] for x in bodies[-1]["link"] if x["relation"] == "next"]:
        parts = urlsplit(next_link[0])
        bodies.append(bundle_of(client.get(f"{parts.path}?{parts.query}")))
    return bodies


# --- the treating doctor -------------------------------------------------------------------


def test_treating_doctor_reads_each_type_and_each_read_is_logged(
    client: Client, doctor: Any, facility: Any, history: Any, ramesh: Patient, consent: Consent
):
    api = signed_in(client, doctor)
    _old, recent = history
    vitals = VitalSigns.objects.get(encounter=recent)
    diagnosis = recent.diagnoses.get()
    item = recent.prescription_items.get()
    allergy = Allergy.objects.get()
    paths = [
        f"Encounter/{recent.pk}",
        f"Condition/{diagnosis.pk}",
        f"Observation/{vitals.pk}-85354-9",
        f"Observation/{vitals.pk}-2339-0",
        f"AllergyIntolerance/{allergy.pk}",
        f"MedicationRequest/{item.pk}",
        f"Consent/{consent.pk}",
    ]
    bodies = [resource_of(api.get(f"{BASE}/{path}")) for path in paths]
    assert [f"{b['resourceType']}/{b['id']}" for b in bodies] == paths
    encounter, condition, bp, glucose, allergy_body, medicine, consent_body = bodies
    assert encounter["status"] == "finished" and encounter["class"]["code"] == "AMB"
    assert encounter["subject"] == {"reference": f"Patient/{ramesh.pk}"}
    assert encounter["serviceProvider"]["reference"] == f"Organization/{facility.pk}"
    assert condition["code"]["coding"][0] == {
        "system": "http://hl7.org/fhir/sid/icd-10",
        "code": "I10",
        "display": diagnosis.code.title,
    }
    assert condition["encounter"] == {"reference": f"Encounter/{recent.pk}"}
    assert {
        c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in bp["component"]
    } == {
        "8480-6": 150,
        "8462-4": 95,
    }
    assert glucose["category"][0]["coding"][0]["code"] == "laboratory"
    assert allergy_body["patient"] == {"reference": f"Patient/{ramesh.pk}"}
    assert medicine["status"] == "active" and medicine["authoredOn"]
    assert consent_body["status"] == "active"
    events = reads()
    assert log_of(events) == sorted(tuple(path.split("/")) for path in paths)  # type: ignore[misc]
    assert set(events.values_list("patient_id", flat=True)) == {ramesh.pk}
    assert set(events.values_list("basis", "facility_id", "actor_role", "channel")) == {
        (AccessBasis.TREATING, facility.pk, Role.DOCTOR, "fhir")
    }


def test_treating_doctor_searches_each_type_and_every_result_is_logged(
    client: Client, doctor: Any, history: Any, ramesh: Patient, consent: Consent
):
    api = signed_in(client, doctor)
    expected = {
        "Encounter": 2,
        "Condition": 2,
        "Observation": 4,  # BP and glucose at each visit
        "AllergyIntolerance": 1,
        "MedicationRequest": 2,
        "ServiceRequest": 0,  # lab orders: hims/fhir/tests/test_clinical_lab.py
        "DiagnosticReport": 0,
        "Consent": 1,
    }
    assert set(expected) == set(CLINICAL_TYPES)
    for name, count in expected.items():
        before = set(reads().values_list("pk", flat=True))
        body = bundle_of(api.get(f"{BASE}/{name}", {"patient": f"Patient/{ramesh.pk}"}))
        assert body["total"] == count == len(body.get("entry", [])), name
        if not count:
            continue
        assert {e["resource"]["resourceType"] for e in body["entry"]} == {name}
        assert all(
            e["fullUrl"].endswith(f"/fhir/R4/{name}/{e['resource']['id']}") for e in body["entry"]
        )
        assert log_of(reads().exclude(pk__in=before)) == logged(body)


def test_results_are_newest_first_and_subject_works_as_patient(
    api: Client, history: Any, ramesh: Patient
):
    old, recent = history
    body = bundle_of(api.get(f"{BASE}/Encounter", {"subject": str(ramesh.pk)}))
    assert ids_of(body) == [str(recent.pk), str(old.pk)]


def test_encounter_search_by_date_status_and_facility(
    api: Client, history: Any, ramesh: Patient, facility: Any, other_facility: Any
):
    old, recent = history
    since = (timezone.localdate() - timedelta(days=30)).isoformat()

    def ids(**params: str) -> list[str]:
        return ids_of(bundle_of(api.get(f"{BASE}/Encounter", {"patient": ramesh.pk, **params})))

    assert ids(date=f"ge{since}") == [str(recent.pk)]
    assert ids(date=f"lt{since}") == [str(old.pk)]
    assert ids(date=timezone.localtime(old.started_at).date().isoformat()) == [str(old.pk)]
    assert ids(status="finished") == [str(recent.pk), str(old.pk)]
    assert ids(status="in-progress") == []
    assert ids(**{"service-provider": f"Organization/{facility.pk}"}) == [
        str(recent.pk),
        str(old.pk),
    ]
    assert ids(**{"service-provider": str(other_facility.pk)}) == []


def test_condition_observation_and_medication_searches(api: Client, history: Any, ramesh: Patient):
    old, recent = history
    patient = {"patient": str(ramesh.pk)}

    def ids(name: str, **params: str) -> list[str]:
        return ids_of(bundle_of(api.get(f"{BASE}/{name}", {**patient, **params})))

    assert ids("Condition", code="http://hl7.org/fhir/sid/icd-10|e11.9") == [
        str(old.diagnoses.get().pk)
    ]
    assert ids("Condition", encounter=f"Encounter/{recent.pk}") == [str(recent.diagnoses.get().pk)]
    vitals = VitalSigns.objects.get(encounter=recent)
    assert ids("Observation", code="http://loinc.org|85354-9", encounter=str(recent.pk)) == [
        f"{vitals.pk}-85354-9"
    ]
    assert len(ids("Observation", category="vital-signs")) == 2
    assert len(ids("Observation", category="laboratory")) == 2
    assert ids("Observation", code="8867-4") == []  # no pulse was taken
    assert ids("Observation", _id=f"{vitals.pk}-2339-0,{vitals.pk}-8867-4") == [
        f"{vitals.pk}-2339-0"
    ]
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert len(ids("Observation", date=f"ge{since}")) == 2
    # Metformin's 30 days ended a year ago; Amlodipine's are still running.
    assert ids("MedicationRequest", status="completed") == [str(old.prescription_items.get().pk)]
    assert ids("MedicationRequest", status="active") == [str(recent.prescription_items.get().pk)]
    assert ids("MedicationRequest", authoredon=f"lt{since}") == [
        str(old.prescription_items.get().pk)
    ]
    assert len(ids("AllergyIntolerance", **{"clinical-status": "active"})) == 1
    assert ids("AllergyIntolerance", **{"clinical-status": "resolved"}) == []


def test_observation_ids_are_stable_and_readable(api: Client, history: Any, ramesh: Patient):
    body = bundle_of(api.get(f"{BASE}/Observation", {"patient": ramesh.pk}))
    for entry in body["entry"]:
        observation = entry["resource"]
        vitals_id, loinc = observation["id"].split("-", 1)
        assert loinc == observation["code"]["coding"][0]["code"]
        assert VitalSigns.objects.filter(pk=vitals_id, encounter__patient=ramesh).exists()
        assert resource_of(api.get(f"{BASE}/Observation/{observation['id']}")) == observation


# --- refusals ------------------------------------------------------------------------------


def test_doctor_elsewhere_is_refused_and_each_refusal_is_logged_once(
    client: Client, other_facility_doctor: Any, other_facility: Any, history: Any, ramesh: Patient
):
    api = signed_in(client, other_facility_doctor)
    old, _recent = history
    outcome = outcome_of(api.get(f"{BASE}/Encounter/{old.pk}"), 403)
    assert outcome["issue"][0]["code"] == "forbidden"
    assert "consent" in outcome["issue"][0]["diagnostics"]
    refusal = denials().get()
    assert (refusal.patient_id, refusal.resource_type, refusal.resource_id, refusal.basis) == (
        ramesh.pk,
        "Encounter",
        str(old.pk),
        AccessBasis.NONE,
    )
    assert (refusal.actor, refusal.facility, refusal.actor_role) == (
        other_facility_doctor,
        other_facility,
        Role.DOCTOR,
    )
    outcome_of(api.get(f"{BASE}/Condition", {"patient": ramesh.pk}), 403)
    outcome_of(api.get(f"{BASE}/Patient/{ramesh.pk}/$everything"), 403)
    assert denials().count() == 3
    assert not reads().exists()


def test_clerk_is_refused_clinical_records_and_the_refusal_is_logged(
    client: Client, clerk: Any, facility: Any, history: Any, ramesh: Patient
):
    api = signed_in(client, clerk)
    old, _recent = history
    outcome_of(api.get(f"{BASE}/Encounter/{old.pk}"), 403)
    outcome_of(api.get(f"{BASE}/Observation", {"patient": ramesh.pk}), 403)
    outcome = outcome_of(api.get(f"{BASE}/MedicationRequest"), 403)
    assert "role" in outcome["issue"][0]["diagnostics"]
    assert list(
        denials().order_by("pk").values_list("resource_type", "facility_id", "actor_role")
    ) == [
        ("Encounter", facility.pk, Role.CLERK),
        ("Observation", facility.pk, Role.CLERK),
    ]
    assert not reads().exists()


def test_staff_must_name_one_patient(api: Client, history: Any, ramesh: Patient, mohan: Patient):
    outcome = outcome_of(api.get(f"{BASE}/Encounter"), 400)
    assert outcome["issue"][0]["code"] == "required"
    outcome_of(api.get(f"{BASE}/Encounter", {"patient": f"{ramesh.pk},{mohan.pk}"}), 400)
    # an id that is no patient matches nothing, and nothing is logged
    assert bundle_of(api.get(f"{BASE}/Encounter", {"patient": "999999999"}))["total"] == 0
    assert not AccessEvent.objects.exists()


def test_unknown_ids_give_404_to_staff(api: Client, history: Any):
    for path in ("Encounter/999999", "Observation/1-0000-0", "Observation/abc", "Consent/0"):
        assert outcome_of(api.get(f"{BASE}/{path}"), 404)["issue"][0]["code"] == "not-found"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("Encounter", {"date": "yesterday"}),
        ("Encounter", {"date": "xx2025-01-01"}),
        ("Encounter", {"_count": "-1"}),
        ("Encounter", {"_count": "many"}),
        ("Encounter", {"_offset": "1", "_sort": "date"}),
        ("Condition", {"code:text": "diabetes"}),
        ("Condition", {"patient": "Organization/1"}),
        ("Observation", {"value-quantity": "5"}),
        ("MedicationRequest", {"authoredon": "2025-13-45"}),
        ("Consent", {"status": ""}),
        ("Patient/{id}/$everything", {"start": "ge2025-01-01"}),
        ("Patient/{id}/$everything", {"_type": "Claim"}),
        ("Patient/{id}/$everything", {"start": "2025-02-01", "end": "2025-01-01"}),
        ("Patient/{id}/$everything", {"_since": "2025-01-01"}),
        ("Patient/{id}/$everything", {"start": "soon"}),
    ],
)
def test_bad_parameters_give_400_never_500(
    api: Client, history: Any, ramesh: Patient, path: str, params: dict[str, str]
):
    query = {"patient": str(ramesh.pk), **params} if "$" not in path else params
    outcome_of(api.get(f"{BASE}/{path.format(id=ramesh.pk)}", query), 400)


def test_read_with_unknown_parameter_gives_400(api: Client, history: Any):
    outcome_of(api.get(f"{BASE}/Encounter/{history[0].pk}", {"patient": "1"}), 400)


def test_other_methods_give_405_and_anonymous_401(client: Client, history: Any, ramesh: Patient):
    outcome_of(client.get(f"{BASE}/Encounter", {"patient": ramesh.pk}), 401)
    outcome_of(client.post(f"{BASE}/Encounter", {}), 405)
    outcome_of(client.get(f"{BASE}/Patient/{ramesh.pk}/$everything"), 401)


# --- consent and break the glass -----------------------------------------------------------


def test_consent_limits_search_to_its_types_and_dates(
    client: Client, other_facility_doctor: Any, history: Any, ramesh: Patient, consent: Consent
):
    api = signed_in(client, other_facility_doctor)
    old, recent = history
    patient = {"patient": str(ramesh.pk)}
    assert ids_of(bundle_of(api.get(f"{BASE}/Encounter", patient))) == [str(recent.pk)]
    assert ids_of(bundle_of(api.get(f"{BASE}/Condition", patient))) == [
        str(recent.diagnoses.get().pk)
    ]
    assert len(ids_of(bundle_of(api.get(f"{BASE}/Observation", patient)))) == 2
    assert bundle_of(api.get(f"{BASE}/MedicationRequest", patient))["total"] == 0  # not granted
    assert ids_of(bundle_of(api.get(f"{BASE}/Consent", patient))) == [str(consent.pk)]
    assert bundle_of(api.get(f"{BASE}/AllergyIntolerance", patient))["total"] == 1
    events = reads()
    assert set(events.values_list("basis", "purpose")) == {(AccessBasis.CONSENT, "CAREMGT")}
    assert events.count() == 1 + 1 + 2 + 1 + 1  # allergy too: OPD visits cover it
    # reading outside the consent is refused and logged
    outcome = outcome_of(api.get(f"{BASE}/Encounter/{old.pk}"), 403)
    assert "consent does not cover" in outcome["issue"][0]["diagnostics"]
    outcome_of(api.get(f"{BASE}/MedicationRequest/{recent.prescription_items.get().pk}"), 403)
    assert denials().count() == 2
    resource_of(api.get(f"{BASE}/Encounter/{recent.pk}"))


def test_consent_limits_everything_to_its_types_and_dates(
    client: Client, other_facility_doctor: Any, history: Any, ramesh: Patient, consent: Consent
):
    api = signed_in(client, other_facility_doctor)
    body = bundle_of(api.get(f"{BASE}/Patient/{ramesh.pk}/$everything", {"_count": "100"}))
    kinds = sorted(e["resource"]["resourceType"] for e in body["entry"])
    assert kinds == [
        "AllergyIntolerance",
        "Condition",
        "Consent",
        "Encounter",
        "Observation",
        "Observation",
        "Patient",
    ]
    assert log_of(reads()) == logged(body)


def test_a_doctor_under_consent_sees_only_their_own_consents(
    client: Client,
    other_facility_doctor: Any,
    doctor: Any,
    facility: Any,
    history: Any,
    ramesh: Patient,
    consent: Consent,
):
    services.consent_request(
        patient=ramesh,
        requester=doctor,
        role=Role.DOCTOR,
        facility=facility,
        purpose="DSRCH",
        hi_types=[HiType.PRESCRIPTION],
        records_from=date(2020, 1, 1),
        records_to=timezone.localdate(),
        valid_days=7,
    )
    charlie = signed_in(client, other_facility_doctor)
    body = bundle_of(charlie.get(f"{BASE}/Consent", {"patient": ramesh.pk}))
    assert ids_of(body) == [str(consent.pk)]
    bob = Client()
    bob.force_login(doctor)  # treating: sees both
    assert bundle_of(bob.get(f"{BASE}/Consent", {"patient": ramesh.pk}))["total"] == 2


def test_break_the_glass_opens_the_record_and_logs_the_reason(
    client: Client,
    other_facility_doctor: Any,
    other_facility: Any,
    history: Any,
    ramesh: Patient,
):
    reason = "Unconscious in casualty, no relative reachable"
    services.emergency_access_open(
        patient=ramesh,
        actor=other_facility_doctor,
        role=Role.DOCTOR,
        facility=other_facility,
        reason=reason,
    )
    api = signed_in(client, other_facility_doctor)
    body = bundle_of(api.get(f"{BASE}/MedicationRequest", {"patient": ramesh.pk}))
    assert body["total"] == 2
    events = reads()
    assert events.count() == 2
    assert set(events.values_list("basis", "purpose", "reason")) == {
        (AccessBasis.BREAK_GLASS, "BTG", reason)
    }


# --- patients ------------------------------------------------------------------------------


def test_patient_sees_their_family_only(
    history: Any,
    ramesh: Patient,
    sunita: Patient,
    mohan: Patient,
    facility: Any,
    doctor: Any,
):
    theirs = make_visit(patient=sunita, facility=facility, practitioner=doctor, days_ago=3)
    other = make_visit(patient=mohan, facility=facility, practitioner=doctor, days_ago=3)
    client = Client()
    client.force_login(patient_login(MOBILE))
    body = bundle_of(client.get(f"{BASE}/Encounter"))
    old, recent = history
    assert ids_of(body) == [str(theirs.pk), str(recent.pk), str(old.pk)]
    assert set(reads().values_list("basis", flat=True)) == {AccessBasis.SELF}
    assert reads().count() == 3
    assert bundle_of(client.get(f"{BASE}/Encounter", {"patient": sunita.pk}))["total"] == 1
    resource_of(client.get(f"{BASE}/Encounter/{theirs.pk}"))
    outcome_of(client.get(f"{BASE}/Encounter/{other.pk}"), 403)
    outcome_of(client.get(f"{BASE}/Encounter/999999"), 403)  # the same answer: no probing
    outcome_of(client.get(f"{BASE}/Encounter", {"patient": mohan.pk}), 403)
    outcome_of(client.get(f"{BASE}/Patient/{mohan.pk}/$everything"), 403)
    assert list(denials().values_list("patient_id", flat=True)) == [mohan.pk] * 3
    everything = bundle_of(client.get(f"{BASE}/Patient/{sunita.pk}/$everything"))
    assert {e["resource"]["resourceType"] for e in everything["entry"]} >= {"Patient", "Encounter"}


def test_an_api_token_works_like_a_session(doctor: Any, history: Any, ramesh: Patient):
    _token, secret = api_token_create(user=doctor, name="integration")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert bundle_of(client.get(f"{BASE}/Encounter", {"patient": ramesh.pk}))["total"] == 2
    assert set(reads().values_list("actor_role", flat=True)) == {Role.DOCTOR}


# --- $everything ---------------------------------------------------------------------------


def test_everything_returns_the_patient_and_every_record_logged_once(
    api: Client, history: Any, ramesh: Patient, consent: Consent
):
    body = bundle_of(api.get(f"{BASE}/Patient/{ramesh.pk}/$everything", {"_count": "100"}))
    kinds = [e["resource"]["resourceType"] for e in body["entry"]]
    assert kinds == [
        "Patient",
        "Encounter",
        "Encounter",
        "Condition",
        "Condition",
        "Observation",
        "Observation",
        "Observation",
        "Observation",
        "AllergyIntolerance",
        "MedicationRequest",
        "MedicationRequest",
        "Consent",
    ]
    assert body["total"] == len(kinds)
    assert body["entry"][0]["resource"]["id"] == str(ramesh.pk)
    assert log_of(reads()) == logged(body)
    assert reads().count() == len(kinds)


def test_everything_pages_with_next_links(api: Client, history: Any, ramesh: Patient):
    url = f"{BASE}/Patient/{ramesh.pk}/$everything"
    pages = all_pages(api, url, {"_count": "5"})
    assert [len(p["entry"]) for p in pages] == [5, 5, 2]
    found = [
        (e["resource"]["resourceType"], e["resource"]["id"]) for p in pages for e in p["entry"]
    ]
    assert len(set(found)) == len(found) == pages[0]["total"] == 12
    assert log_of(reads()) == sorted(found)


def test_everything_by_type_and_dates(api: Client, history: Any, ramesh: Patient):
    old, recent = history
    url = f"{BASE}/Patient/{ramesh.pk}/$everything"
    body = bundle_of(api.get(url, {"_type": "Encounter,MedicationRequest"}))
    assert [e["resource"]["resourceType"] for e in body["entry"]] == [
        "Encounter",
        "Encounter",
        "MedicationRequest",
        "MedicationRequest",
    ]
    day = timezone.localtime(old.started_at).date()
    body = bundle_of(
        api.get(url, {"start": day.isoformat(), "end": day.isoformat(), "_type": "Encounter"})
    )
    assert ids_of(body) == [str(old.pk)]
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    body = bundle_of(api.get(url, {"start": since}))
    assert {e["resource"]["resourceType"] for e in body["entry"]} == {
        "Patient",
        "Encounter",
        "Condition",
        "Observation",
        "AllergyIntolerance",
        "MedicationRequest",
    }
    encounters = [
        e["resource"]["id"] for e in body["entry"] if e["resource"]["resourceType"] == "Encounter"
    ]
    assert encounters == [str(recent.pk)]


def test_everything_for_an_unknown_patient_gives_404(api: Client, history: Any):
    outcome_of(api.get(f"{BASE}/Patient/999999/$everything"), 404)


def _queries(client: Client, url: str, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as captured:
        bundle_of(client.get(url, params))
    return len(captured)


def test_query_counts_do_not_grow_with_the_history(
    api: Client, ramesh: Patient, facility: Any, doctor: Any
):
    def visits(count: int) -> None:
        for days in range(count):
            make_visit(patient=ramesh, facility=facility, practitioner=doctor, days_ago=days + 1)

    everything = f"{BASE}/Patient/{ramesh.pk}/$everything"
    patient = {"patient": str(ramesh.pk), "_count": "100"}

    def counts() -> list[int]:
        return [
            # pages that take from the same types however long the history
            _queries(api, everything, {"_count": "2"}),
            _queries(api, everything, {"_count": "5", "_type": "Observation"}),
            _queries(api, everything, {"_count": "2", "_type": "Condition,MedicationRequest"}),
            *(_queries(api, f"{BASE}/{name}", patient) for name in CLINICAL_TYPES),
        ]

    visits(3)
    few, few_full = counts(), _queries(api, everything, {"_count": "100"})
    visits(27)
    many, many_full = counts(), _queries(api, everything, {"_count": "100"})
    assert few == many
    # a full page may stop before the last types: never more queries
    assert many_full <= few_full <= 24  # one count per type, fetches, one prefetch


# --- metadata ------------------------------------------------------------------------------


def test_metadata_lists_the_clinical_types_and_everything(client: Client, db: None):
    body = client.get(f"{BASE}/metadata").json()
    CapabilityStatement.model_validate(body)
    listed = {entry["type"]: entry for entry in body["rest"][0]["resource"]}
    for name, clinical in CLINICAL_TYPES.items():
        entry = listed[name]
        assert [i["code"] for i in entry["interaction"]] == ["read", "search-type"]
        assert {p["name"] for p in entry["searchParam"]} == {
            p.name for p in clinical.resource.all_params
        }
        assert "access log" in entry["documentation"]
    operations = {o["name"]: o for o in listed["Patient"]["operation"]}
    assert operations["everything"]["definition"].endswith("Patient-everything")
    assert {p["name"] for p in listed["Encounter"]["searchParam"]} >= {
        "patient",
        "date",
        "status",
        "service-provider",
    }
