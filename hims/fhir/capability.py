"""The CapabilityStatement, generated from the same registry the endpoints serve."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from hims.fhir.clinical.capability import clinical_capabilities
from hims.fhir.patient.capability import patient_capability
from hims.fhir.registry import REGISTRY
from hims.fhir.scheduling.capability import appointment_capability
from hims.fhir.search import DEFAULT_COUNT, MAX_COUNT, OFFSET_PARAM, ResourceType

FHIR_VERSION = "4.0.1"


def _software_version() -> str:
    try:
        return version("hims")
    except PackageNotFoundError:
        return "0.0.0"


def _resource(resource: ResourceType) -> dict[str, Any]:
    search_params = []
    for param in resource.all_params:
        entry: dict[str, Any] = {"name": param.name, "type": param.type}
        if param.definition:
            entry["definition"] = param.definition
        entry["documentation"] = str(param.documentation)
        search_params.append(entry)
    return {
        "type": resource.name,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{resource.name}",
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
        "searchParam": search_params,
    }


def capability_statement() -> dict[str, Any]:
    base_url = settings.HIMS_PUBLIC_URL.rstrip("/") + "/fhir/R4"
    return {
        "resourceType": "CapabilityStatement",
        "id": "hims",
        "url": f"{base_url}/metadata",
        "name": "HIMS",
        "title": _("HIMS FHIR R4 server"),
        "status": "active",
        "experimental": False,
        "date": timezone.localdate().isoformat(),
        "publisher": "HIMS",
        "description": _(
            "Directory of the Delhi public health network: facilities, their rooms, "
            "practitioners and their roles."
        ),
        "kind": "instance",
        "software": {"name": "HIMS", "version": _software_version()},
        "implementation": {"description": _("HIMS FHIR R4 facade"), "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": _(
                    "Searches are paged with _count (default %(default)s, at most %(maximum)s; "
                    "0 returns only the total) and %(offset)s; _format (JSON only) and "
                    "_summary are accepted. Unknown parameters are refused (strict handling)."
                )
                % {"default": DEFAULT_COUNT, "maximum": MAX_COUNT, "offset": OFFSET_PARAM},
                "security": {
                    "cors": False,
                    "description": _(
                        "Send 'Authorization: Bearer <token>' (tokens from "
                        "'hims api-token create') or use a signed-in session. metadata is public."
                    ),
                },
                "resource": [
                    *(_resource(resource) for resource in REGISTRY.values()),
                    patient_capability(),
                    appointment_capability(),
                    *clinical_capabilities(),
                ],
            }
        ],
    }
