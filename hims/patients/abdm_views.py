"""The ABDM HIP endpoints this network exposes (called by the national gateway)."""

from __future__ import annotations

import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hims.core.errors import AccessDenied, ValidationFailed
from hims.patients.scan_share import scan_share_receive

logger = logging.getLogger(__name__)


def _gateway_authenticated(request: HttpRequest) -> bool:
    expected = settings.HIMS_ABDM_GATEWAY_TOKEN
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    return (
        bool(expected)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(token.strip(), expected)
    )


@csrf_exempt
@require_POST
def profile_share(request: HttpRequest) -> HttpResponse:
    """POST /abdm/v3/hip/patient/profile/share: Scan and Share intake; answers with the token."""
    if not _gateway_authenticated(request):
        raise AccessDenied(_("Only the ABDM gateway may call this endpoint."))
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationFailed(_("The body is not valid JSON.")) from error
    if not isinstance(payload, dict):
        raise ValidationFailed(_("The body must be a JSON object."))
    answer = scan_share_receive(
        payload=payload,
        request_id=request.headers.get("REQUEST-ID", "").strip()[:64],
        hip_id_header=request.headers.get("X-HIP-ID", ""),
    )
    logger.info("scan-share token=%s", answer["acknowledgement"]["profile"]["tokenNumber"])
    return JsonResponse(answer, status=200)
