"""A closed OPD visit as NRCES FHIR R4 document bundles (India's national profiles).

One builder per document type, each a function of a closed encounter returning a
`Bundle.type = document` dict whose first entry is the Composition. `DOCUMENT_BUILDERS` maps the
ABDM health-information types (what a consent artefact lists in `hiTypes`) to the builders, so a
new record type is one function and one line in the registry; the ABDM health-information
provider (hims.abdm) only reads the registry. OPConsultRecord, PrescriptionRecord and
DiagnosticReportRecord (the visit's signed lab reports) exist.

Rules kept by every builder:

- profiles under https://nrces.in/ndhm/fhir/r4/StructureDefinition/ on the Bundle, the
  Composition and each resource; section codes are SNOMED CT (shared/reference/india-health.md);
- every resource id is a uuid5 of the row it comes from, the bundle's id and identifier a uuid5
  of (document type, encounter), and the timestamp is the visit's closing time (for lab reports,
  which may be signed later, the last sign-off or correction): building the same visit twice
  gives the same bundle, so a re-sent document is recognised as the same one;
- fullUrls are `urn:uuid:<id>` and every reference (Composition.subject/author/encounter/
  custodian, section entries, each resource's subject) resolves inside the bundle;
- identifier systems as in hims.fhir: ABHA https://healthid.ndhm.gov.in, HFR
  https://facility.ndhm.gov.in, HPR https://doctor.ndhm.gov.in; diagnoses ICD-10
  (http://hl7.org/fhir/sid/icd-10), vital signs LOINC with the vital-signs category and UCUM units;
- text the doctor wrote (complaints, examination, advice, often in Hindi) is kept as written.

Each clinical resource is mapped by hims.fhir.clinical.mapping, the mapping the REST API serves
too, with `DocumentReferences` (uuid5 ids, urn:uuid references); this module assembles them.

The builders read the rows; they log nothing. Whoever hands a bundle to someone (the ABDM
transfer) writes the access log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from hims.clinical.choices import AllergyStatus
from hims.clinical.models import (
    Allergy,
    Diagnosis,
    Encounter,
    LabOrder,
    PrescriptionItem,
    VitalSigns,
)
from hims.core.errors import Conflict
from hims.fhir.clinical.mapping import (
    NRCES,
    SNOMED,
    DocumentReferences,
    allergy_resource,
    coding,
    complaint_condition,
    condition_resource,
    diagnostic_report_resource,
    encounter_resource,
    examination_observation,
    lab_current_results,
    lab_observations,
    medication_request_resource,
    resource_id,
    vitals_observations,
)
from hims.fhir.clinical.mapping import instant as _instant
from hims.fhir.patient.mapping import patient_resource
from hims.fhir.resources import HIMS_SID, human_name, organization_from_facility
from hims.lib.identifiers import HPR_SYSTEM

__all__ = [
    "DOCUMENT_BUILDERS",
    "NRCES",
    "DocumentNotReady",
    "DocumentType",
    "diagnostic_report_record",
    "documents_for_encounter",
    "op_consult_record",
    "prescription_record",
    "resource_id",
]

DOCUMENT_SYSTEM = f"{HIMS_SID}/document"
XHTML = "http://www.w3.org/1999/xhtml"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"


class DocumentNotReady(Conflict):
    """Only a closed visit is a record that can be shared: an open one may still change."""

    code = "visit_not_closed"
    default_message = _("The visit is still open; a record is made only from a closed visit.")


def _full_url(identifier: str) -> str:
    return f"urn:uuid:{identifier}"


def _narrative(*paragraphs: str) -> dict[str, Any]:
    body = "".join(f"<p>{escape(text)}</p>" for text in paragraphs if text)
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{body}</div>'}


def _meta(profile: str) -> dict[str, Any]:
    return {"profile": [f"{NRCES}/{profile}"]}


@dataclass
class _Parts:
    """The resources of one document, in bundle order after the Composition. The clinical
    resources are mapped by hims.fhir.clinical.mapping with `refs` (uuid5 ids, urn:uuid
    references, the document's author as every practitioner)."""

    encounter: Encounter
    refs: DocumentReferences
    patient_id: str
    practitioner_id: str
    organization_id: str
    encounter_id: str
    resources: list[dict[str, Any]] = field(default_factory=list)

    def add(self, resource: dict[str, Any]) -> dict[str, Any]:
        self.resources.append(resource)
        return {"reference": _full_url(resource["id"]), "type": resource["resourceType"]}


# --- the people and places (the REST API serves these from their own registries) -----------


def _patient(encounter: Encounter, identifier: str) -> dict[str, Any]:
    resource = patient_resource(encounter.patient)
    resource.pop("link", None)  # links name other records by server id; not part of a document
    resource["id"] = identifier
    resource["meta"] = _meta("Patient")
    return resource


def _practitioner(encounter: Encounter, identifier: str) -> dict[str, Any]:
    return _practitioner_of(encounter.practitioner, identifier)


def _practitioner_of(user: Any, identifier: str) -> dict[str, Any]:
    """A user as a Practitioner (their registry record's name and HPR id when they have one)."""
    registry = getattr(user, "practitioner", None)
    name = (registry.name if registry is not None else "") or user.get_full_name() or user.username
    resource: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": identifier,
        "meta": _meta("Practitioner"),
        "name": [human_name(name)],
    }
    if registry is not None and registry.hpr_id:
        resource["identifier"] = [
            {
                "type": {
                    "coding": [coding(V2_0203, "MD", "Medical License number")],
                },
                "system": HPR_SYSTEM,
                "value": registry.hpr_id,
            }
        ]
    return resource


