"""Domain errors: raised by services, mapped once to HTML, JSON problem or FHIR OperationOutcome."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refusal the user can act on. `message` is translated lazily at render time."""

    status = 400
    code = "invalid"
    # FHIR OperationOutcome.issue.code for this error (http://hl7.org/fhir/issue-type).
    fhir_code = "invalid"
    default_message: str | Promise = _("The request could not be processed.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        field: str | None = None,
        code: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.field = field
        self.params = params or {}
        if code:
            self.code = code
        super().__init__(str(self.message))

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


class ValidationFailed(DomainError):
    """Bad input. `errors` may carry every field's messages ({"mobile": ["..."]})."""

    status = 422
    code = "validation"
    fhir_code = "invalid"
    default_message = _("Some of the information given is not valid.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        field: str | None = None,
        errors: dict[str, list[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        self.errors = errors or {}
        if message is None and self.errors:
            field, messages = next(iter(self.errors.items()))
            message = messages[0]
        super().__init__(message, field=field, **kwargs)


class NotFound(DomainError):
    status = 404
    code = "not_found"
    fhir_code = "not-found"
    default_message = _("Not found.")


class AccessDenied(DomainError):
    status = 403
    code = "forbidden"
    fhir_code = "forbidden"
    default_message = _("You do not have access to this.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    fhir_code = "conflict"
    default_message = _("This conflicts with the current state; reload and try again.")


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    fhir_code = "throttled"
    default_message = _("Too many attempts. Please wait a little and try again.")


class Busy(DomainError):
    status = 503
    code = "busy"
    fhir_code = "transient"
    default_message = _("The system is busy. Please try again in a moment.")
