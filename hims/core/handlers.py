"""handler400/403/404/500: the same three shapes as DomainError, so no path answers a bare page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from hims.core.errors import AccessDenied, DomainError, NotFound
from hims.core.responses import domain_error_response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return domain_error_response(request, DomainError(_("The request could not be understood.")))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return domain_error_response(request, AccessDenied())


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return domain_error_response(request, NotFound(_("This page does not exist.")))


def server_error(request: HttpRequest) -> HttpResponse:
    error = DomainError(
        _("Something went wrong on our side. It has been recorded; please try again.")
    )
    error.status = 500
    error.code = "server_error"
    error.fhir_code = "exception"
    return domain_error_response(request, error)
