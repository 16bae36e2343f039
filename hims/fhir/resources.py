"""Network registry rows as FHIR R4 resources: one mapping function per resource type.

Pure functions of already-loaded rows (the registry says what to select_related and
prefetch), so a page of results costs no query per row. Coding displays are the English
labels of our code systems; CodeableConcept.text is in the request's language.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import translation
from django.utils.functional import Promise

from hims.lib.identifiers import HFR_SYSTEM, HPR_SYSTEM
from hims.network import choices
from hims.network.models import Facility, Practitioner, PractitionerRole, Room, Speciality

HIMS_SID = "https://hims.delhi.gov.in/fhir/sid"
HIMS_CODE_SYSTEM = "https://hims.delhi.gov.in/fhir/CodeSystem"
FACILITY_CODE_SYSTEM = f"{HIMS_SID}/facility-code"
ROOM_CODE_SYSTEM = f"{HIMS_SID}/room-code"  # value: <facility code>/<room number>
REGISTRATION_SYSTEM = f"{HIMS_SID}/registration"  # + /<council code>
FACILITY_TYPE_SYSTEM = f"{HIMS_CODE_SYSTEM}/facility-type"
ROOM_KIND_SYSTEM = f"{HIMS_CODE_SYSTEM}/room-kind"
SPECIALITY_SYSTEM = f"{HIMS_CODE_SYSTEM}/speciality"
HIMS_ROLE_SYSTEM = f"{HIMS_CODE_SYSTEM}/practitioner-role"
HL7_ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/practitioner-role"
HL7_ROLE_CODES = frozenset({"doctor", "nurse", "pharmacist"})
PHYSICAL_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/location-physical-type"
GENDER_SYSTEM = "http://hl7.org/fhir/administrative-gender"
LANGUAGE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/language"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAME_PREFIXES = frozenset({"dr", "dr.", "prof", "prof.", "mr", "mr.", "ms", "ms.", "mrs", "mrs."})


def role_system(role: str) -> str:
    """HL7's practitioner-role code system where it has the code, ours otherwise."""
    return HL7_ROLE_SYSTEM if role in HL7_ROLE_CODES else HIMS_ROLE_SYSTEM


def registration_system(council: str) -> str:
    return f"{REGISTRATION_SYSTEM}/{council or 'unknown'}"


def _label(choice_class: type[models.TextChoices], value: str) -> str | Promise:
    """The lazy label of a stored code (the code itself if it is not a known choice)."""
    try:
        return choice_class(value).label
    except ValueError:
        return value


def _english(label: str | Promise) -> str:
    with translation.override("en"):
        return str(label)


def _concept(system: str, code: str, label: str | Promise) -> dict[str, Any]:
    return {
        "coding": [{"system": system, "code": code, "display": _english(label)}],
        "text": str(label),
    }


def _reference(resource_type: str, resource_id: object, display: str) -> dict[str, Any]:
    return {"reference": f"{resource_type}/{resource_id}", "display": display}


def _meta(row: Facility | Practitioner) -> dict[str, Any]:
    return {"lastUpdated": row.updated_at.isoformat()} if row.updated_at else {}


def _facility_identifiers(facility: Facility) -> list[dict[str, Any]]:
    identifiers = []
    if facility.hfr_id:
        identifiers.append({"use": "official", "system": HFR_SYSTEM, "value": facility.hfr_id})
    identifiers.append({"use": "usual", "system": FACILITY_CODE_SYSTEM, "value": facility.code})
    return identifiers


def _facility_address(facility: Facility) -> dict[str, Any]:
    lines = [part for part in (facility.address_line, facility.locality) if part]
    address: dict[str, Any] = {"use": "work", "type": "physical"}
    if lines:
        address["line"] = lines
    address.update(
        {
            "city": "Delhi",
            "district": _english(_label(choices.District, facility.district)),
            "state": "Delhi",
            "postalCode": facility.pincode,
            "country": "IN",
        }
    )
    return address


def _facility_telecom(facility: Facility) -> list[dict[str, Any]]:
    return [{"system": "phone", "value": facility.phone, "use": "work"}] if facility.phone else []


def _without_empty(resource: dict[str, Any]) -> dict[str, Any]:
    """FHIR forbids empty arrays and objects; drop them (and None) at the top level."""
    return {key: value for key, value in resource.items() if value not in (None, [], {}, "")}


def organization_from_facility(facility: Facility) -> dict[str, Any]:
    return _without_empty(
        {
            "resourceType": "Organization",
            "id": str(facility.pk),
            "meta": _meta(facility),
            "identifier": _facility_identifiers(facility),
            "active": facility.is_active,
            "type": [
                _concept(
                    FACILITY_TYPE_SYSTEM,
                    facility.facility_type,
                    _label(choices.FacilityType, facility.facility_type),
                )
            ],
            "name": facility.name,
            "alias": [facility.name_hi] if facility.name_hi else [],
            "telecom": _facility_telecom(facility),
            "address": [_facility_address(facility)],
        }
    )


def _hours_of_operation(facility: Facility) -> list[dict[str, Any]]:
    # `facility.hours` is prefetched by the registry; .all() keeps it to that one query.
    return [
        {
            "daysOfWeek": [WEEKDAYS[hours.weekday]],
            "openingTime": hours.opens.strftime("%H:%M:%S"),
            "closingTime": hours.closes.strftime("%H:%M:%S"),
        }
        for hours in facility.hours.all()
    ]


