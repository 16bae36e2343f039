from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from hims.core.responses import fhir_response


def metadata(request: HttpRequest) -> HttpResponse:
    return fhir_response(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "kind": "instance",
            "fhirVersion": "4.0.1",
            "format": ["application/fhir+json"],
            "date": "2026-12-02",
        }
    )
