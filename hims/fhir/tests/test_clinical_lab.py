"""FHIR lab resources: ServiceRequest (orders), DiagnosticReport (signed reports) and laboratory
Observations (their current values), under the record pages' access rules.

Every response is validated with fhir.resources R4B. Bob is a doctor at Lok Nayak Hospital
treating Ramesh, Lena its lab technician; Ramesh's visit 10 days ago had a CBC (signed off,
haemoglobin later corrected) and a lipid profile (results entered, not signed off) ordered, and
a urine test cancelled. Charlie is a doctor elsewhere who may hold a consent; Alice a clerk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hims.accounts.choices import Role
from hims.clinical.lab import (
    lab_order_cancel,
    lab_order_place,
    lab_report_sign,
    lab_result_amend,
    lab_results_enter,
    lab_sample_collect,
)
from hims.clinical.models import LabOrder, LabResult, VitalSigns
from hims.clinical.tests.conftest import CBC_NORMAL
from hims.core.choices import AccessBasis
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
from hims.records.tests.factories import make_visit
from hims.scheduling.tests.factories import patient_login

pytestmark = pytest.mark.usefixtures("clinical_lists")
BASE = "/fhir/R4"
MOBILE = "9811100001"
LIPID = {"CHOL": "180", "TG": "140", "HDL": "45", "LDL": "107", "VLDL": "28"}


@pytest.fixture
def lab_technician(facility: Any) -> Any:
    from hims.conftest import _staff

    return _staff("lena", Role.LAB_TECHNICIAN, facility)


@pytest.fixture
def ramesh(db: None) -> Patient:
    return make_patient(name="Ramesh Kumar", mobile=MOBILE)


@pytest.fixture
def mohan(db: None) -> Patient:
    return make_patient(name="Mohan Lal", mobile="9811100009")


URINE = {
    "COLOUR": "Pale yellow",
    "APPEAR": "Turbid",
    "PH": "6.0",
    "SG": "1.015",
    "U_PROT": "Trace",
    "U_GLU": "Nil",
    "U_KET": "Nil",
    "U_WBC": "3",
    "U_RBC": "1",
}


@dataclass(frozen=True)
class Labs:
    visit: Any
    cbc: LabOrder  # signed, one value corrected after sign-off
    urine: LabOrder  # signed, text answers
    lipid: LabOrder  # results entered, not signed off
    hba1c: LabOrder  # cancelled


def _signed_report(visit: Any, doctor: Any, technician: Any, panel: str, values: Any) -> LabOrder:
    (order,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=[panel])
    lab_sample_collect(order=order, actor=technician)
    lab_results_enter(order=order, actor=technician, values=values)
    return lab_report_sign(order=order, actor=technician)


@pytest.fixture
def labs(ramesh: Patient, facility: Any, doctor: Any, lab_technician: Any) -> Labs:
    visit = make_visit(
        patient=ramesh, facility=facility, practitioner=doctor, days_ago=10, closed=False
    )
    cbc = _signed_report(visit, doctor, lab_technician, "CBC", CBC_NORMAL | {"HB": "10.1"})
    lab_result_amend(
        order=cbc, actor=lab_technician, parameter_code="PLT", value="90", reason="Recounted"
    )
    urine = _signed_report(visit, doctor, lab_technician, "URINE", URINE)
    lipid, hba1c = lab_order_place(
        encounter=visit, actor=doctor, panel_codes=["LIPID", "HBA1C"], note="Fasting sample"
    )
    lab_sample_collect(order=lipid, actor=lab_technician)
    lab_results_enter(order=lipid, actor=lab_technician, values=LIPID)
    lab_order_cancel(order=hba1c, actor=doctor, reason="Ordered twice")
    return Labs(visit, LabOrder.objects.get(pk=cbc.pk), urine, lipid, hba1c)


def current(order: LabOrder, code: str) -> LabResult:
    return LabResult.objects.get(order=order, parameter__code=code, is_current=True)


def lab_ids(order: LabOrder) -> set[str]:
    return {
        f"lab-{pk}" for pk in order.results.filter(is_current=True).values_list("pk", flat=True)
    }


# --- reads ---------------------------------------------------------------------------------


def test_treating_doctor_reads_orders_reports_and_results_each_read_logged(
    api: Client, labs: Labs, ramesh: Patient, facility: Any
):
    cbc, urine, lipid, hba1c = labs.cbc, labs.urine, labs.lipid, labs.hba1c
    orders = [resource_of(api.get(f"{BASE}/ServiceRequest/{o.pk}")) for o in (cbc, lipid, hba1c)]
    assert [o["status"] for o in orders] == ["completed", "active", "revoked"]
    order = orders[0]
    assert order["intent"] == "order"
    assert order["category"][0]["coding"][0]["code"] == "108252007"
    assert order["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "58410-2",
        "display": "Complete blood count (CBC)",
    }
    assert order["subject"] == {"reference": f"Patient/{ramesh.pk}"}
    assert order["encounter"] == {"reference": f"Encounter/{labs.visit.pk}"}
    assert order["authoredOn"] and order["requester"]["display"]
    assert orders[1]["note"] == [{"text": "Fasting sample"}]
    assert "Ordered twice" in orders[2]["note"][-1]["text"]

    report = resource_of(api.get(f"{BASE}/DiagnosticReport/{cbc.pk}"))
    assert report["status"] == "amended"  # a value was corrected after sign-off
    assert report["category"][0]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
        "code": "LAB",
        "display": "Laboratory",
    }
    assert report["code"]["coding"][0]["code"] == "58410-2"
    assert report["basedOn"] == [{"reference": f"ServiceRequest/{cbc.pk}"}]
    assert report["effectiveDateTime"] and report["issued"]
    assert report["performer"][0]["display"]
    results = {r["reference"].removeprefix("Observation/") for r in report["result"]}
    assert results == lab_ids(cbc) and len(results) == 14
    assert resource_of(api.get(f"{BASE}/DiagnosticReport/{urine.pk}"))["status"] == "final"

    haemoglobin = resource_of(api.get(f"{BASE}/Observation/lab-{current(cbc, 'HB').pk}"))
    assert haemoglobin["status"] == "final"
    assert haemoglobin["category"][0]["coding"][0]["code"] == "laboratory"
    assert haemoglobin["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "718-7",
        "display": "Haemoglobin",
    }
    assert haemoglobin["valueQuantity"] == {
        "value": 10.1,
        "unit": "g/dL",
        "system": "http://unitsofmeasure.org",
        "code": "g/dL",
    }
    assert haemoglobin["interpretation"][0]["coding"][0]["code"] == "L"
    assert haemoglobin["referenceRange"][0]["low"]["value"] == 13  # a man's range
    assert haemoglobin["referenceRange"][0]["high"]["value"] == 17
    platelets = resource_of(api.get(f"{BASE}/Observation/lab-{current(cbc, 'PLT').pk}"))
    assert platelets["status"] == "amended"
    assert platelets["valueQuantity"]["code"] == "10*3/uL"
    assert "Recounted" in platelets["note"][0]["text"]
    protein = resource_of(api.get(f"{BASE}/Observation/lab-{current(urine, 'U_PROT').pk}"))
    assert protein["valueString"] == "Trace"
    assert protein["interpretation"][0]["coding"][0]["code"] == "A"
    assert protein["referenceRange"] == [{"text": "Nil"}]

    assert log_of(reads()) == sorted(
        [
            *(("ServiceRequest", str(o.pk)) for o in (cbc, lipid, hba1c)),
            ("DiagnosticReport", str(cbc.pk)),
            ("DiagnosticReport", str(urine.pk)),
            ("Observation", haemoglobin["id"]),
            ("Observation", platelets["id"]),
            ("Observation", protein["id"]),
        ]
    )
    assert set(reads().values_list("patient_id", "basis", "facility_id", "channel")) == {
        (ramesh.pk, AccessBasis.TREATING, facility.pk, "fhir")
    }


def test_lab_observation_ids_never_collide_with_vital_signs(api: Client, labs: Labs):
    body = bundle_of(
        api.get(f"{BASE}/Observation", {"patient": labs.visit.patient_id, "_count": "100"})
    )
    ids = ids_of(body)
    vitals = VitalSigns.objects.get(encounter=labs.visit)
    lab = [i for i in ids if i.startswith("lab-")]
    assert set(lab) == lab_ids(labs.cbc) | lab_ids(labs.urine)
    assert set(ids) - set(lab) == {f"{vitals.pk}-85354-9", f"{vitals.pk}-2339-0"}
    assert len(set(ids)) == len(ids) == body["total"]
    for path in ("Observation/lab-abc", "Observation/lab-999999", "Observation/lab-"):
        outcome_of(api.get(f"{BASE}/{path}"), 404)


# --- searches ------------------------------------------------------------------------------


def test_searches_of_each_lab_type_and_every_result_is_logged(api: Client, labs: Labs):
    patient = {"patient": str(labs.visit.patient_id), "_count": "100"}
    cbc, urine, lipid, hba1c = labs.cbc, labs.urine, labs.lipid, labs.hba1c

    def ids(name: str, **params: str) -> list[str]:
        before = set(reads().values_list("pk", flat=True))
        body = bundle_of(api.get(f"{BASE}/{name}", {**patient, **params}))
        assert log_of(reads().exclude(pk__in=before)) == (logged(body) if body["total"] else [])
        return ids_of(body)

    assert sorted(ids("ServiceRequest")) == sorted(str(o.pk) for o in (cbc, urine, lipid, hba1c))
    assert ids("ServiceRequest", status="active") == [str(lipid.pk)]
    assert sorted(ids("ServiceRequest", status="completed")) == sorted([str(cbc.pk), str(urine.pk)])
    assert ids("ServiceRequest", status="http://hl7.org/fhir/request-status|revoked") == [
        str(hba1c.pk)
    ]
    today = timezone.localdate().isoformat()
    assert len(ids("ServiceRequest", authored=today, encounter=str(labs.visit.pk))) == 4
    assert ids("ServiceRequest", authored=f"lt{today}") == []

    assert ids("DiagnosticReport") == [str(urine.pk), str(cbc.pk)]  # newest sign-off first
    assert ids("DiagnosticReport", status="amended") == [str(cbc.pk)]
    assert ids("DiagnosticReport", status="final") == [str(urine.pk)]
    assert ids("DiagnosticReport", code="http://loinc.org|58410-2") == [str(cbc.pk)]
    assert ids("DiagnosticReport", code="57698-3") == []  # the lipid report is not signed
    assert len(ids("DiagnosticReport", date=today, subject=f"Patient/{labs.visit.patient_id}")) == 2
    assert ids("DiagnosticReport", date=f"gt{today}") == []

    hb = f"lab-{current(cbc, 'HB').pk}"
    assert ids("Observation", code="718-7") == [hb]
    assert ids("Observation", code="http://loinc.org|718-7", category="laboratory") == [hb]
    assert ids("Observation", code="718-7", category="vital-signs") == []
    laboratory = ids("Observation", category="laboratory")
    assert len(laboratory) == 14 + 9 + 1  # CBC, urine, and the glucose taken with the vitals
    assert len(ids("Observation", category="vital-signs")) == 1
    assert ids("Observation", _id=f"{hb},lab-{current(lipid, 'CHOL').pk}") == [hb]
    assert len(ids("Observation", date=today, category="laboratory")) == 14 + 9


def test_paging_across_vital_signs_and_lab_results_is_exact(api: Client, labs: Labs):
    seen: list[str] = []
    for offset in range(0, 30, 7):
        body = bundle_of(
            api.get(
                f"{BASE}/Observation",
                {"patient": labs.visit.patient_id, "_count": "7", "_offset": str(offset)},
            )
        )
        seen += ids_of(body)
    assert len(seen) == len(set(seen)) == body["total"] == 14 + 9 + 2


# --- never unsigned ------------------------------------------------------------------------


def test_an_unsigned_report_and_its_values_are_never_shown(
    api: Client, labs: Labs, ramesh: Patient
):
    lipid = labs.lipid
    outcome_of(api.get(f"{BASE}/DiagnosticReport/{lipid.pk}"), 404)
    outcome_of(api.get(f"{BASE}/DiagnosticReport/{labs.hba1c.pk}"), 404)
    outcome_of(api.get(f"{BASE}/Observation/lab-{current(lipid, 'CHOL').pk}"), 404)
    superseded = LabResult.objects.get(order=labs.cbc, parameter__code="PLT", is_current=False)
    outcome_of(api.get(f"{BASE}/Observation/lab-{superseded.pk}"), 404)
    body = bundle_of(api.get(f"{BASE}/Patient/{ramesh.pk}/$everything", {"_count": "100"}))
    shown = {(e["resource"]["resourceType"], e["resource"]["id"]) for e in body["entry"]}
    assert ("DiagnosticReport", str(lipid.pk)) not in shown
    assert ("Observation", f"lab-{superseded.pk}") not in shown
    assert not {("Observation", i) for i in lab_ids(lipid)} & shown
    assert ("ServiceRequest", str(lipid.pk)) in shown  # the order itself is shown
    family = Client()
    family.force_login(patient_login(MOBILE))
    outcome_of(family.get(f"{BASE}/DiagnosticReport/{lipid.pk}"), 403)  # as if it did not exist
    assert ids_of(bundle_of(family.get(f"{BASE}/DiagnosticReport"))) == [
        str(labs.urine.pk),
        str(labs.cbc.pk),
    ]


# --- refusals and consents -----------------------------------------------------------------


def _consent(patient: Patient, doctor: Any, facility: Any, hi_types: list[str]) -> Any:
    asked = services.consent_request(
        patient=patient,
        requester=doctor,
        role=Role.DOCTOR,
        facility=facility,
        purpose="CAREMGT",
        hi_types=hi_types,
        records_from=timezone.localdate() - timedelta(days=30),
        records_to=timezone.localdate(),
        valid_days=7,
    )
    return services.consent_grant(consent=asked, actor=patient_login(MOBILE))


def test_a_consent_for_prescriptions_only_hides_every_lab_resource(
    client: Client, other_facility_doctor: Any, other_facility: Any, labs: Labs, ramesh: Patient
):
    _consent(ramesh, other_facility_doctor, other_facility, [HiType.PRESCRIPTION])
    api = signed_in(client, other_facility_doctor)
    patient = {"patient": str(ramesh.pk)}
    for name in ("ServiceRequest", "DiagnosticReport", "Observation"):
        assert bundle_of(api.get(f"{BASE}/{name}", patient))["total"] == 0, name
    assert not reads().exists()
    hb = current(labs.cbc, "HB").pk
    for path in (
        f"DiagnosticReport/{labs.cbc.pk}",
        f"ServiceRequest/{labs.cbc.pk}",
        f"Observation/lab-{hb}",
    ):
        outcome = outcome_of(api.get(f"{BASE}/{path}"), 403)
        assert "consent does not cover" in outcome["issue"][0]["diagnostics"]
    assert log_of(denials()) == sorted(
        [
            ("DiagnosticReport", str(labs.cbc.pk)),
            ("ServiceRequest", str(labs.cbc.pk)),
            ("Observation", f"lab-{hb}"),
        ]
    )
    body = bundle_of(api.get(f"{BASE}/Patient/{ramesh.pk}/$everything", {"_count": "100"}))
    kinds = {e["resource"]["resourceType"] for e in body["entry"]}
    assert kinds == {"Patient", "MedicationRequest", "Consent"}
    assert log_of(reads()) == logged(body)


def test_a_consent_for_test_results_shows_the_lab_and_nothing_else(
    client: Client, other_facility_doctor: Any, other_facility: Any, labs: Labs, ramesh: Patient
):
    _consent(ramesh, other_facility_doctor, other_facility, [HiType.DIAGNOSTIC_REPORT])
    api = signed_in(client, other_facility_doctor)
    patient = {"patient": str(ramesh.pk), "_count": "100"}
    assert bundle_of(api.get(f"{BASE}/DiagnosticReport", patient))["total"] == 2
    assert bundle_of(api.get(f"{BASE}/ServiceRequest", patient))["total"] == 4
    observations = ids_of(bundle_of(api.get(f"{BASE}/Observation", patient)))
    assert set(observations) == lab_ids(labs.cbc) | lab_ids(labs.urine)  # no vital signs
    assert bundle_of(api.get(f"{BASE}/Encounter", patient))["total"] == 0
    assert set(reads().values_list("basis", flat=True)) == {AccessBasis.CONSENT}
    assert reads().count() == 2 + 4 + 23
    resource_of(api.get(f"{BASE}/Observation/lab-{current(labs.cbc, 'HB').pk}"))
    vitals = VitalSigns.objects.get(encounter=labs.visit)
    outcome_of(api.get(f"{BASE}/Observation/{vitals.pk}-85354-9"), 403)


def test_a_patient_sees_their_family_lab_reports_only(
    labs: Labs, ramesh: Patient, mohan: Patient, facility: Any, doctor: Any, lab_technician: Any
):
    visit = make_visit(patient=mohan, facility=facility, practitioner=doctor, closed=False)
    theirs = _signed_report(visit, doctor, lab_technician, "HBA1C", {"HBA1C": "6.1"})
    client = Client()
    client.force_login(patient_login(MOBILE))
    body = bundle_of(client.get(f"{BASE}/DiagnosticReport"))
    assert ids_of(body) == [str(labs.urine.pk), str(labs.cbc.pk)]
    assert set(reads().values_list("basis", flat=True)) == {AccessBasis.SELF}
    assert bundle_of(client.get(f"{BASE}/Observation", {"category": "laboratory"}))["total"] == 24
    outcome_of(client.get(f"{BASE}/DiagnosticReport/{theirs.pk}"), 403)
    outcome_of(client.get(f"{BASE}/Observation/lab-{current(theirs, 'HBA1C').pk}"), 403)
    outcome_of(client.get(f"{BASE}/ServiceRequest", {"patient": mohan.pk}), 403)
    assert list(denials().values_list("patient_id", flat=True)) == [mohan.pk] * 3


def test_a_clerk_is_refused_lab_records_and_the_refusal_is_logged(
    client: Client, clerk: Any, facility: Any, labs: Labs, ramesh: Patient
):
    api = signed_in(client, clerk)
    outcome_of(api.get(f"{BASE}/DiagnosticReport/{labs.cbc.pk}"), 403)
    outcome = outcome_of(api.get(f"{BASE}/ServiceRequest", {"patient": ramesh.pk}), 403)
    assert "role" in outcome["issue"][0]["diagnostics"]
    outcome_of(api.get(f"{BASE}/Observation/lab-{current(labs.cbc, 'HB').pk}"), 403)
    assert list(
        denials().order_by("pk").values_list("resource_type", "facility_id", "actor_role")
    ) == [
        ("DiagnosticReport", facility.pk, Role.CLERK),
        ("ServiceRequest", facility.pk, Role.CLERK),
        ("Observation", facility.pk, Role.CLERK),
    ]
    assert not reads().exists()


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("ServiceRequest", {"authored": "soon"}),
        ("ServiceRequest", {"status:text": "active"}),
        ("ServiceRequest", {"code": "58410-2"}),
        ("DiagnosticReport", {"date": "xx2025-01-01"}),
        ("DiagnosticReport", {"code:text": "cbc"}),
        ("DiagnosticReport", {"encounter": "Patient/1"}),
        ("DiagnosticReport", {"result": "Observation/lab-1"}),
        ("Observation", {"value-quantity": "5"}),
        ("Observation", {"date": "2025-13-45", "category": "laboratory"}),
        ("Patient/{id}/$everything", {"_type": "Specimen"}),
    ],
)
def test_bad_parameters_give_400_never_500(
    api: Client, labs: Labs, ramesh: Patient, path: str, params: dict[str, str]
):
    query = {"patient": str(ramesh.pk), **params} if "$" not in path else params
    outcome_of(api.get(f"{BASE}/{path.format(id=ramesh.pk)}", query), 400)


# --- $everything ---------------------------------------------------------------------------


def test_everything_includes_the_lab_once_each_and_logs_it(
    api: Client, labs: Labs, ramesh: Patient
):
    url = f"{BASE}/Patient/{ramesh.pk}/$everything"
    body = bundle_of(api.get(url, {"_count": "100"}))
    kinds = [e["resource"]["resourceType"] for e in body["entry"]]
    assert kinds.count("ServiceRequest") == 4
    assert kinds.count("DiagnosticReport") == 2
    assert kinds.count("Observation") == 2 + 14 + 9
    assert kinds.index("DiagnosticReport") > kinds.index("ServiceRequest")
    assert body["total"] == len(kinds)
    assert log_of(reads()) == logged(body)
    only = bundle_of(api.get(url, {"_type": "DiagnosticReport,ServiceRequest"}))
    assert [e["resource"]["resourceType"] for e in only["entry"]] == ["ServiceRequest"] * 4 + [
        "DiagnosticReport"
    ] * 2
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    later = bundle_of(api.get(url, {"start": tomorrow, "_type": "DiagnosticReport"}))
    assert later["total"] == 0


def _queries(client: Client, url: str, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as captured:
        bundle_of(client.get(url, params))
    return len(captured)


def test_query_counts_are_the_same_for_3_and_30_reports(
    api: Client, ramesh: Patient, facility: Any, doctor: Any, lab_technician: Any
):
    def reports(count: int) -> None:
        for _ in range(count):
            visit = make_visit(patient=ramesh, facility=facility, practitioner=doctor, closed=False)
            _signed_report(visit, doctor, lab_technician, "HBA1C", {"HBA1C": "6.1"})

    # pages of at most 50: the access log's one INSERT stays one statement on SQLite too
    patient = {"patient": str(ramesh.pk), "_count": "50"}
    everything = f"{BASE}/Patient/{ramesh.pk}/$everything"

    def counts() -> list[int]:
        return [
            _queries(api, f"{BASE}/ServiceRequest", patient),
            _queries(api, f"{BASE}/DiagnosticReport", patient),
            _queries(api, f"{BASE}/Observation", {**patient, "category": "laboratory"}),
            _queries(api, f"{BASE}/Observation", patient),
            _queries(api, everything, {"_count": "50", "_type": "DiagnosticReport"}),
            _queries(api, everything, {"_count": "50", "_type": "Observation,ServiceRequest"}),
        ]

    reports(3)
    few = counts()
    reports(27)
    many = counts()
    assert many[:5] == few[:5]
    # a full page of Observations stops before the ServiceRequests: never more queries
    assert many[5] <= few[5]
    assert max(few) <= 16


# --- metadata ------------------------------------------------------------------------------


def test_metadata_lists_the_lab_types(client: Client, db: None):
    body = client.get(f"{BASE}/metadata").json()
    listed = {entry["type"]: entry for entry in body["rest"][0]["resource"]}
    assert {p["name"] for p in listed["ServiceRequest"]["searchParam"]} == {
        "patient",
        "subject",
        "encounter",
        "status",
        "authored",
        "_id",
    }
    assert {p["name"] for p in listed["DiagnosticReport"]["searchParam"]} == {
        "patient",
        "subject",
        "encounter",
        "status",
        "code",
        "date",
        "_id",
    }
    assert "lab-" in listed["Observation"]["documentation"]
    everything = next(o for o in listed["Patient"]["operation"] if o["name"] == "everything")
    assert "DiagnosticReport" in everything["documentation"]
