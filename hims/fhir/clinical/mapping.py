"""Clinical rows as FHIR R4 resources: one mapping for the REST API and the NRCES documents.

Each function maps one already-loaded row and takes a `References`, which says how the
resource names itself and the resources it points at:

- `RestReferences` (the /fhir/R4 API): ids are our ids, references are relative `Type/id`
  (with a display), practitioners are the ones who wrote the row;
- `DocumentReferences` (hims.records.documents): ids are uuid5 of the row, references are
  `urn:uuid:` of resources inside the document bundle, the one practitioner is the document's
  author, and each resource carries its NRCES profile.

Ids of the REST API (stable, readable):

- Encounter, Condition (a diagnosis), AllergyIntolerance, MedicationRequest and Consent: the
  row's primary key;
- Observation: `<vital signs id>-<LOINC code>`, one Observation per reading of a set of vital
  signs (e.g. `12-8867-4` is the pulse of reading set 12, `12-85354-9` its blood pressure);
  a lab result is `lab-<lab result id>` (e.g. `lab-40`), so the two never collide (a vital-signs
  id starts with a digit);
- ServiceRequest (a lab order) and DiagnosticReport (its signed report): the lab order's
  primary key, the number the sample is labelled with, also in `identifier`.

Only signed lab reports are mapped as DiagnosticReport, with their current (not superseded)
results as Observations; an order is a ServiceRequest at every step.

Code systems: ICD-10 (http://hl7.org/fhir/sid/icd-10) for diagnoses, LOINC with UCUM units
for vital signs and lab results, SNOMED CT for routes and document sections. Text the doctor wrote (often in
Hindi) is kept as written.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Model, Prefetch
from django.utils import timezone, translation

from hims.clinical.choices import (
    AllergySeverity,
    AllergyStatus,
    DiagnosisCertainty,
    DiagnosisKind,
    EncounterStatus,
    Frequency,
    LabFlag,
    LabOrderStatus,
    Route,
    Timing,
)
from hims.clinical.models import (
    Allergy,
    Diagnosis,
    Encounter,
    LabOrder,
    LabResult,
    PrescriptionItem,
    VitalSigns,
)
from hims.fhir.resources import HIMS_CODE_SYSTEM, HIMS_SID
from hims.records.choices import HI_TYPE_OF, ConsentPurpose, ConsentStatus, HiType
from hims.records.models import Consent

NRCES = "https://nrces.in/ndhm/fhir/r4/StructureDefinition"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
RESOURCE_TYPES = "http://hl7.org/fhir/resource-types"
ENCOUNTER_STATUS_SYSTEM = "http://hl7.org/fhir/encounter-status"
MEDICATION_REQUEST_STATUS_SYSTEM = "http://hl7.org/fhir/CodeSystem/medicationrequest-status"
CONSENT_STATE_SYSTEM = "http://hl7.org/fhir/consent-state-codes"
REQUEST_STATUS_SYSTEM = "http://hl7.org/fhir/request-status"
DIAGNOSTIC_REPORT_STATUS_SYSTEM = "http://hl7.org/fhir/diagnostic-report-status"
DIAGNOSTIC_SERVICE_SECTION = "http://terminology.hl7.org/CodeSystem/v2-0074"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
HI_TYPE_SYSTEM = f"{HIMS_CODE_SYSTEM}/hi-type"  # ABDM health-information types
ENCOUNTER_SYSTEM = f"{HIMS_SID}/encounter"
LAB_ORDER_SYSTEM = f"{HIMS_SID}/lab-order"

# All document ids are uuid5 in this namespace, named "<kind>/<primary key>".
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://hims.delhi.gov.in/fhir/document-ids")


def resource_id(kind: str, key: object) -> str:
    """A document resource's id: the same row always gives the same uuid."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}/{key}"))


