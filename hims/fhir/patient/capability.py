"""The Patient entry of the CapabilityStatement, from the same declarations the search reads."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from hims.fhir.clinical.capability import everything_operation
from hims.fhir.patient.search import BIRTHDATE, PATIENT_SEARCH, DateParam
from hims.fhir.patient.views import CONFIRM_HEADER, MATCH_COUNT, MATCH_COUNT_MAX
from hims.fhir.search import ID_PARAM, SearchParam

INTERACTIONS = ("read", "search-type", "create", "update")


def patient_capability() -> dict[str, Any]:
    params: list[SearchParam | DateParam] = [*PATIENT_SEARCH.params, BIRTHDATE, ID_PARAM]
    search_params = []
    for param in params:
        entry: dict[str, Any] = {"name": param.name, "type": param.type}
        if param.definition:
            entry["definition"] = param.definition
        entry["documentation"] = str(param.documentation)
        search_params.append(entry)
    return {
        "type": "Patient",
        "profile": "http://hl7.org/fhir/StructureDefinition/Patient",
        "documentation": _(
            "The network's master patient index. Staff with a patient-work role, and patients "
            "for the records registered with their own mobile; every record shown is written "
            "to the access log. A staff search must include identifier, name, phone, _id or a "
            "birthdate without a range prefix. create and update need an API token (a "
            "signed-in session is refused) and a staff role. create answers 409 when the "
            "person may already be registered, listing the candidates; send the header "
            "%(header)s: true to register anyway. update replaces all demographics (an element "
            "left out is cleared). An approximate date of birth is given as its year."
        )
        % {"header": CONFIRM_HEADER},
        "interaction": [{"code": code} for code in INTERACTIONS],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
        "conditionalCreate": False,
        "conditionalUpdate": False,
        "searchParam": search_params,
        "operation": [
            {
                "name": "match",
                "definition": "http://hl7.org/fhir/OperationDefinition/Patient-match",
                "documentation": _(
                    "POST a Parameters resource with 'resource' (a Patient), optional 'count' "
                    "(default %(default)s, at most %(maximum)s) and 'onlyCertainMatches'. Entries "
                    "carry search.score and the match-grade extension: certain (same ABHA "
                    "number), probable or possible. Needs an API token and a staff role."
                )
                % {"default": MATCH_COUNT, "maximum": MATCH_COUNT_MAX},
            },
            everything_operation(),
        ],
    }
