"""Assertions shared by the FHIR tests: each checks status, content type and R4B validity."""

from __future__ import annotations

from typing import Any

from django.test import Client
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from hims.core.choices import AccessOutcome
from hims.core.models import AccessEvent

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


# --- clinical resources: answers and the access log ---------------------------------------


def signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def resource_of(response: Any, status: int = 200) -> dict[str, Any]:
    """The validated resource of a FHIR answer with this status."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body: dict[str, Any] = response.json()
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    return body


def reads() -> Any:
    return AccessEvent.objects.filter(action="read", outcome=AccessOutcome.ALLOWED)


def denials() -> Any:
    return AccessEvent.objects.filter(outcome=AccessOutcome.DENIED)


def logged(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(type, id) of a bundle's resources, to compare with the access log."""
    return sorted((e["resource"]["resourceType"], e["resource"]["id"]) for e in body["entry"])


def log_of(events: Any) -> list[tuple[str, str]]:
    return sorted(events.values_list("resource_type", "resource_id"))
