"""Assertions shared by the FHIR tests: each checks status, content type and R4B validity."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

FHIR_JSON = "application/fhir+json"


def bundle_of(response: Any) -> dict[str, Any]:
    """The searchset body, after checking status, content type and R4B validity."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body: dict[str, Any] = response.json()
    Bundle.model_validate(body)  # validates every entry's resource too
    assert body["type"] == "searchset"
    return body


def ids_of(body: dict[str, Any]) -> list[str]:
    return [entry["resource"]["id"] for entry in body.get("entry", [])]


def outcome_of(response: Any, status: int) -> dict[str, Any]:
    """The OperationOutcome body, after checking status, content type and R4B validity."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body: dict[str, Any] = response.json()
    OperationOutcome.model_validate(body)
    assert body["issue"][0]["severity"] == "error"
    return body
