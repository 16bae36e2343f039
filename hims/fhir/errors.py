"""The one error the facade raises: an HTTP status plus an OperationOutcome issue."""

from __future__ import annotations

from django.http import JsonResponse

from hims.core.responses import fhir_error


class FhirError(Exception):
    """Rendered as an OperationOutcome; `code` is from http://hl7.org/fhir/issue-type."""

    def __init__(
        self,
        diagnostics: str,
        *,
        status: int = 400,
        code: str = "invalid",
        expression: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(diagnostics)
        self.diagnostics = diagnostics
        self.status = status
        self.code = code
        self.expression = expression
        self.headers = headers or {}

    def response(self) -> JsonResponse:
        response = fhir_error(
            status=self.status,
            code=self.code,
            diagnostics=self.diagnostics,
            expression=self.expression,
        )
        for name, value in self.headers.items():
            response[name] = value
        return response