def instant(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def coding(system: str, code: str, display: str) -> dict[str, Any]:
    return {"system": system, "code": code, "display": display}


def _english(label: Any) -> str:
    with translation.override("en"):
        return str(label)


# --- how resources are named ----------------------------------------------------------------


class References(ABC):
    """How a mapped resource names itself and points at others (see the module docstring)."""

    @abstractmethod
    def id(self, kind: str, pk: int) -> str:
        """The resource's own id; `kind` is its document kind (diagnosis, allergy, ...)."""

    @abstractmethod
    def observation_id(self, vitals_pk: int, key: str, loinc: str) -> str: ...

    @abstractmethod
    def lab_result_id(self, result_pk: int) -> str:
        """The id of a lab result's Observation."""

    @abstractmethod
    def to(self, resource_type: str, pk: int) -> dict[str, Any]:
        """A Patient or an Encounter."""

    @abstractmethod
    def reference(self, resource_type: str, target_id: str) -> dict[str, Any]:
        """Another resource mapped with these references, by the id they gave it."""

    def lab_order(self, order_pk: int) -> dict[str, Any] | None:
        """The ServiceRequest a report is based on (None: not part of the answer)."""
        return None

    @abstractmethod
    def practitioner(self, row: Model, field: str) -> dict[str, Any]:
        """Who the user in `row.<field>` is (the one who wrote the row)."""

    @abstractmethod
    def organization(self, row: Model, field: str) -> dict[str, Any]:
        """The facility in `row.<field>`."""

    def meta(self, profile: str) -> dict[str, Any] | None:
        return None

    def today(self) -> date | None:
        """Today, for statuses that change with time; None: as at writing (documents)."""
        return None


LAB_RESULT_PREFIX = "lab-"


class RestReferences(References):
    """Our ids and relative references, for the REST API. Needs the user of each practitioner
    field loaded with its registry record (`<field>__practitioner`) and facility fields."""

    def id(self, kind: str, pk: int) -> str:
        return str(pk)

    def observation_id(self, vitals_pk: int, key: str, loinc: str) -> str:
        return f"{vitals_pk}-{loinc}"

    def lab_result_id(self, result_pk: int) -> str:
        return f"{LAB_RESULT_PREFIX}{result_pk}"

    def to(self, resource_type: str, pk: int) -> dict[str, Any]:
        return {"reference": f"{resource_type}/{pk}"}

    def reference(self, resource_type: str, target_id: str) -> dict[str, Any]:
        return {"reference": f"{resource_type}/{target_id}"}

    def lab_order(self, order_pk: int) -> dict[str, Any] | None:
        return {"reference": f"ServiceRequest/{order_pk}"}

    def practitioner(self, row: Model, field: str) -> dict[str, Any]:
        user = getattr(row, field)
        registry = getattr(user, "practitioner", None)
        name = (registry.name if registry is not None else "") or user.get_full_name()
        reference: dict[str, Any] = {"display": name or user.username}
        if registry is not None:
            reference = {"reference": f"Practitioner/{registry.pk}", **reference}
        return reference

    def organization(self, row: Model, field: str) -> dict[str, Any]:
        facility = getattr(row, field)
        return {"reference": f"Organization/{facility.pk}", "display": facility.name}

    def today(self) -> date | None:
        return timezone.localdate()


REST = RestReferences()


@dataclass(frozen=True)
class DocumentReferences(References):
    """uuid5 ids and urn:uuid references inside one document. Every practitioner named is the
    document's author, except the users in `practitioners` (who have their own Practitioner
    in the bundle, e.g. the lab staff who signed a report)."""

    author_id: int
    practitioners: frozenset[int] = frozenset()

    def id(self, kind: str, pk: int) -> str:
        return resource_id(kind, pk)

    def observation_id(self, vitals_pk: int, key: str, loinc: str) -> str:
        return resource_id(f"vitals/{key}", vitals_pk)

    def lab_result_id(self, result_pk: int) -> str:
        return resource_id("lab-result", result_pk)

    def to(self, resource_type: str, pk: int) -> dict[str, Any]:
        return {"reference": f"urn:uuid:{resource_id(resource_type.lower(), pk)}"}

    def reference(self, resource_type: str, target_id: str) -> dict[str, Any]:
        return {"reference": f"urn:uuid:{target_id}"}

    def practitioner(self, row: Model, field: str) -> dict[str, Any]:
        user_id = getattr(row, f"{field}_id")
        named = user_id if user_id in self.practitioners else self.author_id
        return {"reference": f"urn:uuid:{resource_id('practitioner-user', named)}"}

    def organization(self, row: Model, field: str) -> dict[str, Any]:
        facility_id = getattr(row, f"{field}_id")
        return {"reference": f"urn:uuid:{resource_id('organization', facility_id)}"}

    def meta(self, profile: str) -> dict[str, Any] | None:
        return {"profile": [f"{NRCES}/{profile}"]}


def _with_meta(refs: References, profile: str, resource: dict[str, Any]) -> dict[str, Any]:
    meta = refs.meta(profile)
    if meta is None:
        return resource
    head = {"resourceType": resource.pop("resourceType"), "id": resource.pop("id"), "meta": meta}
    return {**head, **resource}


# --- Encounter ---------------------------------------------------------------------------------

ENCOUNTER_STATUS = {EncounterStatus.IN_PROGRESS: "in-progress", EncounterStatus.CLOSED: "finished"}


def encounter_resource(encounter: Encounter, refs: References) -> dict[str, Any]:
    """An OPD visit (class AMB). Needs practitioner and facility loaded for the REST API."""
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": refs.id("encounter", encounter.pk),
        "identifier": [{"system": ENCOUNTER_SYSTEM, "value": str(encounter.pk)}],
        "status": ENCOUNTER_STATUS[EncounterStatus(encounter.status)],
        "class": coding(ACT_CODE, "AMB", "ambulatory"),
        "subject": refs.to("Patient", encounter.patient_id),
        "participant": [{"individual": refs.practitioner(encounter, "practitioner")}],
        "period": {"start": instant(encounter.started_at)},
        "serviceProvider": refs.organization(encounter, "facility"),
    }
    if encounter.closed_at:
        resource["period"]["end"] = instant(encounter.closed_at)
    return _with_meta(refs, "Encounter", resource)