def _organization(encounter: Encounter, identifier: str) -> dict[str, Any]:
    resource = organization_from_facility(encounter.facility)
    resource["id"] = identifier
    resource["meta"] = _meta("Organization")
    return resource


# --- assembling a document ---------------------------------------------------------------


def _load(encounter: Encounter) -> Encounter:
    """The encounter with what every document needs; refused unless closed."""
    loaded = (
        Encounter.objects.select_related(
            "patient", "facility", "department", "practitioner", "practitioner__practitioner"
        )
        .prefetch_related("patient__merged_records")
        .get(pk=encounter.pk)
    )
    if not loaded.is_closed:
        raise DocumentNotReady()
    return loaded


def _parts(encounter: Encounter) -> _Parts:
    return _Parts(
        encounter=encounter,
        refs=DocumentReferences(author_id=encounter.practitioner_id),
        patient_id=resource_id("patient", encounter.patient_id),
        practitioner_id=resource_id("practitioner-user", encounter.practitioner_id),
        organization_id=resource_id("organization", encounter.facility_id),
        encounter_id=resource_id("encounter", encounter.pk),
    )


def _section(
    title: str, code: str, display: str, entries: list[dict[str, Any]], *texts: str
) -> dict[str, Any]:
    section: dict[str, Any] = {
        "title": title,
        "code": {"coding": [coding(SNOMED, code, display)]},
    }
    if entries:
        section["entry"] = entries
    if texts or not entries:
        section["text"] = _narrative(*texts)
    return section


def _document(
    parts: _Parts,
    *,
    kind: str,
    profile: str,
    type_code: tuple[str, str],
    title: str,
    sections: list[dict[str, Any]],
    moment: datetime | None = None,
    status: str = "final",
) -> dict[str, Any]:
    encounter = parts.encounter
    closed = moment or encounter.closed_at or encounter.started_at
    bundle_id = resource_id(f"bundle/{kind}", encounter.pk)
    composition = {
        "resourceType": "Composition",
        "id": resource_id(f"composition/{kind}", encounter.pk),
        "meta": _meta(profile),
        "language": "en-IN",
        "identifier": {"system": DOCUMENT_SYSTEM, "value": bundle_id},
        "status": status,
        "type": {"coding": [coding(SNOMED, *type_code)], "text": type_code[1]},
        "subject": {"reference": _full_url(parts.patient_id)},
        "encounter": {"reference": _full_url(parts.encounter_id)},
        "date": _instant(closed),
        "author": [{"reference": _full_url(parts.practitioner_id)}],
        "title": title,
        "custodian": {"reference": _full_url(parts.organization_id)},
        "section": sections,
    }
    people = [
        _patient(encounter, parts.patient_id),
        _practitioner(encounter, parts.practitioner_id),
        _organization(encounter, parts.organization_id),
        encounter_resource(encounter, parts.refs),
    ]
    entries = [composition, *people, *parts.resources]
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"profile": [f"{NRCES}/DocumentBundle"], "lastUpdated": _instant(closed)},
        "identifier": {"system": DOCUMENT_SYSTEM, "value": bundle_id},
        "type": "document",
        "timestamp": _instant(closed),
        "entry": [
            {"fullUrl": _full_url(resource["id"]), "resource": resource} for resource in entries
        ],
    }


