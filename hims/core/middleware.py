from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from hims.core.errors import DomainError
from hims.core.responses import domain_error_response


class DomainErrorMiddleware:
    """Turns a DomainError escaping a view into the response shape the path expects."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError):
            return domain_error_response(request, exception)
        return None
