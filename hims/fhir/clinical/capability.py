"""The clinical entries of the CapabilityStatement, from the same declarations the searches
read, and the Patient `$everything` operation."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from hims.fhir.clinical.search import CLINICAL_TYPES, ClinicalType

DOCUMENTATION = {
    "Encounter": lambda: _("OPD visits: class AMB, in-progress while the patient is being seen."),
    "Condition": lambda: _("Diagnoses of OPD visits, coded in ICD-10."),
    "Observation": lambda: _(
        "Vital signs, one Observation per reading, LOINC coded with UCUM units; the id is "
        "[reading set]-[LOINC code], e.g. 12-8867-4 for the pulse of reading set 12. Lab "
        "results (category laboratory), one per current value of a signed report, with the "
        "reference range and the flag as interpretation; the id is lab-[result], e.g. lab-40."
    ),
    "AllergyIntolerance": lambda: _("Known allergies, from any visit."),
    "MedicationRequest": lambda: _(
        "Medicines prescribed in OPD visits: active while the course runs, completed after."
    ),
    "ServiceRequest": lambda: _(
        "Lab tests ordered in OPD visits (the test's LOINC code): active until the report is "
        "signed off, then completed; revoked when cancelled. The id is the order number. Under "
        "a consent they count as test results (DiagnosticReport), dated by the order."
    ),
    "DiagnosticReport": lambda: _(
        "Signed lab reports (the id is the order number): final, or amended once a value was "
        "corrected; result lists their Observations. Reports not signed off are never "
        "returned. Under a consent they count as test results, dated by the sign-off."
    ),
    "Consent": lambda: _(
        "Consents a doctor asked the patient for (ABDM statuses as consent-state codes, the ABDM "
        "purpose in provision.purpose, the record types in provision.class, the records' dates "
        "in provision.dataPeriod). A doctor reading under a consent sees only their own."
    ),
}


def _access_rules() -> str:
    return _(
        "Read as the record pages allow: staff acting in a clinical role (doctor, nurse, lab "
        "technician, ANM) at a facility with a treating relationship, a consent (only the "
        "record types and dates it covers) or an emergency access; patients for the records "
        "registered with their own mobile. Staff search one patient at a time (patient or "
        "subject). Every resource returned, and every refusal, is written to the access log."
    )


def _entry(clinical: ClinicalType) -> dict[str, Any]:
    search_params = []
    for param in clinical.resource.all_params:
        entry: dict[str, Any] = {"name": param.name, "type": param.type}
        if param.definition:
            entry["definition"] = param.definition
        entry["documentation"] = str(param.documentation)
        search_params.append(entry)
    return {
        "type": clinical.name,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{clinical.name}",
        "documentation": f"{DOCUMENTATION[clinical.name]()} {_access_rules()}",
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
        "searchParam": search_params,
    }


def clinical_capabilities() -> list[dict[str, Any]]:
    return [_entry(clinical) for clinical in CLINICAL_TYPES.values()]


def everything_operation() -> dict[str, Any]:
    return {
        "name": "everything",
        "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
        "documentation": _(
            "GET Patient/[id]/$everything: the Patient and every Encounter, Condition, "
            "Observation, AllergyIntolerance, MedicationRequest, ServiceRequest, "
            "DiagnosticReport and Consent the reader may see "
            "(under a consent, only what it covers), in one searchset paged with _count and "
            "next links. Optional start and end (YYYY-MM-DD) keep the records dated in that "
            "range; _type keeps only the listed resource types. Every resource returned is "
            "written to the access log."
        ),
    }
