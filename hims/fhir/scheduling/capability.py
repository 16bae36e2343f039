"""The Appointment entry of the CapabilityStatement, from the same declarations the search reads.

Schedule and Slot are registry resources: hims.fhir.capability lists them with the others.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from hims.fhir.scheduling.search import APPOINTMENT_SEARCH

INTERACTIONS = ("read", "search-type", "create", "update")


def appointment_capability() -> dict[str, Any]:
    search_params = []
    for param in APPOINTMENT_SEARCH.all_params:
        entry: dict[str, Any] = {"name": param.name, "type": param.type}
        if param.definition:
            entry["definition"] = param.definition
        entry["documentation"] = str(param.documentation)
        search_params.append(entry)
    return {
        "type": "Appointment",
        "profile": "http://hl7.org/fhir/StructureDefinition/Appointment",
        "documentation": _(
            "OPD bookings. Staff see and book at the facilities where their role includes "
            "patient work; patients for the records registered with their own mobile. Every "
            "appointment shown is written to the access log. create books an online place: "
            "status booked, one slot (Slot/[id], from a Slot search with status=free) and the "
            "patient as participant (Patient/[id], or the UHID as actor.identifier); other "
            "elements are taken from the slot. It answers 201 with Location, or 409 when the "
            "slot is full or the patient already has a booking in that department that day. "
            "Send an Idempotency-Key header so a retry never books twice. update only cancels: "
            "send the appointment as read with status cancelled (and optionally "
            "cancelationReason). create and update need an API token."
        ),
        "interaction": [{"code": code} for code in INTERACTIONS],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
        "conditionalCreate": False,
        "conditionalUpdate": False,
        "searchParam": search_params,
    }
