"""Request bodies of the FHIR writes: JSON only, and a valid R4 resource of the right type."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext as _
from pydantic import ValidationError as SchemaError

from hims.fhir.errors import FhirError
from hims.fhir.patient.outcome import FhirIssues, Issue

BODY_TYPES = frozenset({"application/fhir+json", "application/json", "application/json+fhir"})
MAX_ISSUES = 20


def json_body(request: HttpRequest) -> dict[str, Any]:
    if (request.content_type or "").strip().lower() not in BODY_TYPES:
        raise FhirError(
            _("Send the resource as JSON with Content-Type: application/fhir+json."),
            status=415,
            code="not-supported",
        )
    try:
        raw = request.body
    except RequestDataTooBig:
        raise FhirError(
            _("The request body is too large."), status=413, code="too-costly"
        ) from None
    try:
        body = json.loads(raw)
    except ValueError:
        raise FhirError(_("The request body is not valid JSON."), code="structure") from None
    if not isinstance(body, dict):
        raise FhirError(_("The request body must be a FHIR resource."), code="structure")
    return body


def _fhirpath(root: str, location: tuple[int | str, ...]) -> str:
    return root + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location)


def resource_validated(body: dict[str, Any], model: Any, resource_type: str) -> dict[str, Any]:
    """Refuse (400) a body that is not a valid R4 `resource_type`, issue by issue."""
    if body.get("resourceType") != resource_type:
        raise FhirError(
            _("The request body must be a %(type)s resource.") % {"type": resource_type},
            expression="resourceType",
        )
    try:
        model.model_validate(body)
    except SchemaError as error:
        issues = [
            Issue("structure", str(detail["msg"]), _fhirpath(resource_type, detail["loc"]))
            for detail in error.errors()[:MAX_ISSUES]
        ]
        raise FhirIssues(issues, status=400) from None
    return body
