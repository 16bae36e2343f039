from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse

from hims.core.errors import Busy, DomainError
from hims.core.responses import domain_error_response

logger = logging.getLogger(__name__)


class DomainErrorMiddleware:
    """Turns a DomainError escaping a view into the response shape the path expects."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError):
            return domain_error_response(request, exception)
        if isinstance(exception, OperationalError):
            # The database is overloaded or a lock wait timed out: nothing was committed (the
            # transaction rolled back), so the honest answer is "busy, try again".
            logger.warning("database busy on %s: %s", request.path, type(exception).__name__)
            response = domain_error_response(request, Busy())
            response["Retry-After"] = "2"
            return response
        return None
