"""HTTP rules shared by every FHIR endpoint: methods, formats, authentication, errors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from hims.accounts.services import api_token_authenticate
from hims.fhir.errors import FhirError

ALLOWED_METHODS = ("GET", "HEAD")
# `_format` values meaning JSON. A literal `+` in a query string decodes to a space.
JSON_FORMATS = frozenset(
    {"json", "application/json", "application/fhir+json", "application/json+fhir"}
)
JSON_MEDIA_RANGES = (JSON_FORMATS - {"json"}) | {"*/*", "application/*"}
REALM = 'Bearer realm="HIMS FHIR"'

View = Callable[..., HttpResponse]


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower().replace(" ", "+")


def format_check(request: HttpRequest) -> None:
    """JSON only: refuse another `_format` (or an Accept header without JSON) with 406."""
    formats = request.GET.getlist("_format")
    accept = request.headers.get("Accept", "").strip()
    if formats:
        refused = any(_media_type(value) not in JSON_FORMATS for value in formats)
    else:
        refused = bool(accept) and not any(
            _media_type(part) in JSON_MEDIA_RANGES for part in accept.split(",")
        )
    if refused:
        raise FhirError(
            _("This server answers in FHIR JSON only (application/fhir+json)."),
            status=406,
            code="not-supported",
        )


def user_require(request: HttpRequest) -> None:
    """An API token (`Authorization: Bearer ...`) or a signed-in session; 401 otherwise.

    A request that sends an Authorization header is judged by it alone.
    """
    header = request.headers.get("Authorization", "").strip()
    if header:
        scheme, _space, secret = header.partition(" ")
        user = api_token_authenticate(secret=secret.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise FhirError(
                _("The API token is not valid: it may be mistyped, expired or revoked."),
                status=401,
                code="login",
                headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
            )
        request.user = user
        return
    if not request.user.is_authenticated:
        raise FhirError(
            _("Sign in, or send an API token as 'Authorization: Bearer <token>'."),
            status=401,
            code="login",
            headers={"WWW-Authenticate": REALM},
        )


def token_require(request: HttpRequest) -> None:
    """Writes (POST, PUT) need an API token: a signed-in session alone is refused with 401.

    The write endpoints are CSRF-exempt (API clients have no CSRF cookie); requiring the
    Authorization header, which a cross-site page cannot make a browser send, is what keeps a
    signed-in staff member's browser from being used to write.
    """
    if not request.headers.get("Authorization", "").strip():
        raise FhirError(
            _(
                "Changes through the FHIR API need an API token: send 'Authorization: Bearer "
                "<token>' (a signed-in session is not enough)."
            ),
            status=401,
            code="login",
            headers={"WWW-Authenticate": REALM},
        )
    user_require(request)


def _method_refused(method: str, methods: tuple[str, ...]) -> FhirError:
    if methods == ALLOWED_METHODS:
        message = _("The method %(method)s is not allowed here; use GET.") % {"method": method}
    else:
        message = _("The method %(method)s is not allowed here; use %(allowed)s.") % {
            "method": method,
            "allowed": ", ".join(m for m in methods if m != "HEAD"),
        }
    return FhirError(
        message, status=405, code="not-supported", headers={"Allow": ", ".join(methods)}
    )


def _endpoint(view: View, methods: tuple[str, ...]) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if request.method not in methods:
                raise _method_refused(request.method or "", methods)
            format_check(request)
            return view(request, *args, **kwargs)
        except FhirError as error:
            return error.response()

    return csrf_exempt(wrapper)


def fhir_endpoint(view: View) -> View:
    """GET/HEAD only, JSON only, and every FhirError answered as an OperationOutcome.

    CSRF-exempt because nothing here writes: a POST must get 405, not a CSRF page.
    """
    return _endpoint(view, ALLOWED_METHODS)


def fhir_endpoint_allowing(*methods: str) -> Callable[[View], View]:
    """`fhir_endpoint` for an endpoint that also takes `methods` (POST, PUT). CSRF-exempt
    like the others; the view must call `token_require` before any write."""

    def decorator(view: View) -> View:
        return _endpoint(view, methods)

    return decorator