def _physical_type(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": PHYSICAL_TYPE_SYSTEM, "code": code, "display": display}]}


def location_from_facility(facility: Facility) -> dict[str, Any]:
    """The facility's site, id `f-<pk>`, managed by its Organization."""
    position = None
    if facility.latitude is not None and facility.longitude is not None:
        position = {"latitude": float(facility.latitude), "longitude": float(facility.longitude)}
    return _without_empty(
        {
            "resourceType": "Location",
            "id": f"f-{facility.pk}",
            "meta": _meta(facility),
            "identifier": _facility_identifiers(facility),
            "status": "active" if facility.is_active else "inactive",
            "name": facility.name,
            "alias": [facility.name_hi] if facility.name_hi else [],
            "mode": "instance",
            "telecom": _facility_telecom(facility),
            "address": _facility_address(facility),
            "physicalType": _physical_type("si", "Site"),
            "position": position,
            "managingOrganization": _reference("Organization", facility.pk, facility.name),
            "hoursOfOperation": _hours_of_operation(facility),
        }
    )


def location_from_room(room: Room) -> dict[str, Any]:
    """A room or counter, id `r-<pk>`, part of its facility's site (select_related facility)."""
    facility = room.facility
    active = room.is_active and facility.is_active
    return _without_empty(
        {
            "resourceType": "Location",
            "id": f"r-{room.pk}",
            "identifier": [{"system": ROOM_CODE_SYSTEM, "value": f"{facility.code}/{room.code}"}],
            "status": "active" if active else "inactive",
            "name": room.name,
            "alias": [room.name_hi] if room.name_hi else [],
            "description": room.floor and f"{room.code}, {room.floor}",
            "mode": "instance",
            "type": [_concept(ROOM_KIND_SYSTEM, room.kind, _label(choices.RoomKind, room.kind))],
            "address": _facility_address(facility),
            "physicalType": _physical_type("ro", "Room"),
            "managingOrganization": _reference("Organization", facility.pk, facility.name),
            "partOf": _reference("Location", f"f-{facility.pk}", facility.name),
        }
    )


def human_name(text: str) -> dict[str, Any]:
    """Best effort: a leading title becomes the prefix, the last word the family name."""
    name: dict[str, Any] = {"use": "official", "text": text}
    words = text.split()
    if words and words[0].lower() in NAME_PREFIXES:
        name["prefix"] = [words.pop(0)]
    if len(words) >= 2:
        name["family"] = words[-1]
        name["given"] = words[:-1]
    elif words:
        name["given"] = words
    return name


def _qualifications(practitioner: Practitioner) -> list[dict[str, Any]]:
    if not (practitioner.qualification or practitioner.registration_number):
        return []
    council = (
        _english(_label(choices.PractitionerCouncil, practitioner.registration_council))
        if practitioner.registration_council
        else ""
    )
    qualification: dict[str, Any] = {
        "code": {"text": practitioner.qualification or council},
    }
    if practitioner.registration_number:
        qualification["identifier"] = [
            {
                "system": registration_system(practitioner.registration_council),
                "value": practitioner.registration_number,
            }
        ]
    if council:
        qualification["issuer"] = {"display": council}
    return [qualification]


def practitioner_from_model(practitioner: Practitioner) -> dict[str, Any]:
    names = [human_name(practitioner.name)]
    if practitioner.name_hi:
        names.append(
            {
                "extension": [{"url": LANGUAGE_EXTENSION, "valueCode": "hi"}],
                "use": "usual",
                "text": practitioner.name_hi,
            }
        )
    return _without_empty(
        {
            "resourceType": "Practitioner",
            "id": str(practitioner.pk),
            "meta": _meta(practitioner),
            "identifier": (
                [{"use": "official", "system": HPR_SYSTEM, "value": practitioner.hpr_id}]
                if practitioner.hpr_id
                else []
            ),
            "active": practitioner.is_active,
            "name": names,
            "gender": practitioner.gender,
            "qualification": _qualifications(practitioner),
        }
    )


def _speciality(role: PractitionerRole) -> Speciality | None:
    if role.department_id and role.department:
        return role.department.speciality
    return role.practitioner.speciality


def practitioner_role_from_model(role: PractitionerRole) -> dict[str, Any]:
    """Needs practitioner__speciality, facility and department__speciality loaded."""
    speciality = _speciality(role)
    period = {
        key: day.isoformat()
        for key, day in (("start", role.starts_on), ("end", role.ends_on))
        if day is not None
    }
    return _without_empty(
        {
            "resourceType": "PractitionerRole",
            "id": str(role.pk),
            "active": role.is_active,
            "period": period,
            "practitioner": _reference(
                "Practitioner", role.practitioner_id, role.practitioner.name
            ),
            "organization": _reference("Organization", role.facility_id, role.facility.name),
            "code": [
                {
                    "coding": [
                        {
                            "system": role_system(role.role),
                            "code": role.role,
                            "display": _english(_label(choices.PractitionerRoleCode, role.role)),
                        }
                    ],
                    "text": str(_label(choices.PractitionerRoleCode, role.role)),
                }
            ],
            "specialty": (
                [
                    {
                        "coding": [
                            {
                                "system": SPECIALITY_SYSTEM,
                                "code": speciality.code,
                                "display": speciality.name,
                            }
                        ],
                        "text": speciality.display_name,
                    }
                ]
                if speciality
                else []
            ),
            "location": [_reference("Location", f"f-{role.facility_id}", role.facility.name)],
        }
    )
