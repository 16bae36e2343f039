"""A patient record as a FHIR R4 Patient, and a FHIR Patient body as our demographics.

Outbound (`patient_resource`) is a pure function of the row (`merged_records` prefetched for
the `replaces` links). Inbound (`patient_input`) only *translates* a body that already passed
the R4B model: it never validates a value itself. The values go to
`hims.patients.forms.PatientDataForm` (the single validation of demographics), and
`PatientInput.paths` says which element each form field came from, so a refusal can point at
`Patient.identifier[1].value` rather than at a form field the client never saw.

Identifier systems (see shared/reference/india-health.md):

- UHID: `https://hims.delhi.gov.in/fhir/sid/uhid`, type v2-0203 `MR`, use `usual`;
- ABHA number: `https://healthid.ndhm.gov.in` (NRCES examples), shown `XX-XXXX-XXXX-XXXX`, type
  NRCES ndhm-identifier-type-code `ABHA`, use `official`;
- ABHA address: `https://healthid.abdm.gov.in/abha-address`. ABDM publishes no system for it;
  it needs one apart from the ABHA number's, so it lives under ABDM's current domain. On input
  an `name@abdm` value under the ABHA number system is read as an address too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from hims.fhir.patient.outcome import Issue
from hims.fhir.resources import HIMS_SID, LANGUAGE_EXTENSION, human_name
from hims.lib.identifiers import ABHA_SYSTEM, format_14_digits
from hims.network.choices import District
from hims.patients.choices import Relation
from hims.patients.models import Patient

UHID_SYSTEM = f"{HIMS_SID}/uhid"
ABHA_ADDRESS_SYSTEM = "https://healthid.abdm.gov.in/abha-address"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
NDHM_IDENTIFIER_TYPE = "https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code"
CONTACT_ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0131"
ROLE_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
BCP47 = "urn:ietf:bcp:47"
INDIA_CODE = "+91"

# Our relations as HL7 v3 RoleCode (the value set of Patient.contact.relationship allows it).
RELATION_ROLE_CODES = {
    Relation.SELF: ("ONESELF", "self"),
    Relation.SPOUSE: ("SPS", "spouse"),
    Relation.CHILD: ("CHILD", "child"),
    Relation.PARENT: ("PRN", "parent"),
    Relation.SIBLING: ("SIB", "sibling"),
    Relation.OTHER: ("FAMMEMB", "family member"),
}
# Inbound, the more specific RoleCodes fold to our relations; any other code means "other".
ROLE_CODE_RELATIONS = {
    **{code: relation for relation, (code, _display) in RELATION_ROLE_CODES.items()},
    **dict.fromkeys(("HUSB", "WIFE", "DOMPART"), Relation.SPOUSE),
    **dict.fromkeys(("SON", "DAU", "NCHILD", "CHLDADOPT", "STPCHLD"), Relation.CHILD),
    **dict.fromkeys(("MTH", "FTH", "NPRN", "NMTH", "NFTH", "STPPRN"), Relation.PARENT),
    **dict.fromkeys(("BRO", "SIS", "NSIB", "HSIB", "STPSIB"), Relation.SIBLING),
}
LANGUAGES = {"hi": ("Hindi", "हिन्दी"), "en": ("English", "English")}

# Where a form field's value comes from when the body lacks the element altogether.
DEFAULT_PATHS = {
    "name": "Patient.name",
    "name_hi": "Patient.name",
    "gender": "Patient.gender",
    "birth_date": "Patient.birthDate",
    "birth_year": "Patient.birthDate",
    "age_years": "Patient.birthDate",
    "mobile": "Patient.telecom",
    "abha_number": "Patient.identifier",
    "abha_address": "Patient.identifier",
    "address_line": "Patient.address",
    "locality": "Patient.address",
    "district": "Patient.address",
    "pincode": "Patient.address",
    "emergency_contact_name": "Patient.contact",
    "emergency_contact_mobile": "Patient.contact",
    "emergency_contact_relation": "Patient.contact",
    "preferred_language": "Patient.communication",
}


def _english(label: str | Promise) -> str:
    with translation.override("en"):
        return str(label)


def _label(choice_class: type[models.TextChoices], value: str) -> str | Promise:
    try:
        return choice_class(value).label
    except ValueError:
        return value


def _phone(mobile: str) -> dict[str, Any]:
    return {"system": "phone", "value": f"{INDIA_CODE}{mobile}", "use": "mobile"}


# --- outbound: Patient row -> FHIR Patient ----------------------------------------------


def _identifiers(patient: Patient) -> list[dict[str, Any]]:
    identifiers: list[dict[str, Any]] = [
        {
            "use": "usual",
            "type": {
                "coding": [{"system": V2_0203, "code": "MR", "display": "Medical record number"}],
                "text": "UHID",
            },
            "system": UHID_SYSTEM,
            "value": patient.uhid,
        }
    ]
    if patient.abha_number:
        identifiers.append(
            {
                "use": "official",
                "type": {
                    "coding": [
                        {
                            "system": NDHM_IDENTIFIER_TYPE,
                            "code": "ABHA",
                            "display": "Ayushman Bharat Health Account (ABHA) ID",
                        }
                    ],
                    "text": "ABHA number",
                },
                "system": ABHA_SYSTEM,
                "value": format_14_digits(patient.abha_number),
            }
        )
    if patient.abha_address:
        identifiers.append(
            {
                "use": "official",
                "type": {"text": "ABHA address"},
                "system": ABHA_ADDRESS_SYSTEM,
                "value": patient.abha_address,
            }
        )
    return identifiers


def _names(patient: Patient) -> list[dict[str, Any]]:
    names = [human_name(patient.name)]
    if patient.name_hi:
        names.append(
            {
                "extension": [{"url": LANGUAGE_EXTENSION, "valueCode": "hi"}],
                "use": "usual",
                "text": patient.name_hi,
            }
        )
    return names


def _birth_date(patient: Patient) -> str:
    """An approximate date (from an age or a year of birth) is published as its year only."""
    if patient.birth_date_is_estimated:
        return f"{patient.birth_date.year:04d}"
    return patient.birth_date.isoformat()


def _address(patient: Patient) -> list[dict[str, Any]]:
    if not (patient.address_line or patient.locality or patient.district or patient.pincode):
        return []
    address: dict[str, Any] = {"use": "home", "type": "physical"}
    lines = [line for line in (patient.address_line, patient.locality) if line]
    if lines:
        address["line"] = lines
    # The districts are Delhi's; a PIN code alone says Delhi only when it is 110xxx.
    if patient.district or patient.pincode.startswith("110"):
        address["city"] = "Delhi"
    if patient.district:
        address["district"] = _english(_label(District, patient.district))
    if "city" in address:
        address["state"] = "Delhi"
    if patient.pincode:
        address["postalCode"] = patient.pincode
    address["country"] = "IN"
    return [address]


def _contact(patient: Patient) -> list[dict[str, Any]]:
    if not (patient.emergency_contact_name or patient.emergency_contact_mobile):
        return []
    relationship: list[dict[str, Any]] = [
        {"coding": [{"system": CONTACT_ROLE_SYSTEM, "code": "C", "display": "Emergency Contact"}]}
    ]
    relation = patient.emergency_contact_relation
    if relation in RELATION_ROLE_CODES:
        code, display = RELATION_ROLE_CODES[Relation(relation)]
        relationship.append(
            {
                "coding": [{"system": ROLE_CODE_SYSTEM, "code": code, "display": display}],
                "text": str(Relation(relation).label),
            }
        )
    contact: dict[str, Any] = {"relationship": relationship}
    if patient.emergency_contact_name:
        contact["name"] = {"text": patient.emergency_contact_name}
    if patient.emergency_contact_mobile:
        contact["telecom"] = [_phone(patient.emergency_contact_mobile)]
    return [contact]


def _communication(patient: Patient) -> list[dict[str, Any]]:
    if patient.preferred_language not in LANGUAGES:
        return []
    english, native = LANGUAGES[patient.preferred_language]
    coding = {"system": BCP47, "code": patient.preferred_language, "display": english}
    return [{"language": {"coding": [coding], "text": native}, "preferred": True}]


def _links(patient: Patient) -> list[dict[str, Any]]:
    links = [
        {"other": {"reference": f"Patient/{loser.pk}"}, "type": "replaces"}
        for loser in sorted(patient.merged_records.all(), key=lambda loser: loser.pk)
    ]
    if patient.merged_into_id:
        links.append(
            {"other": {"reference": f"Patient/{patient.merged_into_id}"}, "type": "replaced-by"}
        )
    return links


def patient_resource(patient: Patient) -> dict[str, Any]:
    """The FHIR Patient; prefetch `merged_records` when mapping many rows."""
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "meta": {"lastUpdated": patient.updated_at.isoformat()} if patient.updated_at else {},
        "identifier": _identifiers(patient),
        # A merged-away record is kept (it redirects); the survivor is the one in use.
        "active": patient.merged_into_id is None,
        "name": _names(patient),
        "telecom": [_phone(patient.mobile)] if patient.mobile else [],
        "gender": patient.gender,
        "birthDate": _birth_date(patient),
        "address": _address(patient),
        "contact": _contact(patient),
        "communication": _communication(patient),
        "link": _links(patient),
    }
    return {key: value for key, value in resource.items() if value not in (None, [], {}, "")}


# --- inbound: FHIR Patient body -> form data -------------------------------------------


@dataclass
class PatientInput:
    """Form data for `patient_data_clean`, and the FHIRPath each field was read from."""

    data: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    uhid: str | None = None  # a UHID the client sent (only an update may, and it must match)
    uhid_path: str = ""
    problems: list[Issue] = field(default_factory=list)

    def put(self, name: str, value: Any, path: str) -> None:
        self.data[name] = value
        self.paths[name] = path

    def path(self, name: str) -> str:
        return self.paths.get(name) or DEFAULT_PATHS.get(name, "Patient")

    def refuse(self, diagnostics: str, path: str, *, code: str = "value") -> None:
        self.problems.append(Issue(code=code, diagnostics=diagnostics, expression=path))


def _is_devanagari(text: str) -> bool:
    return any("\u0900" <= char <= "\u097f" for char in text)


def _name_text(name: dict[str, Any]) -> str:
    text = name.get("text") or " ".join(
        [*name.get("prefix", []), *name.get("given", []), name.get("family") or ""]
    )
    return " ".join(str(text).split())


def _is_hindi(name: dict[str, Any], text: str) -> bool:
    languages = {
        extension.get("valueCode")
        for extension in name.get("extension", [])
        if extension.get("url") == LANGUAGE_EXTENSION
    }
    return "hi" in languages or _is_devanagari(text)


def _read_identifiers(body: dict[str, Any], found: PatientInput) -> None:
    for index, identifier in enumerate(body.get("identifier", [])):
        path = f"Patient.identifier[{index}]"
        system, value = identifier.get("system"), (identifier.get("value") or "").strip()
        if not value:
            found.refuse(_("This identifier has no value."), f"{path}.value", code="required")
            continue
        if system == UHID_SYSTEM:
            kind = "uhid"
        elif system == ABHA_ADDRESS_SYSTEM or (system == ABHA_SYSTEM and "@" in value):
            kind = "abha_address"
        elif system == ABHA_SYSTEM:
            kind = "abha_number"
        else:
            found.refuse(
                _(
                    "HIMS keeps only these patient identifiers: UHID (%(uhid)s), ABHA number "
                    "(%(abha)s) and ABHA address (%(address)s)."
                )
                % {"uhid": UHID_SYSTEM, "abha": ABHA_SYSTEM, "address": ABHA_ADDRESS_SYSTEM},
                f"{path}.system",
                code="not-supported",
            )
            continue
        if kind in found.data or (kind == "uhid" and found.uhid is not None):
            found.refuse(
                _("This identifier is given twice."), f"{path}.value", code="business-rule"
            )
        elif kind == "uhid":
            found.uhid, found.uhid_path = value, f"{path}.value"
        else:
            found.put(kind, value, f"{path}.value")


def _read_names(body: dict[str, Any], found: PatientInput) -> None:
    latin: tuple[str, int] | None = None
    hindi: tuple[str, int] | None = None
    for index, name in enumerate(body.get("name", [])):
        text = _name_text(name)
        if not text or name.get("use") in {"old", "maiden"}:
            continue
        if _is_hindi(name, text):
            hindi = hindi or (text, index)
        else:
            latin = latin or (text, index)
    main = latin or hindi
    if main:
        found.put("name", main[0], f"Patient.name[{main[1]}]")
    if hindi:
        found.put("name_hi", hindi[0], f"Patient.name[{hindi[1]}]")


def _first_phone(telecoms: Iterable[dict[str, Any]]) -> tuple[int, str] | None:
    """The mobile: the first phone with use `mobile`, else the first phone."""
    phones = [
        (index, telecom)
        for index, telecom in enumerate(telecoms)
        if telecom.get("system") == "phone" and telecom.get("value")
    ]
    chosen = next((p for p in phones if p[1].get("use") == "mobile"), phones[0] if phones else None)
    return (chosen[0], chosen[1]["value"]) if chosen else None


def _read_telecom(body: dict[str, Any], found: PatientInput) -> None:
    phone = _first_phone(body.get("telecom", []))
    if phone:
        found.put("mobile", phone[1], f"Patient.telecom[{phone[0]}].value")


def _read_birth_date(body: dict[str, Any], found: PatientInput) -> None:
    born = body.get("birthDate")
    if not born:
        return
    if len(born) == 10:
        found.put("birth_date", born, "Patient.birthDate")
    else:  # "YYYY" or "YYYY-MM": known to the year, stored as an approximate date
        found.put("birth_year", born[:4], "Patient.birthDate")


def _normal(text: str) -> str:
    words = text.strip().lower().replace("_", " ").split()
    return " ".join(words[:-1] if len(words) > 1 and words[-1] == "delhi" else words)


def _district_code(text: str) -> str:
    """`Central Delhi`, `central` or `CENTRAL` -> `central`; unknown text is passed on as is,
    for the form to refuse."""
    wanted = _normal(text)
    for code, label in District.choices:
        if wanted in {_normal(code), _normal(_english(label))}:
            return str(code)
    return text


def _read_address(body: dict[str, Any], found: PatientInput) -> None:
    addresses = list(enumerate(body.get("address", [])))
    usable = [(i, a) for i, a in addresses if a.get("use") not in {"old", "billing", "temp"}]
    chosen = next((a for a in usable if a[1].get("use") == "home"), usable[0] if usable else None)
    if chosen is None:
        return
    index, address = chosen
    path = f"Patient.address[{index}]"
    lines = [" ".join(line.split()) for line in address.get("line", []) if line.strip()]
    if len(lines) >= 2:
        found.put("address_line", ", ".join(lines[:-1]), f"{path}.line")
        found.put("locality", lines[-1], f"{path}.line[{len(lines) - 1}]")
    elif lines:
        found.put("address_line", lines[0], f"{path}.line[0]")
    if address.get("district"):
        found.put("district", _district_code(address["district"]), f"{path}.district")
    if address.get("postalCode"):
        found.put("pincode", address["postalCode"], f"{path}.postalCode")


def _relation(contact: dict[str, Any]) -> str:
    for concept in contact.get("relationship", []):
        for coding in concept.get("coding", []):
            if coding.get("system") == ROLE_CODE_SYSTEM and coding.get("code"):
                return str(ROLE_CODE_RELATIONS.get(coding["code"], Relation.OTHER))
    return ""


def _is_emergency(contact: dict[str, Any]) -> bool:
    return any(
        coding.get("system") == CONTACT_ROLE_SYSTEM and coding.get("code") == "C"
        for concept in contact.get("relationship", [])
        for coding in concept.get("coding", [])
    )


def _read_contact(body: dict[str, Any], found: PatientInput) -> None:
    contacts = list(enumerate(body.get("contact", [])))
    chosen = next((c for c in contacts if _is_emergency(c[1])), contacts[0] if contacts else None)
    if chosen is None:
        return
    index, contact = chosen
    path = f"Patient.contact[{index}]"
    name = _name_text(contact.get("name") or {})
    if name:
        found.put("emergency_contact_name", name, f"{path}.name")
    phone = _first_phone(contact.get("telecom", []))
    if phone:
        found.put("emergency_contact_mobile", phone[1], f"{path}.telecom[{phone[0]}].value")
    relation = _relation(contact)
    if relation:
        found.put("emergency_contact_relation", relation, f"{path}.relationship")


def _read_communication(body: dict[str, Any], found: PatientInput) -> None:
    languages = list(enumerate(body.get("communication", [])))
    chosen = next(
        (c for c in languages if c[1].get("preferred")), languages[0] if languages else None
    )
    if chosen is None:
        return
    index, communication = chosen
    codes = [
        coding.get("code") or ""
        for coding in communication.get("language", {}).get("coding", [])
        if coding.get("system") in (BCP47, None)
    ]
    if codes:  # hi-IN -> hi; a language we do not offer is refused by the form
        found.put(
            "preferred_language",
            codes[0].split("-")[0].lower(),
            f"Patient.communication[{index}].language",
        )


def patient_input(body: dict[str, Any]) -> PatientInput:
    """Translate an R4B-valid Patient body; `problems` lists what HIMS cannot take from it."""
    found = PatientInput()
    _read_identifiers(body, found)
    _read_names(body, found)
    _read_telecom(body, found)
    if body.get("gender"):
        found.put("gender", body["gender"], "Patient.gender")
    _read_birth_date(body, found)
    _read_address(body, found)
    _read_contact(body, found)
    _read_communication(body, found)
    if body.get("active") is False:
        found.refuse(
            _("A patient record becomes inactive only when it is merged into another one."),
            "Patient.active",
            code="business-rule",
        )
    if body.get("deceasedBoolean") or body.get("deceasedDateTime"):
        found.refuse(
            _("HIMS does not record a death through the Patient resource."),
            "Patient.deceased",
            code="not-supported",
        )
    return found
