"""The REST API at /api/v1/ (OpenAPI at /api/openapi.json, docs at /api/docs).

Errors are RFC 9457 problem documents: DomainError, validation and auth failures alike.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from hims.api.auth import api_auth
from hims.core.errors import DomainError
from hims.core.responses import domain_error_response, problem_response

api = NinjaAPI(
    title="HIMS API",
    version="1",
    description="Health Information Management System: REST API. FHIR R4 lives at /fhir/R4/.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=api_auth,
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return domain_error_response(request, error)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    first = error.errors[0] if error.errors else {}
    loc = list(first.get("loc", []))
    # ("body", "payload", "channel") names the field "channel"; ("query", "day") names "day".
    parts = loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:]
    location = ".".join(str(part) for part in parts) or None
    detail = _("Invalid value for %(field)s: %(reason)s") % {
        "field": location or _("the request"),
        "reason": first.get("msg", ""),
    }
    return problem_response(status=422, code="validation", detail=detail, field=location)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = problem_response(
        status=401,
        code="unauthenticated",
        detail=_("Sign in, or send a valid API token as 'Authorization: Bearer <token>'."),
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return problem_response(status=error.status_code, code="http_error", detail=str(error))


from hims.api import patients, routes, scheduling  # noqa: E402  (routers attach to `api`)

api.add_router("/v1/", routes.router)
api.add_router("/v1/", patients.router)
api.add_router("/v1/", scheduling.router)