# --- Condition -------------------------------------------------------------------------------


def complaint_condition(encounter: Encounter, refs: References) -> dict[str, Any]:
    """The chief complaint as written, a problem-list Condition (documents only)."""
    return _with_meta(
        refs,
        "Condition",
        {
            "resourceType": "Condition",
            "id": refs.id("complaint", encounter.pk),
            "clinicalStatus": {"coding": [coding(CONDITION_CLINICAL, "active", "Active")]},
            "category": [
                {"coding": [coding(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")]}
            ],
            "code": {"text": encounter.chief_complaint},
            "subject": refs.to("Patient", encounter.patient_id),
            "encounter": refs.to("Encounter", encounter.pk),
            "recordedDate": instant(encounter.started_at),
        },
    )


def condition_resource(diagnosis: Diagnosis, refs: References) -> dict[str, Any]:
    """An ICD-10 coded encounter diagnosis. Needs code and encounter loaded."""
    icd = diagnosis.code
    verification = (
        ("confirmed", "Confirmed")
        if diagnosis.certainty == DiagnosisCertainty.CONFIRMED
        else ("provisional", "Provisional")
    )
    code: dict[str, Any] = {"coding": [coding(ICD10, icd.code, icd.title)], "text": icd.title}
    if icd.title_hi:
        code["text"] = f"{icd.title} ({icd.title_hi})"
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": refs.id("diagnosis", diagnosis.pk),
        "clinicalStatus": {"coding": [coding(CONDITION_CLINICAL, "active", "Active")]},
        "verificationStatus": {"coding": [coding(CONDITION_VERIFICATION, *verification)]},
        "category": [
            {"coding": [coding(CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")]}
        ],
        "code": code,
        "subject": refs.to("Patient", diagnosis.encounter.patient_id),
        "encounter": refs.to("Encounter", diagnosis.encounter_id),
        "recordedDate": instant(diagnosis.recorded_at),
    }
    if diagnosis.kind == DiagnosisKind.SECONDARY:
        resource["note"] = [{"text": "Secondary diagnosis"}]
    return _with_meta(refs, "Condition", resource)


# --- Observation (vital signs) ---------------------------------------------------------------

# (field, LOINC code, display, UCUM unit, unit display)
VITALS_LOINC = (
    ("pulse_per_min", "8867-4", "Heart rate", "/min", "beats/minute"),
    ("temperature_c", "8310-5", "Body temperature", "Cel", "°C"),
    ("spo2_percent", "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", "%"),
    ("respiratory_rate", "9279-1", "Respiratory rate", "/min", "breaths/minute"),
    ("weight_kg", "29463-7", "Body weight", "kg", "kg"),
    ("height_cm", "8302-2", "Body height", "cm", "cm"),
)
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
SYSTOLIC = ("8480-6", "Systolic blood pressure")
DIASTOLIC = ("8462-4", "Diastolic blood pressure")
BMI = ("39156-5", "Body mass index (BMI) [Ratio]")
GLUCOSE_RANDOM = ("2339-0", "Glucose [Mass/volume] in Blood")
GLUCOSE_FASTING = ("1558-6", "Fasting glucose [Mass/volume] in Serum or Plasma")
# Every LOINC code a set of vital signs can give, and its observation category.
OBSERVATION_CATEGORIES: dict[str, str] = {
    BP_PANEL[0]: "vital-signs",
    **{code: "vital-signs" for _field, code, *_rest in VITALS_LOINC},
    BMI[0]: "vital-signs",
    GLUCOSE_FASTING[0]: "laboratory",
    GLUCOSE_RANDOM[0]: "laboratory",
}
CATEGORY_DISPLAY = {"vital-signs": "Vital Signs", "laboratory": "Laboratory"}


def _quantity(value: Decimal | int, unit: str, display: str) -> dict[str, Any]:
    number = Decimal(value)
    return {
        "value": int(number) if number == number.to_integral_value() else float(number),
        "unit": display,
        "system": UCUM,
        "code": unit,
    }


def _observation(
    refs: References,
    vitals: VitalSigns,
    key: str,
    code: tuple[str, str],
    *,
    value: dict[str, Any] | None = None,
    components: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    category = OBSERVATION_CATEGORIES[code[0]]
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": refs.observation_id(vitals.pk, key, code[0]),
        "status": "final",
        "category": [
            {"coding": [coding(OBSERVATION_CATEGORY, category, CATEGORY_DISPLAY[category])]}
        ],
        "code": {"coding": [coding(LOINC, *code)], "text": code[1]},
        "subject": refs.to("Patient", vitals.encounter.patient_id),
        "encounter": refs.to("Encounter", vitals.encounter_id),
        "effectiveDateTime": instant(vitals.recorded_at),
        "performer": [refs.practitioner(vitals, "recorded_by")],
    }
    if value is not None:
        resource["valueQuantity"] = value
    if components:
        resource["component"] = components
    return _with_meta(refs, "Observation", resource)


def vitals_observations(vitals: VitalSigns, refs: References) -> list[dict[str, Any]]:
    """One Observation per reading (blood pressure as one panel with two components), LOINC
    coded. Needs encounter loaded (and recorded_by for the REST API)."""
    found: list[dict[str, Any]] = []
    if vitals.systolic_mmhg is not None and vitals.diastolic_mmhg is not None:
        found.append(
            _observation(
                refs,
                vitals,
                "bp",
                BP_PANEL,
                components=[
                    {
                        "code": {"coding": [coding(LOINC, *SYSTOLIC)], "text": SYSTOLIC[1]},
                        "valueQuantity": _quantity(vitals.systolic_mmhg, "mm[Hg]", "mmHg"),
                    },
                    {
                        "code": {"coding": [coding(LOINC, *DIASTOLIC)], "text": DIASTOLIC[1]},
                        "valueQuantity": _quantity(vitals.diastolic_mmhg, "mm[Hg]", "mmHg"),
                    },
                ],
            )
        )
    for field, code, display, unit, unit_display in VITALS_LOINC:
        reading = getattr(vitals, field)
        if reading is not None:
            found.append(
                _observation(
                    refs,
                    vitals,
                    field,
                    (code, display),
                    value=_quantity(reading, unit, unit_display),
                )
            )
    if vitals.bmi is not None:
        found.append(
            _observation(refs, vitals, "bmi", BMI, value=_quantity(vitals.bmi, "kg/m2", "kg/m2"))
        )
    if vitals.glucose_mg_dl is not None:
        found.append(
            _observation(
                refs,
                vitals,
                "glucose",
                GLUCOSE_FASTING if vitals.glucose_fasting else GLUCOSE_RANDOM,
                value=_quantity(vitals.glucose_mg_dl, "mg/dL", "mg/dL"),
            )
        )
    return found


def examination_observation(encounter: Encounter, refs: References) -> dict[str, Any]:
    """The examination notes as written (documents only)."""
    return _with_meta(
        refs,
        "Observation",
        {
            "resourceType": "Observation",
            "id": refs.id("examination", encounter.pk),
            "status": "final",
            "code": {"coding": [coding(SNOMED, "5880005", "Physical examination procedure")]},
            "subject": refs.to("Patient", encounter.patient_id),
            "encounter": refs.to("Encounter", encounter.pk),
            "effectiveDateTime": instant(encounter.closed_at or encounter.started_at),
            "performer": [refs.practitioner(encounter, "practitioner")],
            "valueString": encounter.examination,
        },
    )


# --- AllergyIntolerance ----------------------------------------------------------------------

ALLERGY_CRITICALITY = {
    AllergySeverity.MILD: "low",
    AllergySeverity.MODERATE: "low",
    AllergySeverity.SEVERE: "high",
}
REACTION_SEVERITY = {
    AllergySeverity.MILD: "mild",
    AllergySeverity.MODERATE: "moderate",
    AllergySeverity.SEVERE: "severe",
}
ALLERGY_CLINICAL_STATUS = {AllergyStatus.ACTIVE: "active", AllergyStatus.RESOLVED: "resolved"}


def allergy_resource(allergy: Allergy, refs: References) -> dict[str, Any]:
    active = allergy.status == AllergyStatus.ACTIVE
    resource: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "id": refs.id("allergy", allergy.pk),
        "clinicalStatus": {
            "coding": [
                coding(
                    ALLERGY_CLINICAL,
                    *(("active", "Active") if active else ("resolved", "Resolved")),
                )
            ]
        },
        "verificationStatus": {"coding": [coding(ALLERGY_VERIFICATION, "confirmed", "Confirmed")]},
        "criticality": ALLERGY_CRITICALITY.get(AllergySeverity(allergy.severity), "low"),
        "code": {"text": allergy.substance},
        "patient": refs.to("Patient", allergy.patient_id),
        "recordedDate": instant(allergy.recorded_at),
        "recorder": refs.practitioner(allergy, "recorded_by"),
    }
    if allergy.reaction:
        resource["reaction"] = [
            {
                "manifestation": [{"text": allergy.reaction}],
                "severity": REACTION_SEVERITY[AllergySeverity(allergy.severity)],
            }
        ]
    return _with_meta(refs, "AllergyIntolerance", resource)


# --- MedicationRequest -----------------------------------------------------------------------

# Frequency code -> (times, period, period unit, as needed)
FREQUENCY_TIMING = {
    Frequency.OD: (1, 1, "d", False),
    Frequency.BD: (2, 1, "d", False),
    Frequency.TDS: (3, 1, "d", False),
    Frequency.QID: (4, 1, "d", False),
    Frequency.HS: (1, 1, "d", False),
    Frequency.SOS: (1, 1, "d", True),
    Frequency.STAT: (1, 1, "d", False),
}
ROUTE_SNOMED = {
    Route.ORAL: ("26643006", "Oral route"),
    Route.TOPICAL: ("6064005", "Topical route"),
    Route.INHALED: ("18679011000001101", "Inhalation"),
}
TIMING_WHEN = {Timing.BEFORE_FOOD: "AC", Timing.AFTER_FOOD: "PC", Timing.EMPTY_STOMACH: "AC"}


def _dose_text(item: PrescriptionItem) -> str:
    with translation.override("en"):
        medicine = item.medicine
        dose = item.dose.normalize()
        parts = [
            f"{dose:f} {medicine.form_display}",
            str(Frequency(item.frequency).label),
            str(Timing(item.timing).label),
            f"for {item.duration_days} days",
        ]
        return ", ".join(parts)


def course_is_over(item: PrescriptionItem, today: date) -> bool:
    """The course (prescribed day + its days) ended before today, as the timeline counts."""
    return (
        timezone.localtime(item.prescribed_at).date() + timedelta(days=item.duration_days) < today
    )


def medication_request_status(item: PrescriptionItem, today: date | None) -> str:
    """active while the course runs, completed after it (always active in a document: it is
    the order as written)."""
    return "completed" if today is not None and course_is_over(item, today) else "active"


def medication_request_resource(item: PrescriptionItem, refs: References) -> dict[str, Any]:
    """Needs medicine and encounter loaded (and prescribed_by for the REST API)."""
    medicine = item.medicine
    times, period, unit, as_needed = FREQUENCY_TIMING[Frequency(item.frequency)]
    repeat: dict[str, Any] = {
        "boundsDuration": {"value": item.duration_days, "unit": "d", "system": UCUM, "code": "d"},
    }
    if item.frequency == Frequency.STAT:
        repeat = {"count": 1}
    else:
        repeat.update({"frequency": times, "period": period, "periodUnit": unit})
    if item.frequency == Frequency.HS:
        repeat["when"] = ["HS"]
    elif item.timing in TIMING_WHEN:
        repeat["when"] = [TIMING_WHEN[Timing(item.timing)]]
    name = str(medicine)
    concept: dict[str, Any] = {"text": f"{name} ({medicine.name_hi})" if medicine.name_hi else name}
    dosage: dict[str, Any] = {
        "text": _dose_text(item),
        "timing": {"repeat": repeat},
        "asNeededBoolean": as_needed,
        "doseAndRate": [{"doseQuantity": {"value": float(item.dose), "unit": medicine.form}}],
    }
    if item.route in ROUTE_SNOMED:
        dosage["route"] = {"coding": [coding(SNOMED, *ROUTE_SNOMED[Route(item.route)])]}
    if item.instructions:
        dosage["patientInstruction"] = item.instructions
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": refs.id("medication-request", item.pk),
        "status": medication_request_status(item, refs.today()),
        "intent": "order",
        "medicationCodeableConcept": concept,
        "subject": refs.to("Patient", item.encounter.patient_id),
        "encounter": refs.to("Encounter", item.encounter_id),
        "authoredOn": instant(item.prescribed_at),
        "requester": refs.practitioner(item, "prescribed_by"),
        "dosageInstruction": [dosage],
    }
    return _with_meta(refs, "MedicationRequest", resource)


# --- Lab orders and reports: ServiceRequest, DiagnosticReport, laboratory Observation ------

# Lab order status -> http://hl7.org/fhir/request-status
SERVICE_REQUEST_STATUS = {
    LabOrderStatus.ORDERED: "active",
    LabOrderStatus.COLLECTED: "active",
    LabOrderStatus.RESULTED: "active",
    LabOrderStatus.SIGNED: "completed",
    LabOrderStatus.CANCELLED: "revoked",
}
LABORATORY_PROCEDURE = ("108252007", "Laboratory procedure")
# LabFlag values are HL7 v3 ObservationInterpretation codes; their displays.
INTERPRETATION_DISPLAY = {
    LabFlag.NORMAL: "Normal",
    LabFlag.LOW: "Low",
    LabFlag.HIGH: "High",
    LabFlag.CRITICAL_LOW: "Critical low",
    LabFlag.CRITICAL_HIGH: "Critical high",
    LabFlag.ABNORMAL: "Abnormal",
}
# The units of the lab catalogue (as printed on the report) -> UCUM codes. A unit not listed
# is sent as printed, without a UCUM code.
LAB_UCUM = {
    "%": "%",
    "/hpf": "/[HPF]",
    "10³/µL": "10*3/uL",
    "10⁶/µL": "10*6/uL",
    "U/L": "U/L",
    "fL": "fL",
    "g/dL": "g/dL",
    "mg/dL": "mg/dL",
    "mmol/L": "mmol/L",
    "pg": "pg",
}


def lab_current_results() -> Prefetch[Any]:
    """What the lab mappings read of an order's results: the current ones (a superseded value
    is never mapped), in the report's order, as `order.current_results`, with the parameter
    and who entered each value (and their registry record, for the REST API's references)."""
    return Prefetch(
        "results",
        queryset=LabResult.objects.filter(is_current=True)
        .select_related("parameter", "entered_by__practitioner")
        .order_by("parameter__sort_order", "pk"),
        to_attr="current_results",
    )


def _lab_code(loinc: str, name: str) -> dict[str, Any]:
    if not loinc:
        return {"text": name}
    return {"coding": [coding(LOINC, loinc, name)], "text": name}


def _lab_order_identifier(order: LabOrder) -> list[dict[str, Any]]:
    return [{"system": LAB_ORDER_SYSTEM, "value": str(order.pk)}]


def service_request_resource(order: LabOrder, refs: References) -> dict[str, Any]:
    """A lab order at any step (a cancelled one is revoked, with its reason as a note). Needs
    panel loaded (and ordered_by with its registry record for the REST API)."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": refs.id("lab-order", order.pk),
        "identifier": _lab_order_identifier(order),
        "status": SERVICE_REQUEST_STATUS[LabOrderStatus(order.status)],
        "intent": "order",
        "category": [{"coding": [coding(SNOMED, *LABORATORY_PROCEDURE)]}],
        "code": _lab_code(order.panel.loinc, order.panel.name),
        "subject": refs.to("Patient", order.patient_id),
        "encounter": refs.to("Encounter", order.encounter_id),
        "authoredOn": instant(order.ordered_at),
        "requester": refs.practitioner(order, "ordered_by"),
    }
    notes = [order.note] if order.note else []
    if order.status == LabOrderStatus.CANCELLED:
        notes.append(f"Cancelled: {order.cancel_reason}")
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return _with_meta(refs, "ServiceRequest", resource)


def _lab_results(order: LabOrder) -> list[LabResult]:
    results: list[LabResult] = order.current_results  # type: ignore[attr-defined]
    return results


def diagnostic_report_resource(order: LabOrder, refs: References) -> dict[str, Any]:
    """A signed lab report: final, or amended once a value was corrected after sign-off. Needs
    panel and `lab_current_results()` loaded (and signed_by with its registry record for the
    REST API). An unsigned order has no report."""
    if order.status != LabOrderStatus.SIGNED or order.signed_at is None:
        raise ValueError(f"lab order {order.pk} is not signed: it has no report")
    resource: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": refs.id("lab-report", order.pk),
        "identifier": _lab_order_identifier(order),
        "status": "amended" if order.amended_at else "final",
        "category": [{"coding": [coding(DIAGNOSTIC_SERVICE_SECTION, "LAB", "Laboratory")]}],
        "code": _lab_code(order.panel.loinc, order.panel.name),
        "subject": refs.to("Patient", order.patient_id),
        "encounter": refs.to("Encounter", order.encounter_id),
        "effectiveDateTime": instant(order.collected_at or order.signed_at),
        "issued": instant(order.signed_at),
        "performer": [refs.practitioner(order, "signed_by")],
        "result": [
            refs.reference("Observation", refs.lab_result_id(result.pk))
            for result in _lab_results(order)
        ],
    }
    based_on = refs.lab_order(order.pk)
    if based_on is not None:
        resource = {**resource, "basedOn": [based_on]}
    if not resource["result"]:
        del resource["result"]
    return _with_meta(refs, "DiagnosticReportLab", resource)


def _lab_quantity(value: Decimal, unit: str) -> dict[str, Any]:
    if unit in LAB_UCUM:
        return _quantity(value, LAB_UCUM[unit], unit)
    quantity: dict[str, Any] = {"value": _quantity(value, "", "")["value"]}
    if unit:
        quantity["unit"] = unit
    return quantity


def _reference_range(result: LabResult) -> list[dict[str, Any]]:
    """The range the value was judged against (for the patient's sex when it was entered)."""
    text = result.range_display()
    if result.value_numeric is None:
        return [{"text": text}] if text else []
    places = Decimal(1).scaleb(-result.parameter.decimals)
    bounds: dict[str, Any] = {}
    if result.reference_low is not None:
        bounds["low"] = _lab_quantity(result.reference_low.quantize(places), result.unit)
    if result.reference_high is not None:
        bounds["high"] = _lab_quantity(result.reference_high.quantize(places), result.unit)
    if not bounds:
        return []
    return [{**bounds, "text": text}] if text else [bounds]


def lab_observation(result: LabResult, order: LabOrder, refs: References) -> dict[str, Any]:
    """One current value of a signed report: LOINC coded (by the parameter), a quantity with its
    UCUM unit or the answer as text, the reference range, the flag as interpretation; amended
    when it corrects a signed value. Needs parameter loaded (and the order's signed_by and the
    result's entered_by with their registry records for the REST API)."""
    parameter = result.parameter
    amended = bool(result.amend_reason)
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": refs.lab_result_id(result.pk),
        "status": "amended" if amended else "final",
        "category": [
            {"coding": [coding(OBSERVATION_CATEGORY, "laboratory", CATEGORY_DISPLAY["laboratory"])]}
        ],
        "code": _lab_code(parameter.loinc, parameter.name),
        "subject": refs.to("Patient", result.patient_id),
        "encounter": refs.to("Encounter", order.encounter_id),
        "effectiveDateTime": instant(order.collected_at or result.entered_at),
        "issued": instant(
            result.entered_at if amended or order.signed_at is None else order.signed_at
        ),
        "performer": [
            refs.practitioner(result, "entered_by")
            if amended
            else refs.practitioner(order, "signed_by")
        ],
    }
    if result.value_numeric is not None:
        places = Decimal(1).scaleb(-parameter.decimals)
        resource["valueQuantity"] = _lab_quantity(
            result.value_numeric.quantize(places), result.unit
        )
    else:
        resource["valueString"] = result.value_text
    flag = LabFlag(result.flag)
    resource["interpretation"] = [
        {"coding": [coding(INTERPRETATION, flag.value, INTERPRETATION_DISPLAY[flag])]}
    ]
    ranges = _reference_range(result)
    if ranges:
        resource["referenceRange"] = ranges
    if amended:
        resource["note"] = [{"text": f"Corrected after sign-off: {result.amend_reason}"}]
    return _with_meta(refs, "Observation", resource)


def lab_observations(order: LabOrder, refs: References) -> list[dict[str, Any]]:
    """The Observations of a signed report, in the report's order (none for an unsigned one)."""
    if order.status != LabOrderStatus.SIGNED:
        return []
    return [lab_observation(result, order, refs) for result in _lab_results(order)]


# --- Consent ---------------------------------------------------------------------------------

# ABDM consent status -> http://hl7.org/fhir/consent-state-codes
CONSENT_STATE = {
    ConsentStatus.REQUESTED: "proposed",
    ConsentStatus.GRANTED: "active",
    ConsentStatus.DENIED: "rejected",
    ConsentStatus.REVOKED: "inactive",
    ConsentStatus.EXPIRED: "inactive",
}
# The FHIR resource types each health-information type covers (the inverse of HI_TYPE_OF).
RESOURCE_TYPES_OF: dict[str, tuple[str, ...]] = {
    hi_type: tuple(name for name, covered in HI_TYPE_OF.items() if covered == hi_type)
    for hi_type in HiType.values
}


def consent_state(consent: Consent) -> str:
    """A grant past its end is inactive at once, whether or not the hourly task relabelled it."""
    return CONSENT_STATE[ConsentStatus(consent.status_now)]


def _consent_classes(consent: Consent) -> list[dict[str, Any]]:
    """Each ABDM health-information type, then the FHIR resource types it covers."""
    classes = [
        coding(HI_TYPE_SYSTEM, hi_type, _english(HiType(hi_type).label))
        for hi_type in consent.hi_types
        if hi_type in HiType.values
    ]
    covered = dict.fromkeys(
        name for hi_type in consent.hi_types for name in RESOURCE_TYPES_OF.get(hi_type, ())
    )
    classes += [{"system": RESOURCE_TYPES, "code": name} for name in covered]
    return classes


def consent_resource(consent: Consent, refs: References) -> dict[str, Any]:
    """A consent the patient was asked for (ABDM statuses and purposes, hims.records).

    Needs requester (with its registry record) and facility loaded. The doctor and the
    facility are `provision.actor`s in the role information recipient (IRCP); `provision.period`
    is when the consent is in force (from the patient's answer, or the request while it waits,
    to its end), `provision.dataPeriod` the range of record dates it covers, `provision.purpose`
    the ABDM purpose (a v3 ActReason code) and `provision.class` the ABDM health-information
    types (system https://hims.delhi.gov.in/fhir/CodeSystem/hi-type) followed by the FHIR
    resource types they cover (system http://hl7.org/fhir/resource-types).
    """
    purpose = ConsentPurpose(consent.purpose)
    recipient = {"coding": [coding(PARTICIPATION_TYPE, "IRCP", "information recipient")]}
    provision: dict[str, Any] = {
        "type": "permit",
        "period": {
            "start": instant(consent.decided_at or consent.requested_at),
            "end": instant(consent.revoked_at or consent.expires_at),
        },
        "actor": [
            {"role": recipient, "reference": refs.practitioner(consent, "requester")},
            {"role": recipient, "reference": refs.organization(consent, "facility")},
        ],
        "purpose": [coding(ACT_REASON, purpose.value, _english(purpose.label))],
        "class": _consent_classes(consent),
        "dataPeriod": {
            "start": consent.records_from.isoformat(),
            "end": consent.records_to.isoformat(),
        },
    }
    if not provision["class"]:
        del provision["class"]
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": refs.id("consent", consent.pk),
        "status": consent_state(consent),
        "scope": {
            "coding": [coding(CONSENT_SCOPE, "patient-privacy", "Privacy Consent")],
        },
        "category": [{"coding": [coding(LOINC, "59284-0", "Patient Consent")]}],
        "patient": refs.to("Patient", consent.patient_id),
        "dateTime": instant(consent.requested_at),
        "performer": [refs.to("Patient", consent.patient_id)],
        "organization": [refs.organization(consent, "facility")],
        "policyRule": {"coding": [coding(ACT_CODE, "OPTIN", "opt-in")]},
        "provision": provision,
    }
    return _with_meta(refs, "Consent", resource)
