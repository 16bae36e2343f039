"""NRCES document bundles of a closed visit, validated with the independent fhir.resources R4B
models (not our own schema)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from hims.abdm.tests.factories import ADVICE_HI, COMPLAINT_HI, closed_visit, open_visit
from hims.records.documents import (
    DOCUMENT_BUILDERS,
    NRCES,
    DocumentNotReady,
    documents_for_encounter,
    op_consult_record,
    prescription_record,
)

# Slots "in 30 minutes" must fall today, whatever the hour the suite runs (hims/conftest.py).
pytestmark = pytest.mark.usefixtures("daytime")


@pytest.fixture
def patient(db):  # type: ignore[no-untyped-def]
    from hims.lib.identifiers import luhn_check_digit
    from hims.patients.tests.factories import make_patient

    return make_patient(
        mobile="9811100001", abha_number=f"9134567890123{luhn_check_digit('9134567890123')}"
    )


@pytest.fixture
def visit(department, doctor, patient):  # type: ignore[no-untyped-def]
    return closed_visit(department=department, doctor=doctor, patient=patient)


def _resources(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}


def _section(composition: dict[str, Any], code: str) -> dict[str, Any]:
    return next(s for s in composition["section"] if s["code"]["coding"][0]["code"] == code)


def _valid(bundle: dict[str, Any]) -> Bundle:
    model = Bundle.model_validate(bundle)
    assert model.type == "document"
    return model


def test_op_consult_record_is_a_valid_nrces_document(visit) -> None:  # type: ignore[no-untyped-def]
    bundle = op_consult_record(visit)
    model = _valid(bundle)
    assert len(model.entry) == len(bundle["entry"])
    assert bundle["meta"]["profile"] == [f"{NRCES}/DocumentBundle"]
    assert bundle["identifier"]["value"] == bundle["id"]
    assert bundle["timestamp"]
    composition = bundle["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition"
    assert composition["meta"]["profile"] == [f"{NRCES}/OPConsultRecord"]
    assert composition["type"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "371530004",
        "display": "Clinical consultation report",
    }
    codes = [s["code"]["coding"][0]["code"] for s in composition["section"]]
    assert codes == ["422843007", "425044008", "722446000", "721912009", "390906007"]
    assert all(entry["fullUrl"].startswith("urn:uuid:") for entry in bundle["entry"])


def test_every_reference_resolves_inside_the_bundle(visit) -> None:  # type: ignore[no-untyped-def]
    bundle = op_consult_record(visit)
    resources = _resources(bundle)
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("reference"), str):
                found.append(value["reference"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(bundle)
    assert found and all(reference in resources for reference in found)
    composition = bundle["entry"][0]["resource"]
    assert resources[composition["subject"]["reference"]]["resourceType"] == "Patient"
    assert resources[composition["author"][0]["reference"]]["resourceType"] == "Practitioner"
    assert resources[composition["encounter"]["reference"]]["resourceType"] == "Encounter"
    assert resources[composition["custodian"]["reference"]]["resourceType"] == "Organization"
    # every resource except the Composition is an entry of some section or one of its actors
    listed = {e["reference"] for s in composition["section"] for e in s.get("entry", [])}
    actors = {composition[key]["reference"] for key in ("subject", "encounter", "custodian")} | {
        composition["author"][0]["reference"]
    }
    assert set(resources) - {bundle["entry"][0]["fullUrl"]} == listed | actors


def test_diagnoses_are_icd10_and_vitals_loinc(visit) -> None:  # type: ignore[no-untyped-def]
    bundle = op_consult_record(visit)
    resources = list(_resources(bundle).values())
    icd = {
        coding["code"]
        for r in resources
        if r["resourceType"] == "Condition"
        for coding in r["code"].get("coding", [])
        if coding["system"] == "http://hl7.org/fhir/sid/icd-10"
    }
    assert icd == {"J06.9", "R50.9"}
    observations = {
        r["code"]["coding"][0]["code"]: r
        for r in resources
        if r["resourceType"] == "Observation"
        and r["code"]["coding"][0]["system"] == "http://loinc.org"
    }
    assert set(observations) == {
        "85354-9",
        "8867-4",
        "8310-5",
        "59408-5",
        "9279-1",
        "29463-7",
        "8302-2",
        "39156-5",
        "1558-6",  # fasting glucose
    }
    bp = observations["85354-9"]
    assert {
        c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in bp["component"]
    } == {
        "8480-6": 128,
        "8462-4": 84,
    }
    assert bp["category"][0]["coding"][0]["code"] == "vital-signs"
    assert observations["8310-5"]["valueQuantity"] == {
        "value": 38.4,
        "unit": "°C",
        "system": "http://unitsofmeasure.org",
        "code": "Cel",
    }
    assert observations["39156-5"]["valueQuantity"]["value"] == 23.7


def test_identifiers_and_hindi_text_are_kept(visit, patient) -> None:  # type: ignore[no-untyped-def]
    bundle = op_consult_record(visit)
    resources = list(_resources(bundle).values())
    person = next(r for r in resources if r["resourceType"] == "Patient")
    abha = next(i for i in person["identifier"] if i["system"] == "https://healthid.ndhm.gov.in")
    assert abha["value"].replace("-", "") == patient.abha_number
    assert any(name.get("text") == "रमेश कुमार" for name in person["name"])
    organization = next(r for r in resources if r["resourceType"] == "Organization")
    assert {"system": "https://facility.ndhm.gov.in", "value": visit.facility.hfr_id}.items() <= (
        next(
            i for i in organization["identifier"] if i["system"] == "https://facility.ndhm.gov.in"
        ).items()
    )
    text = json.dumps(bundle, ensure_ascii=False)
    assert COMPLAINT_HI in text and ADVICE_HI in text and "पैरासिटामोल" in text
    assert "बुखार होने पर" in text  # the doctor's instruction, as written


def test_prescription_record_has_one_medication_section(visit) -> None:  # type: ignore[no-untyped-def]
    bundle = prescription_record(visit)
    _valid(bundle)
    composition = bundle["entry"][0]["resource"]
    assert composition["type"]["coding"][0]["code"] == "440545006"
    assert composition["meta"]["profile"] == [f"{NRCES}/PrescriptionRecord"]
    (section,) = composition["section"]
    resources = _resources(bundle)
    kinds = [resources[e["reference"]]["resourceType"] for e in section["entry"]]
    assert kinds == ["MedicationRequest", "MedicationRequest"]
    paracetamol = resources[section["entry"][0]["reference"]]
    assert paracetamol["dosageInstruction"][0]["timing"]["repeat"]["frequency"] == 3
    assert (
        paracetamol["dosageInstruction"][0]["text"]
        == "1 tablet, three times a day, after food, for 3 days"
    )


def test_every_entry_is_valid_on_its_own(visit) -> None:  # type: ignore[no-untyped-def]
    from fhir.resources.R4B import get_fhir_model_class

    for builder in (op_consult_record, prescription_record):
        for entry in builder(visit)["entry"]:
            resource = entry["resource"]
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_building_twice_gives_the_same_bundle(visit) -> None:  # type: ignore[no-untyped-def]
    first, second = op_consult_record(visit), op_consult_record(visit)
    assert first == second
    assert first["id"] != prescription_record(visit)["id"]
    # the Patient, Practitioner, Organization and Encounter are the same resources in both
    shared = set(_resources(first)) & set(_resources(prescription_record(visit)))
    assert len(shared) >= 4


def test_an_open_visit_is_refused(department, doctor, patient) -> None:  # type: ignore[no-untyped-def]
    visit = open_visit(department=department, doctor=doctor, patient=patient)
    for builder in (op_consult_record, prescription_record):
        with pytest.raises(DocumentNotReady):
            builder(visit)


def test_the_registry_lists_what_a_visit_has(department, doctor, patient) -> None:  # type: ignore[no-untyped-def]
    visit = closed_visit(department=department, doctor=doctor, patient=patient, prescribe=False)
    assert set(DOCUMENT_BUILDERS) >= {"OPConsultation", "Prescription"}
    found = documents_for_encounter(
        visit, hi_types=["Prescription", "OPConsultation", "WellnessRecord"]
    )
    assert [hi_type for hi_type, _bundle in found] == ["OPConsultation"]
    _valid(found[0][1])


# --- DiagnosticReportRecord ------------------------------------------------------------------


@pytest.fixture
def lab_visit(department, doctor, patient):  # type: ignore[no-untyped-def]
    """A visit with a CBC signed off by the lab technician (platelets corrected after sign-off)
    and a lipid profile whose results are entered but not signed; then closed."""
    from hims.accounts.choices import Role
    from hims.clinical.lab import (
        lab_order_place,
        lab_report_sign,
        lab_result_amend,
        lab_results_enter,
        lab_sample_collect,
    )
    from hims.clinical.services import encounter_close, encounter_notes_save
    from hims.clinical.tests.conftest import CBC_NORMAL
    from hims.conftest import _staff

    technician = _staff("lena", Role.LAB_TECHNICIAN, department.facility)
    visit = open_visit(department=department, doctor=doctor, patient=patient)
    cbc, lipid = lab_order_place(encounter=visit, actor=doctor, panel_codes=["CBC", "LIPID"])
    for order in (cbc, lipid):
        lab_sample_collect(order=order, actor=technician)
    lab_results_enter(order=cbc, actor=technician, values=CBC_NORMAL | {"HB": "10.1"})
    lab_report_sign(order=cbc, actor=technician)
    lab_result_amend(
        order=cbc, actor=technician, parameter_code="PLT", value="90", reason="Recounted"
    )
    values = {"CHOL": "180", "TG": "140", "HDL": "45", "LDL": "107", "VLDL": "28"}
    lab_results_enter(order=lipid, actor=technician, values=values)
    encounter_notes_save(
        encounter=visit, actor=doctor, chief_complaint="Tiredness", examination="", advice=""
    )
    return encounter_close(encounter=visit, actor=doctor)


def test_diagnostic_report_record_is_a_valid_nrces_document(lab_visit) -> None:  # type: ignore[no-untyped-def]
    from fhir.resources.R4B import get_fhir_model_class

    from hims.records.documents import diagnostic_report_record

    bundle = diagnostic_report_record(lab_visit)
    _valid(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    composition = bundle["entry"][0]["resource"]
    assert composition["meta"]["profile"] == [f"{NRCES}/DiagnosticReportRecord"]
    assert composition["type"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "721981007",
        "display": "Diagnostic studies report",
    }
    assert composition["status"] == "amended"  # a value was corrected after sign-off
    resources = _resources(bundle)
    (section,) = composition["section"]
    (report,) = [resources[e["reference"]] for e in section["entry"]]  # only the signed CBC
    assert report["resourceType"] == "DiagnosticReport"
    assert report["meta"]["profile"] == [f"{NRCES}/DiagnosticReportLab"]
    assert report["code"]["coding"][0]["code"] == "58410-2"
    assert report["status"] == "amended"
    assert "basedOn" not in report  # the order is not part of the document
    observations = [resources[r["reference"]] for r in report["result"]]
    assert len(observations) == 14
    assert {o["resourceType"] for o in observations} == {"Observation"}
    assert all(o["meta"]["profile"] == [f"{NRCES}/Observation"] for o in observations)
    haemoglobin = next(o for o in observations if o["code"]["coding"][0]["code"] == "718-7")
    assert haemoglobin["valueQuantity"]["value"] == 10.1
    assert haemoglobin["interpretation"][0]["coding"][0]["code"] == "L"
    assert not any("Total cholesterol" in json.dumps(o) for o in resources.values())
    kinds = sorted(r["resourceType"] for r in resources.values())
    assert kinds.count("Practitioner") == 2  # the doctor (author) and the technician who signed
    assert {"Patient", "Organization", "Encounter"} <= set(kinds)


def test_diagnostic_report_record_references_resolve_and_the_signer_performs(lab_visit) -> None:  # type: ignore[no-untyped-def]
    from hims.records.documents import diagnostic_report_record

    bundle = diagnostic_report_record(lab_visit)
    resources = _resources(bundle)
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("reference"), str):
                found.append(value["reference"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(bundle)
    assert found and all(reference in resources for reference in found)
    composition = bundle["entry"][0]["resource"]
    report = resources[composition["section"][0]["entry"][0]["reference"]]
    performer = resources[report["performer"][0]["reference"]]
    author = resources[composition["author"][0]["reference"]]
    assert performer["resourceType"] == "Practitioner" and performer["id"] != author["id"]
    assert bundle == diagnostic_report_record(lab_visit)  # deterministic
    assert bundle["id"] != op_consult_record(lab_visit)["id"]


def test_the_registry_sends_lab_reports_only_when_a_report_is_signed(  # type: ignore[no-untyped-def]
    lab_visit, visit
) -> None:
    assert "DiagnosticReport" in DOCUMENT_BUILDERS
    found = documents_for_encounter(lab_visit, hi_types=["DiagnosticReport"])
    assert [hi_type for hi_type, _bundle in found] == ["DiagnosticReport"]
    assert documents_for_encounter(visit, hi_types=["DiagnosticReport"]) == []
