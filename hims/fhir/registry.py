"""What the facade serves: each resource type, its tables and its search parameters.

The directory (Organization, Location, Practitioner, PractitionerRole) is declared here;
Schedule and Slot in hims.fhir.scheduling.search. Patient and Appointment, personal data,
have their own endpoints and CapabilityStatement entries.

The views and the CapabilityStatement both read `REGISTRY`, so what `metadata` lists is
exactly what works. `ResourceType` refuses to build if a source lacks a declared parameter.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hims.fhir import resources
from hims.fhir.scheduling.search import SCHEDULE, SLOT
from hims.fhir.search import (
    NOTHING,
    Filter,
    ResourceType,
    SearchParam,
    SearchValue,
    Source,
    TokenValue,
    boolean_filter,
    nothing,
    reference_filter,
    string_filter,
    token_filter,
)
from hims.lib.identifiers import HFR_SYSTEM, HPR_SYSTEM, digits_only
from hims.network.models import Facility, Practitioner, PractitionerRole, Room

SP = "http://hl7.org/fhir/SearchParameter"

# --- shared parameter declarations -------------------------------------------------------


def _name(resource_type: str) -> SearchParam:
    return SearchParam(
        "name",
        "string",
        _(
            "Name in English or Hindi: case-insensitive match at the start of the name or of "
            "any word in it (name:contains matches anywhere, name:exact the whole name)."
        ),
        definition=f"{SP}/{resource_type}-name",
    )


def _active(resource_type: str) -> SearchParam:
    return SearchParam(
        "active",
        "token",
        _(
            "true or false. Without this parameter a search returns active resources only; "
            "inactive ones stay readable by id."
        ),
        definition=f"{SP}/{resource_type}-active",
    )


def _postal_code(resource_type: str) -> SearchParam:
    return SearchParam(
        "address-postalcode",
        "string",
        _("PIN code, or its first digits."),
        definition=f"{SP}/{resource_type}-address-postalcode",
    )


def _reference(
    name: str, resource_type: str, target: str, documentation: str | Promise
) -> SearchParam:
    return SearchParam(
        name,
        "reference",
        documentation,
        definition=f"{SP}/{resource_type}-{name}",
        target=target,
    )


def _facility_identifier(resource_type: str) -> SearchParam:
    return SearchParam(
        "identifier",
        "token",
        _(
            "HFR ID (system https://facility.ndhm.gov.in) or HIMS facility code (system "
            "https://hims.delhi.gov.in/fhir/sid/facility-code), as system|value or value."
        ),
        definition=f"{SP}/{resource_type}-identifier",
    )


FACILITY_IDENTIFIER = token_filter(
    {HFR_SYSTEM: "hfr_id", resources.FACILITY_CODE_SYSTEM: "code"},
    normalize={HFR_SYSTEM: str.upper},
)

# --- custom filters ------------------------------------------------------------------------


def _room_identifier(value: SearchValue) -> Q:
    assert isinstance(value, TokenValue)
    if value.system not in (None, resources.ROOM_CODE_SYSTEM):
        return NOTHING
    facility_code, slash, room_code = value.code.partition("/")
    return Q(facility__code=facility_code, code=room_code) if slash else NOTHING


def _specialty(value: SearchValue) -> Q:
    assert isinstance(value, TokenValue)
    if value.system not in (None, resources.SPECIALITY_SYSTEM):
        return NOTHING
    return Q(department__speciality__code=value.code) | Q(
        department__isnull=True, practitioner__speciality__code=value.code
    )


def _role(value: SearchValue) -> Q:
    assert isinstance(value, TokenValue)
    if value.system is not None and value.system != resources.role_system(value.code):
        return NOTHING
    return Q(role=value.code)


# --- the registry ------------------------------------------------------------------------

ORGANIZATION = ResourceType(
    name="Organization",
    params=(
        _name("Organization"),
        _facility_identifier("Organization"),
        _postal_code("Organization"),
        SearchParam(
            "type",
            "token",
            _(
                "Facility type code (system https://hims.delhi.gov.in/fhir/CodeSystem/"
                "facility-type), for example hospital, dispensary or arogya_mandir."
            ),
            definition=f"{SP}/Organization-type",
        ),
        _active("Organization"),
    ),
    sources=(
        Source(
            model=Facility,
            to_resource=resources.organization_from_facility,
            filters={
                "name": string_filter("name", "name_hi"),
                "identifier": FACILITY_IDENTIFIER,
                "address-postalcode": string_filter("pincode"),
                "type": token_filter({resources.FACILITY_TYPE_SYSTEM: "facility_type"}),
                "active": boolean_filter("is_active"),
            },
            search_default=Q(is_active=True),
        ),
    ),
)

LOCATION = ResourceType(
    name="Location",
    params=(
        _name("Location"),
        SearchParam(
            "identifier",
            "token",
            _(
                "A facility's HFR ID or facility code, or a room as <facility code>/<room "
                "number> (system https://hims.delhi.gov.in/fhir/sid/room-code)."
            ),
            definition=f"{SP}/Location-identifier",
        ),
        _postal_code("Location"),
        _reference(
            "organization",
            "Location",
            "Organization",
            _("The managing organization, as Organization/[id] or [id]."),
        ),
        SearchParam(
            "partof",
            "reference",
            _("Location/f-[id]: the rooms and counters of that facility."),
            definition=f"{SP}/Location-partof",
            target="Location",
        ),
    ),
    sources=(
        Source(  # facility sites first, then rooms, each by pk
            model=Facility,
            id_prefix="f-",
            to_resource=resources.location_from_facility,
            prefetch_related=("hours",),
            filters={
                "name": string_filter("name", "name_hi"),
                "identifier": FACILITY_IDENTIFIER,
                "address-postalcode": string_filter("pincode"),
                "organization": reference_filter("pk"),
                "partof": nothing,
            },
            search_base=Q(is_active=True),
        ),
        Source(
            model=Room,
            id_prefix="r-",
            to_resource=resources.location_from_room,
            select_related=("facility",),
            filters={
                "name": string_filter("name", "name_hi"),
                "identifier": _room_identifier,
                "address-postalcode": string_filter("facility__pincode"),
                "organization": reference_filter("facility_id"),
                "partof": reference_filter("facility_id", prefix="f-"),
            },
            search_base=Q(is_active=True, facility__is_active=True),
        ),
    ),
)

PRACTITIONER = ResourceType(
    name="Practitioner",
    params=(
        _name("Practitioner"),
        SearchParam(
            "identifier",
            "token",
            _(
                "HPR ID (system https://doctor.ndhm.gov.in), 14 digits with or without "
                "hyphens, as system|value or value."
            ),
            definition=f"{SP}/Practitioner-identifier",
        ),
        SearchParam(
            "gender",
            "token",
            _("male, female or other."),
            definition=f"{SP}/individual-gender",
        ),
        _active("Practitioner"),
    ),
    sources=(
        Source(
            model=Practitioner,
            to_resource=resources.practitioner_from_model,
            filters={
                "name": string_filter("name", "name_hi"),
                "identifier": token_filter(
                    {HPR_SYSTEM: "hpr_id"}, normalize={HPR_SYSTEM: digits_only}
                ),
                "gender": token_filter({resources.GENDER_SYSTEM: "gender"}),
                "active": boolean_filter("is_active"),
            },
            search_default=Q(is_active=True),
        ),
    ),
)

_ROLE_FILTERS: dict[str, Filter] = {
    "practitioner": reference_filter("practitioner_id"),
    "organization": reference_filter("facility_id"),
    "specialty": _specialty,
    "role": _role,
    "active": boolean_filter("is_active"),
}

PRACTITIONER_ROLE = ResourceType(
    name="PractitionerRole",
    params=(
        _reference(
            "practitioner",
            "PractitionerRole",
            "Practitioner",
            _("The practitioner, as Practitioner/[id] or [id]."),
        ),
        _reference(
            "organization",
            "PractitionerRole",
            "Organization",
            _("The facility, as Organization/[id] or [id]."),
        ),
        SearchParam(
            "specialty",
            "token",
            _(
                "Speciality code (system https://hims.delhi.gov.in/fhir/CodeSystem/speciality): "
                "the department's, or the practitioner's when the role has no department."
            ),
            definition=f"{SP}/PractitionerRole-specialty",
        ),
        SearchParam(
            "role",
            "token",
            _(
                "Role code: doctor, nurse, pharmacist (system http://terminology.hl7.org/"
                "CodeSystem/practitioner-role), labtech or anm (system "
                "https://hims.delhi.gov.in/fhir/CodeSystem/practitioner-role)."
            ),
            definition=f"{SP}/PractitionerRole-role",
        ),
        _active("PractitionerRole"),
    ),
    sources=(
        Source(
            model=PractitionerRole,
            to_resource=resources.practitioner_role_from_model,
            select_related=("practitioner__speciality", "facility", "department__speciality"),
            filters=_ROLE_FILTERS,
            # Roles of inactive practitioners or facilities are never listed.
            search_base=Q(practitioner__is_active=True, facility__is_active=True),
            search_default=Q(is_active=True),
        ),
    ),
)

REGISTRY: dict[str, ResourceType] = {
    resource.name: resource
    for resource in (ORGANIZATION, LOCATION, PRACTITIONER, PRACTITIONER_ROLE, SCHEDULE, SLOT)
}


def resource_type_get(name: str) -> ResourceType | None:
    return REGISTRY.get(name)
