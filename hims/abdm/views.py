"""The HIP endpoints the ABDM gateway calls: parse, authenticate, one service call, JSON.

Authenticated by the gateway's bearer token (HIMS_ABDM_GATEWAY_TOKEN; a real deployment
verifies the gateway's signed JWT instead, see docs/abdm.md). Errors are JSON problems from
the DomainError mapping: 401 without the token, 400 for a body not in the ABDM shape, 409 when
the consent does not allow the request.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hims.abdm.services import (
    BadGatewayMessage,
    GatewayUnauthenticated,
    consent_notification_accept,
    health_information_request_handle,
)
from hims.core.responses import domain_error_response


def _authenticated(request: HttpRequest) -> bool:
    expected = settings.HIMS_ABDM_GATEWAY_TOKEN
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    return (
        bool(expected)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(token.strip().encode(), expected.encode())
    )


def _refused(request: HttpRequest) -> HttpResponse:
    response = domain_error_response(request, GatewayUnauthenticated())
    response["WWW-Authenticate"] = 'Bearer realm="abdm"'
    return response


def _payload(request: HttpRequest) -> dict[str, Any]:
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadGatewayMessage(_("The body is not valid JSON.")) from error
    if not isinstance(payload, dict):
        raise BadGatewayMessage(_("The body must be a JSON object."))
    return payload


@csrf_exempt
@require_POST
def consent_notify(request: HttpRequest) -> HttpResponse:
    """POST /abdm/hip/v0.5/consents/hip/notify"""
    if not _authenticated(request):
        return _refused(request)
    answer = consent_notification_accept(payload=_payload(request), request=request)
    return JsonResponse(answer, status=202)


@csrf_exempt
@require_POST
def health_information_request(request: HttpRequest) -> HttpResponse:
    """POST /abdm/hip/v0.5/health-information/hip/request"""
    if not _authenticated(request):
        return _refused(request)
    answer = health_information_request_handle(payload=_payload(request), request=request)
    return JsonResponse(answer, status=202)
