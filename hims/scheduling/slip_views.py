"""The OPD slip pages: the slip itself (HTML and PDF) and the page its QR code opens."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from hims.core.choices import AccessAction
from hims.core.errors import AccessDenied, DomainError
from hims.scheduling.choices import AppointmentStatus
from hims.scheduling.queues import appointment_check_in
from hims.scheduling.slip import (
    SLIP_CHECK_IN_ROLES,
    SLIP_SIZES,
    SLIP_VIEW_ROLES,
    SlipSignatureInvalid,
    slip_appointment_get,
    slip_data,
    slip_get_for_user,
    slip_is_own,
    slip_is_staff_of,
    slip_pdf,
    slip_pdf_filename,
    slip_size,
    slip_unsign,
    slip_url,
)


def _sign_in_first(request: HttpRequest) -> HttpResponse:
    return redirect_to_login(request.get_full_path(), login_url="accounts:patient-login")


@require_GET
def slip_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The slip on screen, for the patient's family login or staff of the facility."""
    if not request.user.is_authenticated:
        return _sign_in_first(request)
    appointment = slip_get_for_user(user=request.user, reference=reference, request=request)
    return render(
        request,
        "scheduling/slip/slip_detail.html",
        {"slip": slip_data(appointment=appointment), "sizes": list(SLIP_SIZES)},
    )


@require_GET
def slip_pdf_view(request: HttpRequest, reference: str) -> HttpResponse:
    """The slip as a PDF: ?size=a4 (default), a5 or thermal (80 mm roll); ?download=1 saves it."""
    if not request.user.is_authenticated:
        return _sign_in_first(request)
    appointment = slip_get_for_user(
        user=request.user, reference=reference, action=AccessAction.PRINT, request=request
    )
    size = slip_size(request.GET.get("size"))
    pdf = slip_pdf(data=slip_data(appointment=appointment), size=size)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = content_disposition_header(
        request.GET.get("download") == "1",
        slip_pdf_filename(reference=appointment.reference, size=size),
    )
    response["Content-Disposition"] = disposition or "inline"
    return response


@require_http_methods(["GET", "POST"])
def slip_verify(request: HttpRequest, signed: str) -> HttpResponse:
    """What the slip's QR code opens. Staff of the facility see the booking and check the
    patient in; anyone else learns only that the booking is genuine."""
    try:
        reference = slip_unsign(signed)
    except SlipSignatureInvalid as invalid:
        return render(
            request, "scheduling/slip/slip_invalid.html", {"message": str(invalid)}, status=400
        )
    found = slip_appointment_get(reference=reference)
    user = request.user
    if not slip_is_staff_of(user=user, appointment=found, roles=SLIP_VIEW_ROLES):
        if request.method == "POST":
            raise AccessDenied()
        return render(
            request,
            "scheduling/slip/slip_verified.html",
            {
                "reference": found.reference,
                "status_display": found.get_status_display(),
                "own_slip_url": slip_url(found)
                if slip_is_own(user=user, appointment=found)
                else "",
            },
        )
    may_check_in = slip_is_staff_of(user=user, appointment=found, roles=SLIP_CHECK_IN_ROLES)
    error, status, checked_in = "", 200, False
    if request.method == "POST":
        if not may_check_in:
            raise AccessDenied()
        appointment = slip_get_for_user(
            user=user, reference=reference, action=AccessAction.UPDATE, request=request
        )
        try:
            appointment_check_in(appointment=appointment, actor=user)  # type: ignore[arg-type]
            checked_in = True
        except DomainError as refused:
            error, status = str(refused), refused.status
        appointment.refresh_from_db(fields=["status"])
    else:
        appointment = slip_get_for_user(user=user, reference=reference, request=request)
    slip = slip_data(appointment=appointment)
    return render(
        request,
        "scheduling/slip/slip_verify.html",
        {
            "slip": slip,
            "error": error,
            "checked_in": checked_in,
            "may_check_in": may_check_in
            and appointment.status == AppointmentStatus.BOOKED
            and not slip.token,
        },
        status=status,
    )