def _prescription_items(encounter: Encounter) -> list[PrescriptionItem]:
    items = list(
        PrescriptionItem.objects.filter(encounter=encounter)
        .select_related("medicine")
        .order_by("prescribed_at", "pk")
    )
    for item in items:
        item.encounter = encounter
    return items


def op_consult_record(encounter: Encounter) -> dict[str, Any]:
    """OPConsultRecord: complaints and diagnoses, examination and vitals, allergies,
    medicines and advice of a closed visit."""
    encounter = _load(encounter)
    parts = _parts(encounter)
    sections: list[dict[str, Any]] = []

    complaints: list[dict[str, Any]] = []
    if encounter.chief_complaint:
        complaints.append(parts.add(complaint_condition(encounter, parts.refs)))
    diagnoses = Diagnosis.objects.filter(encounter=encounter).select_related("code")
    for diagnosis in diagnoses.order_by("-kind", "recorded_at", "pk"):  # primary first
        diagnosis.encounter = encounter
        complaints.append(parts.add(condition_resource(diagnosis, parts.refs)))
    if complaints:
        sections.append(
            _section("Chief complaints", "422843007", "Chief complaint section", complaints)
        )

    examination: list[dict[str, Any]] = []
    for vitals in VitalSigns.objects.filter(encounter=encounter).order_by("recorded_at", "pk"):
        vitals.encounter = encounter
        examination.extend(parts.add(obs) for obs in vitals_observations(vitals, parts.refs))
    if encounter.examination:
        examination.append(parts.add(examination_observation(encounter, parts.refs)))
    if examination:
        sections.append(
            _section("Physical examination", "425044008", "Physical exam section", examination)
        )

    allergies = Allergy.objects.filter(
        patient_id=encounter.patient_id,
        status=AllergyStatus.ACTIVE,
        recorded_at__lte=encounter.closed_at,
    ).order_by("recorded_at", "pk")
    allergy_entries = [parts.add(allergy_resource(allergy, parts.refs)) for allergy in allergies]
    if allergy_entries:
        sections.append(_section("Allergies", "722446000", "Allergy record", allergy_entries))

    medicines = [
        parts.add(medication_request_resource(item, parts.refs))
        for item in _prescription_items(encounter)
    ]
    if medicines:
        sections.append(
            _section("Medications", "721912009", "Medication summary document", medicines)
        )

    if encounter.advice:
        sections.append(
            _section(
                "Follow up and advice", "390906007", "Follow-up encounter", [], encounter.advice
            )
        )

    if not sections:  # a closed visit has complaints or a diagnosis; keep the document valid anyway
        sections.append(
            _section("Chief complaints", "422843007", "Chief complaint section", [], "-")
        )
    return _document(
        parts,
        kind="op-consult",
        profile="OPConsultRecord",
        type_code=("371530004", "Clinical consultation report"),
        title="Consultation Report",
        sections=sections,
    )


def prescription_record(encounter: Encounter) -> dict[str, Any]:
    """PrescriptionRecord: the visit's medicines, one MedicationRequest each."""
    encounter = _load(encounter)
    parts = _parts(encounter)
    medicines = [
        parts.add(medication_request_resource(item, parts.refs))
        for item in _prescription_items(encounter)
    ]
    section = _section(
        "Prescription",
        "440545006",
        "Prescription record",
        medicines,
        *([] if medicines else ["No medicines were prescribed in this visit."]),
    )
    return _document(
        parts,
        kind="prescription",
        profile="PrescriptionRecord",
        type_code=("440545006", "Prescription record"),
        title="Prescription record",
        sections=[section],
    )


