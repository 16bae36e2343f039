"""One mapping from DomainError to the three response shapes: HTML, JSON problem, FHIR."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from hims.core.errors import DomainError
from hims.lib.htmx import template_for

FHIR_JSON = "application/fhir+json"


def operation_outcome(
    *, code: str, diagnostics: str, severity: str = "error", expression: str | None = None
) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def fhir_response(
    body: dict[str, Any], *, status: int = 200, headers: dict[str, str] | None = None
) -> JsonResponse:
    response = JsonResponse(
        body, status=status, content_type=FHIR_JSON, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def fhir_error(
    *, status: int, code: str, diagnostics: str, expression: str | None = None
) -> JsonResponse:
    return fhir_response(
        operation_outcome(code=code, diagnostics=diagnostics, expression=expression), status=status
    )


def problem_response(
    *,
    status: int,
    code: str,
    detail: str,
    field: str | None = None,
    errors: dict[str, list[str]] | None = None,
) -> JsonResponse:
    """An RFC 9457 problem document."""
    body: dict[str, Any] = {
        "type": f"urn:hims:error:{code}",
        "title": code,
        "status": status,
        "detail": detail,
    }
    if field:
        body["field"] = field
    if errors:
        body["errors"] = errors
    return JsonResponse(
        body,
        status=status,
        content_type="application/problem+json",
        json_dumps_params={"ensure_ascii": False},
    )


def response_kind(request: HttpRequest) -> str:
    path = request.path_info
    if path.startswith("/fhir/"):
        return "fhir"
    if path.startswith("/api/") or path.startswith("/abdm/"):
        return "json"
    return "html"


def domain_error_response(request: HttpRequest, error: DomainError) -> HttpResponse:
    kind = response_kind(request)
    text = str(error)
    errors = {
        field: [str(m) for m in messages]
        for field, messages in getattr(error, "errors", {}).items()
    }
    if kind == "fhir":
        if errors:
            issues = [
                {
                    "severity": "error",
                    "code": error.fhir_code,
                    "diagnostics": message,
                    "expression": [field],
                }
                for field, messages in errors.items()
                for message in messages
            ]
            return fhir_response(
                {"resourceType": "OperationOutcome", "issue": issues}, status=error.status
            )
        return fhir_error(
            status=error.status, code=error.fhir_code, diagnostics=text, expression=error.field
        )
    if kind == "json":
        return problem_response(
            status=error.status,
            code=error.code,
            detail=text,
            field=error.field,
            errors=errors or None,
        )
    template = template_for(request, page="core/error.html", partial="core/partials/_error.html")
    return render(request, template, {"message": text, "status": error.status}, status=error.status)
