"""Staff OPD pages: the counter (check-in, walk-in tokens), the doctor's worklist, the queue
board for a TV, and leave and holiday blocks."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hims.accounts.choices import Role
from hims.core.decorators import StaffRequest, staff_required
from hims.core.errors import DomainError, NotFound, ValidationFailed
from hims.lib.htmx import template_for
from hims.network.choices import RoomKind
from hims.network.models import Department, Facility, Room
from hims.patients.selectors import patient_get_for_staff
from hims.scheduling import queues
from hims.scheduling.events import queue_stream
from hims.scheduling.models import Appointment, QueueDay, QueueToken, ScheduleBlock
from hims.scheduling.selectors import appointments_today_for_facility, queue_for_department
from hims.scheduling.services import schedule_block

COUNTER_ROLES = {Role.CLERK, Role.NURSE, Role.FACILITY_ADMIN}
WORKLIST_ROLES = {Role.DOCTOR, Role.NURSE, Role.FACILITY_ADMIN}
BLOCK_ROLES = {Role.FACILITY_ADMIN}
ROOM_SESSION_KEY = "opd_room"
DEPARTMENT_SESSION_KEY = "opd_department"


def _departments(facility: Facility | None) -> list[Department]:
    if facility is None:
        return []
    return list(
        Department.objects.filter(facility=facility, is_active=True)
        .select_related("speciality")
        .order_by("speciality__name")
    )


def _department_of(request: StaffRequest, value: str | None) -> Department | None:
    if not value or not str(value).isdigit():
        return None
    return next((d for d in _departments(request.facility) if d.pk == int(value)), None)


# --- the counter -------------------------------------------------------------------------------


@staff_required(COUNTER_ROLES)
def counter(request: StaffRequest) -> HttpResponse:
    """Today's bookings to check in, and walk-in tokens."""
    departments = _departments(request.facility)
    department = _department_of(request, request.GET.get("department"))
    bookings = (
        appointments_today_for_facility(
            facility=request.facility, department_id=department.pk if department else None
        )
        if request.facility
        else []
    )
    return render(
        request,
        "scheduling/opd/counter.html",
        {
            "departments": departments,
            "department": department,
            "bookings": bookings,
            "may_overbook": request.membership.role == Role.FACILITY_ADMIN,
            "issued": _issued_token(request),
        },
    )


def _issued_token(request: HttpRequest) -> QueueToken | None:
    token_id = request.GET.get("token", "")
    if not token_id.isdigit():
        return None
    return (
        QueueToken.objects.select_related("queue__department__speciality", "patient")
        .filter(pk=int(token_id), queue__facility=getattr(request, "facility", None))
        .first()
    )


@staff_required(COUNTER_ROLES)
@require_POST
def check_in(request: StaffRequest) -> HttpResponse:
    """Check in by booking reference (typed, or read from the slip's QR)."""
    reference = (request.POST.get("reference") or "").strip().upper()
    appointment = (
        Appointment.objects.filter(reference=reference, slot__facility=request.facility)
        .select_related("slot")
        .first()
        if reference
        else None
    )
    if appointment is None:
        messages.error(request, _("No booking at this facility has that reference."))
        return redirect("opd:counter")
    try:
        token = queues.appointment_check_in(appointment=appointment, actor=request.user)
    except DomainError as refused:
        messages.error(request, str(refused))
        return redirect("opd:counter")
    messages.success(
        request,
        _("Checked in: token %(token)s (booking %(reference)s).")
        % {"token": token.label, "reference": appointment.reference},
    )
    return redirect(reverse("opd:counter") + f"?token={token.pk}")


@staff_required(COUNTER_ROLES)
@require_POST
def walk_in(request: StaffRequest) -> HttpResponse:
    """A token for a patient without a booking, from the counter places of today."""
    department = _department_of(request, request.POST.get("department"))
    uhid = (request.POST.get("uhid") or "").strip()
    try:
        if department is None:
            raise ValidationFailed(_("Choose the department."), field="department")
        if not uhid:
            raise ValidationFailed(_("Enter the patient's UHID."), field="uhid")
        patient = patient_get_for_staff(
            user=request.user,
            facility=request.facility,
            uhid=uhid.replace(" ", ""),
            request=request,
        )
        token = queues.walk_in_token(
            patient=patient,
            department=department,
            actor=request.user,
            priority=request.POST.get("priority") == "1",
            overbook_reason=(request.POST.get("overbook_reason") or "").strip()
            if request.membership.role == Role.FACILITY_ADMIN
            else "",
        )
    except DomainError as refused:
        messages.error(request, str(refused))
        return redirect(
            reverse("opd:counter") + (f"?department={department.pk}" if department else "")
        )
    messages.success(request, _("Walk-in token %(token)s issued.") % {"token": token.label})
    return redirect(reverse("opd:counter") + f"?token={token.pk}")