def prescription_record_applies(encounter: Encounter) -> bool:
    return PrescriptionItem.objects.filter(encounter=encounter).exists()


# NRCES DiagnosticReportRecord: the Composition type (SNOMED CT), also the section's code.
DIAGNOSTIC_STUDIES_REPORT = ("721981007", "Diagnostic studies report")


def _signed_lab_reports(encounter: Encounter) -> list[LabOrder]:
    return list(
        LabOrder.objects.signed()
        .filter(encounter=encounter)
        .select_related("panel", "signed_by__practitioner")
        .prefetch_related(lab_current_results())
        .order_by("signed_at", "pk")
    )


def diagnostic_report_record(encounter: Encounter) -> dict[str, Any]:
    """DiagnosticReportRecord: the visit's signed lab reports (DiagnosticReportLab), each with
    its current values (Observations). Whoever signed a report is its performer and a
    Practitioner of the bundle; the document is dated by the last sign-off or correction and
    is amended when a value was corrected after sign-off."""
    encounter = _load(encounter)
    reports = _signed_lab_reports(encounter)
    signers = {report.signed_by_id for report in reports if report.signed_by_id is not None}
    signers |= {
        result.entered_by_id
        for report in reports
        for result in report.current_results  # type: ignore[attr-defined]
        if result.amend_reason
    }
    signers.discard(encounter.practitioner_id)
    parts = _parts(encounter)
    parts.refs = DocumentReferences(
        author_id=encounter.practitioner_id, practitioners=frozenset(signers)
    )
    entries = [parts.add(diagnostic_report_resource(report, parts.refs)) for report in reports]
    for report in reports:
        for observation in lab_observations(report, parts.refs):
            parts.add(observation)
    users = {report.signed_by_id: report.signed_by for report in reports}
    users |= {
        result.entered_by_id: result.entered_by
        for report in reports
        for result in report.current_results  # type: ignore[attr-defined]
    }
    for user_id in sorted(signers):
        parts.add(_practitioner_of(users[user_id], resource_id("practitioner-user", user_id)))
    section = _section(
        "Diagnostic reports",
        *DIAGNOSTIC_STUDIES_REPORT,
        entries,
        *([] if entries else ["No lab report of this visit is signed off."]),
    )
    moments = [encounter.closed_at or encounter.started_at]
    moments += [moment for r in reports for moment in (r.signed_at, r.amended_at) if moment]
    return _document(
        parts,
        kind="diagnostic-report",
        profile="DiagnosticReportRecord",
        type_code=DIAGNOSTIC_STUDIES_REPORT,
        title="Diagnostic Report",
        sections=[section],
        moment=max(moments),
        status="amended" if any(r.amended_at for r in reports) else "final",
    )


def diagnostic_report_record_applies(encounter: Encounter) -> bool:
    return LabOrder.objects.signed().filter(encounter=encounter).exists()


@dataclass(frozen=True)
class DocumentType:
    """A kind of record a closed visit can be shared as: its builder and whether a visit has
    anything of that kind (a visit without medicines has no PrescriptionRecord)."""

    hi_type: str
    build: Callable[[Encounter], dict[str, Any]]
    applies: Callable[[Encounter], bool]


def _always(encounter: Encounter) -> bool:
    return True


# ABDM health-information type -> document.
DOCUMENT_BUILDERS: dict[str, DocumentType] = {
    "OPConsultation": DocumentType("OPConsultation", op_consult_record, _always),
    "Prescription": DocumentType("Prescription", prescription_record, prescription_record_applies),
    "DiagnosticReport": DocumentType(
        "DiagnosticReport", diagnostic_report_record, diagnostic_report_record_applies
    ),
}


def documents_for_encounter(
    encounter: Encounter, *, hi_types: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    """(HI type, bundle) for each requested type this visit has, in the order asked."""
    found = []
    for hi_type in hi_types:
        document = DOCUMENT_BUILDERS.get(hi_type)
        if document is not None and document.applies(encounter):
            found.append((hi_type, document.build(encounter)))
    return found
