"""OPD booking endpoints: the free places of a day's slots, and booking, reading, cancelling and
moving appointments. Writes accept an Idempotency-Key, so a retry never books twice.

Places are taken only by `hims.scheduling.services.appointment_book` (STYLE: one write path per
scarce resource); this module parses, authorizes and answers. The booking request is the hot path
of a booking rush (DESIGN.md section 9): token lookup, the caller's memberships (read once per
request), the idempotency row, the patient and the slot, then the service's conditional UPDATE
and INSERT. Nothing else.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from itertools import groupby
from typing import Any, Literal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from hims.accounts.choices import Role
from hims.accounts.models import User
from hims.accounts.selectors import user_has_role_at
from hims.core.errors import AccessDenied, NotFound, ValidationFailed
from hims.core.idempotency import KEY_HEADER, KEY_MAX_LENGTH, idempotent_call
from hims.network.models import Department
from hims.scheduling.models import Appointment, Slot, SlotQuota
from hims.scheduling.selectors import booking_read
from hims.scheduling.services import (
    SlotFull,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    slot_get,
)

router = Router(tags=["scheduling"])

# Who may book, read, cancel and move appointments at a facility (network administrators
# anywhere).
BOOKING_ROLES = {
    Role.CLERK,
    Role.NURSE,
    Role.DOCTOR,
    Role.FACILITY_ADMIN,
    Role.ANM,
    Role.NETWORK_ADMIN,
}
Channel = Literal["online", "counter", "priority", "follow_up"]


class SlotFilter(Schema):
    department: int
    day: date
    channel: Channel | None = None


class PractitionerRef(Schema):
    id: int
    name: str
    name_hi: str


class SlotOut(Schema):
    """`free` holds the places still free per quota channel (0 when the slot is blocked or the
    channel closed)."""

    id: int
    starts_at: datetime
    ends_at: datetime
    practitioner: PractitionerRef | None
    is_blocked: bool
    free: dict[str, int]


class BookingIn(Schema):
    slot: int
    patient: str  # UHID
    channel: Channel


class CancelIn(Schema):
    reason: str = ""


class RescheduleIn(Schema):
    slot: int
    reason: str = ""


class AppointmentOut(Schema):
    reference: str
    status: str
    channel: str
    patient: str  # UHID
    slot: int
    facility: int
    department: int
    practitioner: int | None
    day: date
    starts_at: datetime
    ends_at: datetime
    booked_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str
    rescheduled_from: str | None


# --- reads and checks ---------------------------------------------------------------------------


def _staff(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated or user.is_patient:
        raise AccessDenied(_("This API is for network staff."))
    return user


def _require_role_at(user: User, facility_id: int) -> None:
    if not user_has_role_at(user=user, facility_id=facility_id, roles=BOOKING_ROLES):
        raise AccessDenied(_("Your role does not include booking appointments at this facility."))


def _slot_read(slot_id: int) -> Slot:
    """The slot with what the booking and its SMS read (facility, department name)."""
    try:
        return slot_get(slot_id=slot_id)
    except NotFound:
        raise ValidationFailed(_("No such slot."), field="slot") from None


def _appointment_for_staff(user: User, reference: str) -> Appointment:
    """The booking, if the caller books at its facility; otherwise 404 (no hint it exists)."""
    appointment = (
        Appointment.objects.select_related(
            "slot__facility",
            "slot__department__speciality",
            "patient",
            "quota",
            "rescheduled_from",
        )
        .filter(reference=reference.strip().upper())
        .first()
    )
    if appointment is None or not user_has_role_at(
        user=user, facility_id=appointment.slot.facility_id, roles=BOOKING_ROLES
    ):
        raise NotFound(_("No booking with this reference is open to you."))
    return appointment


def appointment_out(appointment: Appointment, *, channel: str | None = None) -> dict[str, Any]:
    """The booking as the API shows it. Pass `channel` when the quota row is not loaded."""
    slot = appointment.slot
    previous = appointment.rescheduled_from if appointment.rescheduled_from_id else None
    return {
        "reference": appointment.reference,
        "status": appointment.status,
        "channel": channel or appointment.quota.channel,
        "patient": appointment.patient.uhid,
        "slot": slot.pk,
        "facility": slot.facility_id,
        "department": slot.department_id,
        "practitioner": slot.practitioner_id,
        "day": appointment.day,
        "starts_at": timezone.localtime(slot.starts_at),
        "ends_at": timezone.localtime(slot.ends_at),
        "booked_at": appointment.booked_at,
        "cancelled_at": appointment.cancelled_at,
        "cancel_reason": appointment.cancel_reason,
        "rescheduled_from": previous.reference if previous is not None else None,
    }


def _json(body: dict[str, Any], *, status: int = 200, location: str = "") -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )
    if location:
        response["Location"] = location
    return response


def _location(appointment: Appointment) -> str:
    return f"/api/v1/appointments/{appointment.reference}"


# --- endpoints ----------------------------------------------------------------------------------


@router.get("/slots", response=list[SlotOut])
def slot_list(request: HttpRequest, filters: Query[SlotFilter]) -> list[dict[str, Any]]:
    """A department's slots on a day with the places free per channel (or only `channel`'s):
    one query for the slots and their quotas."""
    user = _staff(request)
    department = Department.objects.filter(pk=filters.department).only("pk", "facility_id").first()
    if department is None:
        raise NotFound(_("No such department."))
    _require_role_at(user, department.facility_id)
    quotas = (
        SlotQuota.objects.filter(slot__department_id=department.pk, slot__day=filters.day)
        .select_related("slot__practitioner")
        .order_by("slot__starts_at", "slot_id", "channel")
    )
    if filters.channel:
        quotas = quotas.filter(channel=filters.channel)
    slots = []
    for _slot_id, group in groupby(quotas, key=lambda q: q.slot_id):
        rows = list(group)
        slot = rows[0].slot
        practitioner = slot.practitioner
        slots.append(
            {
                "id": slot.pk,
                "starts_at": timezone.localtime(slot.starts_at),
                "ends_at": timezone.localtime(slot.ends_at),
                "practitioner": {
                    "id": practitioner.pk,
                    "name": practitioner.name,
                    "name_hi": practitioner.name_hi,
                }
                if practitioner is not None
                else None,
                "is_blocked": slot.is_blocked,
                "free": {
                    q.channel: max(q.capacity - q.booked, 0)
                    if q.is_open and not slot.is_blocked
                    else 0
                    for q in rows
                },
            }
        )
    return slots


@router.post(
    "/appointments",
    response={201: AppointmentOut},
    openapi_extra={"responses": {409: {"description": "slot_full, already_booked, ..."}}},
)
def appointment_create(request: HttpRequest, payload: BookingIn) -> HttpResponse:
    """Book a place of the slot for the patient in the channel's quota. Refusals are problem
    documents: 409 slot_full, already_booked or booking_closed; 429 too_many_bookings. Send an
    Idempotency-Key header: a retry then books once and gets the first answer again."""
    user = _staff(request)
    key = request.headers.get(KEY_HEADER, "").strip()
    # One read: a rush is mostly refusals, and a full slot is refused after it, writing nothing;
    # a booking takes the slot and the patient from it. A too long key is refused the usual way.
    read = booking_read(
        slot_id=payload.slot,
        channel=payload.channel,
        uhid=payload.patient,
        user_id=user.pk,
        key=key if len(key) <= KEY_MAX_LENGTH else "",
    )
    if read.surely_full and read.facility_id is not None and len(key) <= KEY_MAX_LENGTH:
        _require_role_at(user, read.facility_id)
        raise SlotFull()

    def act() -> HttpResponse:
        if read.slot is None:
            raise ValidationFailed(_("No such slot."), field="slot")
        _require_role_at(user, read.slot.facility_id)
        if read.patient is None:
            raise ValidationFailed(_("No patient has this UHID."), field="patient")
        appointment = appointment_book(
            slot=read.slot, patient=read.patient, channel=payload.channel, actor=user
        )
        return _json(
            appointment_out(appointment, channel=payload.channel),
            status=201,
            location=_location(appointment),
        )

    return idempotent_call(request, act)


@router.get("/appointments/{reference}", response=AppointmentOut)
def appointment_detail(request: HttpRequest, reference: str) -> HttpResponse:
    appointment = _appointment_for_staff(_staff(request), reference)
    return _json(appointment_out(appointment))


@router.post("/appointments/{reference}/cancel", response=AppointmentOut)
def appointment_cancel_view(
    request: HttpRequest, reference: str, payload: CancelIn
) -> HttpResponse:
    """Cancel and free the place at once; cancelling a cancelled booking changes nothing."""
    user = _staff(request)

    def act() -> HttpResponse:
        appointment = _appointment_for_staff(user, reference)
        cancelled = appointment_cancel(
            appointment=appointment, actor=user, reason=payload.reason.strip()
        )
        return _json(appointment_out(cancelled))

    return idempotent_call(request, act)


@router.post(
    "/appointments/{reference}/reschedule", response={200: AppointmentOut, 201: AppointmentOut}
)
def appointment_reschedule_view(
    request: HttpRequest, reference: str, payload: RescheduleIn
) -> HttpResponse:
    """Move the booking to another slot (same channel): 201 with the new booking, whose
    `rescheduled_from` is this one; when the new place is refused nothing changes."""
    user = _staff(request)

    def act() -> HttpResponse:
        appointment = _appointment_for_staff(user, reference)
        slot = _slot_read(payload.slot)
        _require_role_at(user, slot.facility_id)
        moved = appointment_reschedule(
            appointment=appointment, slot=slot, actor=user, reason=payload.reason.strip()
        )
        status = 200 if moved.pk == appointment.pk else 201
        return _json(appointment_out(moved), status=status, location=_location(moved))

    return idempotent_call(request, act)
