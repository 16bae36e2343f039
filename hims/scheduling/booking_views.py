"""The patient's booking flow on a phone: facility -> department -> day -> time -> confirm.

Light on data: plain server-rendered pages, no script needed to book (HTMX only refreshes the
free places). Signing in (mobile OTP) is asked for only at the confirm step.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hims.core.errors import DomainError, NotFound, ValidationFailed
from hims.core.idempotency import idempotent_call
from hims.lib.htmx import template_for
from hims.network.choices import District
from hims.scheduling.choices import QuotaChannel
from hims.scheduling.selectors import (
    appointment_for_login,
    booking_window,
    day_list_for_booking,
    department_for_booking,
    department_list_for_booking,
    facility_list_for_booking,
    family_for_login,
    slot_for_booking,
    slot_list_for_booking,
)
from hims.scheduling.services import SENIOR_AGE, appointment_book, appointment_reschedule


def _float(value: str | None, low: float, high: float) -> float | None:
    try:
        number = float(value or "")
    except ValueError:
        return None
    return number if low <= number <= high else None


def facility_choose(request: HttpRequest) -> HttpResponse:
    """Step 1: where. Nearest first when the phone shares its location (`lat`, `lon`)."""
    latitude = _float(request.GET.get("lat"), -90, 90)
    longitude = _float(request.GET.get("lon"), -180, 180)
    district = request.GET.get("district", "")
    if district not in District.values:
        district = ""
    choices = facility_list_for_booking(latitude=latitude, longitude=longitude, district=district)
    return render(
        request,
        "scheduling/book/facility_choose.html",
        {
            "choices": choices,
            "districts": District.choices,
            "district": district,
            "located": latitude is not None,
        },
    )


def department_choose(request: HttpRequest, facility_id: int) -> HttpResponse:
    """Step 2: which OPD."""
    from hims.network.models import Facility

    facility = Facility.objects.active().filter(pk=facility_id).first()
    if facility is None:
        raise NotFound(_("No such facility."))
    return render(
        request,
        "scheduling/book/department_choose.html",
        {"facility": facility, "choices": department_list_for_booking(facility=facility)},
    )


def slot_choose(request: HttpRequest, department_id: int) -> HttpResponse:
    """Steps 3 and 4: the day, then a time with a free place (refreshed while the page is open)."""
    department = department_for_booking(department_id=department_id)
    days = day_list_for_booking(department=department)
    window = booking_window()
    chosen: date | None = None
    wanted = request.GET.get("day", "")
    if wanted:
        try:
            chosen = date.fromisoformat(wanted)
        except ValueError:
            chosen = None
        if chosen not in window:
            chosen = None
    if chosen is None and days:
        chosen = days[0].day
    groups = slot_list_for_booking(department=department, day=chosen) if chosen else []
    template = template_for(
        request, page="scheduling/book/slot_choose.html", partial="scheduling/book/_slots.html"
    )
    move = request.GET.get("move", "")[:12]
    return render(
        request,
        template,
        {
            "department": department,
            "days": days,
            "chosen": chosen,
            "groups": groups,
            "move": move,
        },
    )


@require_http_methods(["GET", "POST"])
def booking_confirm(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Step 5: who is coming (a family member registered with this mobile), then book."""
    slot = slot_for_booking(slot_id=slot_id)
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url="accounts:patient-login")
    if not getattr(user, "is_patient", False):
        # Staff book at the counter, for a patient they have found.
        return redirect("opd:counter")
    family = family_for_login(user=user)  # type: ignore[arg-type]
    error = ""
    move_reference = (request.POST.get("move") or request.GET.get("move") or "")[:12]
    moving = (
        appointment_for_login(user=user, reference=move_reference)  # type: ignore[arg-type]
        if move_reference
        else None
    )
    if request.method == "POST" and moving is not None:

        def move() -> HttpResponse:
            moved = appointment_reschedule(
                appointment=moving,
                slot=slot,
                actor=user,  # type: ignore[arg-type]
                reason=_("Moved by the patient"),
            )
            return redirect(reverse("my:appointment", args=[moved.reference]) + "?booked=1")

        try:
            return idempotent_call(request, move, key=request.POST.get("submit_key", ""))
        except DomainError as refused:
            error = str(refused)
    elif request.method == "POST":
        patient = next((p for p in family if p.uhid == request.POST.get("patient")), None)
        channel = request.POST.get("channel") or QuotaChannel.ONLINE
        if patient is None:
            error = _("Choose who the booking is for.")
        elif channel not in (QuotaChannel.ONLINE, QuotaChannel.PRIORITY):
            error = _("Unknown booking channel.")
        else:

            def act() -> HttpResponse:
                appointment = appointment_book(
                    slot=slot,
                    patient=patient,
                    channel=channel,
                    actor=user,  # type: ignore[arg-type]
                )
                return redirect(
                    reverse("my:appointment", args=[appointment.reference]) + "?booked=1"
                )

            try:
                # The hidden key makes a double-tapped button book once (the second tap is
                # answered with the first one's redirect).
                return idempotent_call(request, act, key=request.POST.get("submit_key", ""))
            except DomainError as refused:
                if isinstance(refused, ValidationFailed) and refused.field == "Idempotency-Key":
                    raise
                error = str(refused)
    return render(
        request,
        "scheduling/book/confirm.html",
        {
            "slot": slot,
            "family": family,
            "error": error,
            "submit_key": uuid.uuid4().hex,
            "senior_age": SENIOR_AGE,
            "moving": moving,
            "now": timezone.now(),
        },
        status=409 if error else 200,
    )