# --- the doctor's worklist ----------------------------------------------------------------------


def _rooms(facility: Facility | None, department: Department | None) -> list[Room]:
    if facility is None:
        return []
    rooms = Room.objects.filter(facility=facility, is_active=True, kind=RoomKind.CONSULTATION)
    if department is not None:
        own = [r for r in rooms if r.department_id == department.pk]
        if own:
            return own
    return list(rooms.order_by("code"))


def _worklist_place(request: StaffRequest) -> tuple[Department | None, Room | None]:
    """The department and room this doctor works in today (chosen once, kept in the session)."""
    department = _department_of(
        request,
        request.GET.get("department")
        or request.session.get(DEPARTMENT_SESSION_KEY)
        or (str(request.membership.department_id) if request.membership.department_id else None),
    )
    if department is None:
        departments = _departments(request.facility)
        department = departments[0] if departments else None
    rooms = _rooms(request.facility, department)
    wanted = request.GET.get("room") or request.session.get(ROOM_SESSION_KEY)
    room = next((r for r in rooms if str(r.pk) == str(wanted)), rooms[0] if rooms else None)
    if department:
        request.session[DEPARTMENT_SESSION_KEY] = str(department.pk)
    if room:
        request.session[ROOM_SESSION_KEY] = str(room.pk)
    return department, room


def _worklist_context(request: StaffRequest) -> dict[str, Any]:
    department, room = _worklist_place(request)
    queue = queue_for_department(department=department) if department else None
    current = (
        QueueToken.objects.filter(queue=queue, room=room, status__in=["called", "in_room"])
        .select_related("patient")
        .order_by("-called_at")
        .first()
        if queue and room
        else None
    )
    return {
        "departments": _departments(request.facility),
        "department": department,
        "rooms": _rooms(request.facility, department),
        "room": room,
        "queue": queue,
        "current": current,
        "waiting": queues.queue_waiting(queue=queue, limit=30) if queue else [],
        "other_departments": [
            d for d in _departments(request.facility) if department and d.pk != department.pk
        ],
    }


@staff_required(WORKLIST_ROLES)
def worklist(request: StaffRequest) -> HttpResponse:
    template = template_for(
        request, page="scheduling/opd/worklist.html", partial="scheduling/opd/_worklist.html"
    )
    return render(request, template, _worklist_context(request))


WORKLIST_ACTIONS = {"recall", "start", "complete", "no_show", "requeue", "transfer"}


@staff_required(WORKLIST_ROLES)
@require_POST
def worklist_act(request: StaffRequest, action: str) -> HttpResponse:
    """Call next, or act on one token; answers the refreshed worklist (HTMX) or redirects."""
    department, room = _worklist_place(request)
    try:
        if department is None or room is None:
            raise ValidationFailed(_("Choose your department and room first."))
        queue = queue_for_department(department=department)
        if action == "call_next":
            called = queues.token_call_next(queue=queue, room=room, actor=request.user)
            if called is None:
                messages.info(request, _("Nobody is waiting."))
        elif action in WORKLIST_ACTIONS:
            token_id = request.POST.get("token", "")
            token = queues.token_get(
                token_id=int(token_id) if token_id.isdigit() else 0, queue=queue
            )
            _act_on(request, action=action, token=token, queue=queue)
        else:
            raise NotFound()
    except DomainError as refused:
        messages.error(request, str(refused))
    if getattr(request, "htmx", None):
        return render(request, "scheduling/opd/_worklist.html", _worklist_context(request))
    return redirect("opd:worklist")


