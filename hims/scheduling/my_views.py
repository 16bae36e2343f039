"""A patient's own bookings: the confirmation, the live place in the queue, cancel, move."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hims.core.decorators import PatientRequest, patient_required
from hims.core.errors import DomainError
from hims.scheduling.choices import AppointmentStatus
from hims.scheduling.events import queue_stream
from hims.scheduling.models import QueueToken
from hims.scheduling.queues import token_position
from hims.scheduling.selectors import (
    appointment_for_login,
    appointment_list_for_login,
    appointment_token,
)
from hims.scheduling.services import appointment_cancel


@patient_required
def appointment_list(request: PatientRequest) -> HttpResponse:
    appointments = appointment_list_for_login(user=request.user)
    return render(request, "scheduling/my/appointment_list.html", {"appointments": appointments})


def _position_context(token: QueueToken | None) -> dict[str, object]:
    if token is not None:
        token.refresh_from_db()
    return {"token": token, "position": token_position(token=token) if token else None}


@patient_required
def appointment_detail(request: PatientRequest, reference: str) -> HttpResponse:
    """The booking's page: what, where, when, the slip, and (once checked in) the live place in
    the queue."""
    appointment = appointment_for_login(user=request.user, reference=reference)
    token = appointment_token(appointment)
    return render(
        request,
        "scheduling/my/appointment_detail.html",
        {
            "appointment": appointment,
            "just_booked": request.GET.get("booked") == "1",
            "cancellable": appointment.status == AppointmentStatus.BOOKED,
            **_position_context(token),
        },
    )


@patient_required
def appointment_events(request: PatientRequest, reference: str) -> HttpResponseBase:
    """Server-sent events: the patient's place in the queue whenever the queue moves."""
    appointment = appointment_for_login(user=request.user, reference=reference)
    token = appointment_token(appointment)
    if token is None:
        return HttpResponse(status=204)  # not checked in yet: nothing to follow
    language = translation.get_language()

    def render_position() -> dict[str, object]:
        with translation.override(language):
            html = render_to_string("scheduling/my/_position.html", _position_context(token))
        return {"html": html}

    return queue_stream(queue_id=token.queue_id, render=render_position)


@patient_required
@require_POST
def appointment_cancel_view(request: PatientRequest, reference: str) -> HttpResponse:
    appointment = appointment_for_login(user=request.user, reference=reference)
    try:
        appointment_cancel(
            appointment=appointment, actor=request.user, reason=_("Cancelled by the patient")
        )
    except DomainError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The booking is cancelled and the place given back."))
    return redirect("my:appointment", reference=appointment.reference)
