"""An OperationOutcome with several issues (one per invalid field, or per duplicate candidate)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import JsonResponse

from hims.core.responses import fhir_response
from hims.fhir.errors import FhirError


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome.issue; `code` is from http://hl7.org/fhir/issue-type."""

    code: str
    diagnostics: str
    expression: str | None = None
    severity: str = "error"
    details: str | None = None

    def as_fhir(self) -> dict[str, Any]:
        issue: dict[str, Any] = {"severity": self.severity, "code": self.code}
        if self.details:
            issue["details"] = {"text": self.details}
        issue["diagnostics"] = self.diagnostics
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


class FhirIssues(FhirError):
    """A FhirError listing several issues; the first one is an error and names the status."""

    def __init__(
        self, issues: list[Issue], *, status: int, headers: dict[str, str] | None = None
    ) -> None:
        first = issues[0]
        super().__init__(
            first.diagnostics,
            status=status,
            code=first.code,
            expression=first.expression,
            headers=headers,
        )
        self.issues = issues

    def response(self) -> JsonResponse:
        body = {"resourceType": "OperationOutcome", "issue": [i.as_fhir() for i in self.issues]}
        return fhir_response(body, status=self.status, headers=self.headers)