def _act_on(request: StaffRequest, *, action: str, token: QueueToken, queue: QueueDay) -> None:
    if action == "recall":
        queues.token_recall(token=token)
    elif action == "start":
        queues.token_start(token=token)
    elif action == "complete":
        queues.token_complete(token=token)
    elif action == "no_show":
        queues.token_no_show(token=token)
    elif action == "requeue":
        queues.token_requeue(token=token)
    elif action == "transfer":
        target = request.POST.get("to", "")
        if target.startswith("room:"):
            room = next(
                (r for r in _rooms(request.facility, None) if f"room:{r.pk}" == target), None
            )
            if room is None:
                raise ValidationFailed(_("Choose a room or department."), field="to")
            queues.token_transfer_room(token=token, room=room)
            messages.success(request, _("Sent to room %(room)s.") % {"room": room.code})
        else:
            department = _department_of(request, target.removeprefix("department:"))
            if department is None:
                raise ValidationFailed(_("Choose a room or department."), field="to")
            new = queues.token_transfer_department(
                token=token, department=department, actor=request.user
            )
            messages.success(
                request,
                _("Sent to %(department)s with token %(token)s.")
                % {"department": department.display_name, "token": new.label},
            )


# --- the queue board (a TV in the waiting hall; no personal data on it) ---------------------------


def _board_department(department_id: int) -> Department:
    department = (
        Department.objects.select_related("facility", "speciality")
        .filter(pk=department_id, is_active=True)
        .first()
    )
    if department is None:
        raise NotFound(_("No such department."))
    return department


def _board_context(queue: QueueDay) -> dict[str, Any]:
    return {
        "serving": queues.queue_serving(queue=queue),
        "next_tokens": queues.queue_waiting(queue=queue, limit=8),
    }


def board(request: HttpRequest, department_id: int) -> HttpResponse:
    """Now serving per room and the next tokens, redrawn by server-sent events."""
    department = _board_department(department_id)
    queue = queue_for_department(department=department)
    return render(
        request,
        "scheduling/board/board.html",
        {"department": department, "queue": queue, **_board_context(queue)},
    )


def board_events(request: HttpRequest, department_id: int) -> HttpResponseBase:
    department = _board_department(department_id)
    queue = queue_for_department(department=department)

    def render_board() -> dict[str, object]:
        context = _board_context(queue)
        with translation.override("en"):  # the board shows both languages side by side
            html = render_to_string("scheduling/board/_board.html", context)
        calls = [
            {
                "id": t.pk,
                "count": t.call_count,
                "token": t.label,
                "room": t.room.code if t.room else "",
            }
            for t in context["serving"]
            if t.status == "called"
        ]
        return {"html": html, "calls": calls}

    since = request.GET.get("v", "")
    return queue_stream(
        queue_id=queue.pk, render=render_board, since=int(since) if since.isdigit() else None
    )


# --- leave and holidays ---------------------------------------------------------------------------


@staff_required(BLOCK_ROLES)
def blocks(request: StaffRequest) -> HttpResponse:
    """Close OPD days (leave, holiday): bookings on them are moved or cancelled, with notice."""
    facility = request.facility
    error = ""
    if request.method == "POST" and facility is not None:
        try:
            first = date.fromisoformat(request.POST.get("first_day", ""))
            last = date.fromisoformat(request.POST.get("last_day") or request.POST["first_day"])
        except (KeyError, ValueError):
            error = _("Enter the dates as shown (YYYY-MM-DD).")
        else:
            department = _department_of(request, request.POST.get("department"))
            try:
                block = schedule_block(
                    facility_id=facility.pk,
                    department_id=department.pk if department else None,
                    first_day=first,
                    last_day=last,
                    reason=request.POST.get("reason", ""),
                    actor=request.user,
                )
            except DomainError as refused:
                error = str(refused)
            else:
                messages.success(
                    request,
                    _(
                        "OPD closed. %(moved)s bookings moved, %(cancelled)s cancelled; each patient was sent an SMS."
                    )
                    % {"moved": block.moved, "cancelled": block.cancelled},
                )
                return redirect("opd:blocks")
    recent = (
        ScheduleBlock.objects.filter(facility=facility).select_related("department__speciality")[
            :30
        ]
        if facility
        else []
    )
    return render(
        request,
        "scheduling/opd/blocks.html",
        {"departments": _departments(facility), "blocks": recent, "error": error},
        status=422 if error else 200,
    )
