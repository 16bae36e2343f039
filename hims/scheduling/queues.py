"""Arrival, tokens and the day's queues.

Token numbers are gap-free and unique per queue per day: the queue's counter row is advanced by
an UPDATE in the same transaction that writes the token, so a failed token rolls its number back
and concurrent issues wait for each other on that one row (the unique (queue, number) constraint
backs it). Every change to a queue bumps its `version` in the same transaction: boards and a
patient's own page watch that number (server-sent events) and redraw when it moves.

The order in which waiting tokens are called (`sort_at`, then number):
- a booked patient who checks in before their slot, or within HIMS_QUEUE_LATE_MINUTES after its
  start, is placed at the slot's start time; one who comes later, at the arrival time;
- a walk-in is placed at the arrival time;
- senior citizens and persons with disabilities (priority places) are placed 20 minutes earlier
  than that, follow-ups 10 minutes earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.core.errors import Conflict, NotFound, ValidationFailed
from hims.scheduling.choices import (
    OPEN_TOKEN_STATUSES,
    TOKEN_PREFIX,
    AppointmentEventKind,
    AppointmentStatus,
    QuotaChannel,
    TokenCategory,
    TokenStatus,
)
from hims.scheduling.models import Appointment, AppointmentEvent, QueueDay, QueueToken, Slot
from hims.scheduling.services import SlotFull, appointment_book

if TYPE_CHECKING:
    from hims.accounts.models import User
    from hims.network.models import Department, Facility, Room
    from hims.patients.models import Patient

CATEGORY_ADVANCE = {
    TokenCategory.PRIORITY: timedelta(minutes=20),
    TokenCategory.FOLLOW_UP: timedelta(minutes=10),
}
CHANNEL_CATEGORY = {
    QuotaChannel.PRIORITY: TokenCategory.PRIORITY,
    QuotaChannel.FOLLOW_UP: TokenCategory.FOLLOW_UP,
}


class NotToday(Conflict):
    code = "not_today"
    default_message = _("This booking is for another day; check in on the day of the visit.")


class TokenStateChanged(Conflict):
    code = "token_changed"
    default_message = _("This token changed meanwhile (another screen acted on it). Reload.")


def queue_day_for(*, facility_id: int, department_id: int | None, day: date) -> QueueDay:
    """The queue row of a department (or the registration counter) for a day, created once."""
    for _attempt in range(3):
        where: dict[str, object] = (
            {"department_id": department_id} if department_id else {"department__isnull": True}
        )
        found = QueueDay.objects.filter(facility_id=facility_id, day=day, **where).first()
        if found:
            return found
        try:
            with transaction.atomic():
                return QueueDay.objects.create(
                    facility_id=facility_id, department_id=department_id, day=day
                )
        except IntegrityError:
            continue  # created a moment ago by a concurrent check-in
    raise Conflict(_("The queue could not be opened; try again."))


def queue_bump(queue_id: int) -> None:
    """Tell watchers the queue changed (call inside the transaction that changed it)."""
    QueueDay.objects.filter(pk=queue_id).update(version=F("version") + 1)


def token_label(category: str, number: int) -> str:
    return f"{TOKEN_PREFIX[TokenCategory(category)]}-{number:03d}"


def _token_issue(
    *,
    queue: QueueDay,
    category: str,
    sort_at: datetime,
    patient: Patient | None,
    appointment: Appointment | None = None,
    actor: User | None = None,
    room_id: int | None = None,
) -> QueueToken:
    """Inside a transaction: the next number of the queue, and the token. The UPDATE locks the
    queue row until commit, so numbers are issued one at a time and never skipped."""
    QueueDay.objects.filter(pk=queue.pk).update(
        last_number=F("last_number") + 1, version=F("version") + 1
    )
    number = QueueDay.objects.values_list("last_number", flat=True).get(pk=queue.pk)
    return QueueToken.objects.create(
        queue=queue,
        number=number,
        category=category,
        label=token_label(category, number),
        patient=patient,
        appointment=appointment,
        sort_at=sort_at - CATEGORY_ADVANCE.get(TokenCategory(category), timedelta()),
        issued_by=actor if actor is not None and actor.is_authenticated else None,
        room_id=room_id,
    )


def appointment_check_in(
    *, appointment: Appointment, actor: User | None, now: datetime | None = None
) -> QueueToken:
    """Give a booked patient who has arrived their token in the department's queue today.
    Checking in twice (a double scan) returns the same token."""
    now = now or timezone.now()
    appointment = Appointment.objects.select_related("slot", "quota").get(pk=appointment.pk)
    existing = QueueToken.objects.filter(appointment=appointment).first()
    if existing is not None:
        return existing
    if appointment.status != AppointmentStatus.BOOKED:
        raise Conflict(
            _("This booking is %(status)s; it cannot be checked in."),
            params={"status": appointment.get_status_display()},
        )
    if appointment.day != timezone.localdate(now):
        raise NotToday()
    slot = appointment.slot
    late = now > slot.starts_at + timedelta(minutes=settings.HIMS_QUEUE_LATE_MINUTES)
    category = CHANNEL_CATEGORY.get(QuotaChannel(appointment.quota.channel), TokenCategory.BOOKED)
    queue = queue_day_for(
        facility_id=slot.facility_id, department_id=slot.department_id, day=appointment.day
    )
    try:
        with transaction.atomic():
            arrived = Appointment.objects.filter(
                pk=appointment.pk, status=AppointmentStatus.BOOKED
            ).update(status=AppointmentStatus.ARRIVED)
            if not arrived:
                raise TokenStateChanged()
            token = _token_issue(
                queue=queue,
                category=category,
                sort_at=now if late else slot.starts_at,
                patient=appointment.patient,
                appointment=appointment,
                actor=actor,
            )
            AppointmentEvent.objects.create(
                appointment=appointment,
                kind=AppointmentEventKind.CHECKED_IN,
                actor=token.issued_by,
                at=now,
                detail=token.label,
            )
    except (IntegrityError, TokenStateChanged):
        # A simultaneous check-in of the same booking won: answer with its token.
        existing = QueueToken.objects.filter(appointment=appointment).first()
        if existing is not None:
            return existing
        waiting = QueueToken.objects.filter(
            queue=queue, patient=appointment.patient, status__in=OPEN_TOKEN_STATUSES
        ).first()
        if waiting is not None:  # e.g. sent here from another department a moment ago
            raise Conflict(
                _("This patient already has token %(token)s in this queue."),
                params={"token": waiting.label},
            ) from None
        raise TokenStateChanged() from None
    return token


def walk_in_token(
    *,
    patient: Patient,
    department: Department,
    actor: User,
    priority: bool = False,
    overbook_reason: str = "",
    now: datetime | None = None,
) -> QueueToken:
    """A patient without a booking: the counter (or priority) places of the current or next slot
    today are taken, then the token issued. When every counter place of today is taken the clerk
    is told so; a facility administrator may add one (`overbook_reason`)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    channel = QuotaChannel.PRIORITY if priority else QuotaChannel.COUNTER
    slots = list(
        Slot.objects.filter(
            department=department, day=today, ends_at__gt=now, is_blocked=False
        ).order_by("starts_at")[:200]
    )
    if not slots:
        raise SlotFull(_("There is no OPD in this department for the rest of today."))
    appointment = None
    with transaction.atomic():
        if overbook_reason:
            appointment = appointment_book(
                slot=slots[0],
                patient=patient,
                channel=channel,
                actor=actor,
                overbook_reason=overbook_reason,
                notify=False,
                now=now,
            )
        else:
            for slot in slots:
                try:
                    with transaction.atomic():
                        appointment = appointment_book(
                            slot=slot,
                            patient=patient,
                            channel=channel,
                            actor=actor,
                            notify=False,
                            now=now,
                        )
                    break
                except SlotFull:
                    continue
        if appointment is None:
            raise SlotFull(
                _("All counter places of this department are taken for today.")
                if not priority
                else _("All priority places of this department are taken for today.")
            )
        token = appointment_check_in(appointment=appointment, actor=actor, now=now)
        # A walk-in waits from arrival, whatever slot's place it took.
        category = TokenCategory.PRIORITY if priority else TokenCategory.WALK_IN
        QueueToken.objects.filter(pk=token.pk).update(
            category=category,
            label=token_label(category, token.number),
            sort_at=now - CATEGORY_ADVANCE.get(category, timedelta()),
        )
    token.refresh_from_db()
    return token


def registration_token(*, facility: Facility, patient: Patient, now: datetime) -> QueueToken:
    """A token in the facility's registration-counter queue (Scan and Share arrivals). Call
    inside the caller's transaction."""
    queue = queue_day_for(facility_id=facility.pk, department_id=None, day=timezone.localdate(now))
    # An earlier token that expired unserved (Scan and Share tokens expire) leaves the queue.
    QueueToken.objects.filter(
        queue=queue, patient=patient, status__in=[TokenStatus.WAITING, TokenStatus.CALLED]
    ).update(status=TokenStatus.NO_SHOW, finished_at=now)
    return _token_issue(
        queue=queue, category=TokenCategory.REGISTRATION, sort_at=now, patient=patient
    )


# --- the doctor's worklist -------------------------------------------------------------------


def token_get(*, token_id: int, queue: QueueDay) -> QueueToken:
    token = QueueToken.objects.filter(pk=token_id, queue=queue).first()
    if token is None:
        raise NotFound(_("No such token in this queue."))
    return token


def _transition(token: QueueToken, *, allowed: list[str], **changes: object) -> QueueToken:
    """A conditional update from one of `allowed` states: two screens acting on the same token
    cannot both win; the loser is told to reload."""
    with transaction.atomic():
        changed = QueueToken.objects.filter(pk=token.pk, status__in=allowed).update(**changes)
        if not changed:
            raise TokenStateChanged()
        queue_bump(token.queue_id)
    token.refresh_from_db()
    return token


def token_call_next(
    *, queue: QueueDay, room: Room, actor: User | None, now: datetime | None = None
) -> QueueToken | None:
    """Call the first waiting token (for this room or for any room). Two doctors calling at the
    same moment get different patients: the row is locked and locked rows are skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        candidate = (
            QueueToken.objects.select_for_update(skip_locked=True)
            .filter(queue=queue, status=TokenStatus.WAITING)
            .filter(Q(room__isnull=True) | Q(room=room))
            .order_by("sort_at", "number")
            .first()
        )
        if candidate is None:
            return None
        QueueToken.objects.filter(pk=candidate.pk, status=TokenStatus.WAITING).update(
            status=TokenStatus.CALLED, room=room, called_at=now, call_count=F("call_count") + 1
        )
        queue_bump(queue.pk)
    candidate.refresh_from_db()
    return candidate


def token_recall(*, token: QueueToken, now: datetime | None = None) -> QueueToken:
    now = now or timezone.now()
    return _transition(
        token,
        allowed=[TokenStatus.CALLED],
        called_at=now,
        call_count=F("call_count") + 1,
    )


def token_start(*, token: QueueToken, now: datetime | None = None) -> QueueToken:
    now = now or timezone.now()
    return _transition(
        token,
        allowed=[TokenStatus.CALLED],
        status=TokenStatus.IN_CONSULTATION,
        started_at=now,
    )


def token_complete(*, token: QueueToken, now: datetime | None = None) -> QueueToken:
    now = now or timezone.now()
    with transaction.atomic():
        token = _transition(
            token,
            allowed=[TokenStatus.CALLED, TokenStatus.IN_CONSULTATION],
            status=TokenStatus.DONE,
            finished_at=now,
            started_at=token.started_at or now,
        )
        if token.appointment_id:
            Appointment.objects.filter(pk=token.appointment_id).update(
                status=AppointmentStatus.FULFILLED
            )
    return token


def token_no_show(*, token: QueueToken, now: datetime | None = None) -> QueueToken:
    """Called and not there: out of the queue (the counter can put them back on arrival)."""
    now = now or timezone.now()
    return _transition(
        token,
        allowed=[TokenStatus.CALLED, TokenStatus.WAITING],
        status=TokenStatus.NO_SHOW,
        finished_at=now,
    )


def token_requeue(*, token: QueueToken, now: datetime | None = None) -> QueueToken:
    """A patient marked absent who has come back waits again from now."""
    now = now or timezone.now()
    return _transition(
        token,
        allowed=[TokenStatus.NO_SHOW],
        status=TokenStatus.WAITING,
        sort_at=now,
        finished_at=None,
        room=None,
    )


def token_transfer_room(
    *, token: QueueToken, room: Room, now: datetime | None = None
) -> QueueToken:
    """Send to another room of the same queue: it waits there, keeping its place in the order."""
    now = now or timezone.now()
    if room.facility_id != token.queue.facility_id:
        raise ValidationFailed(_("That room is in another facility."), field="room")
    return _transition(
        token,
        allowed=[TokenStatus.CALLED, TokenStatus.IN_CONSULTATION, TokenStatus.WAITING],
        status=TokenStatus.WAITING,
        room=room,
        called_at=None,
    )


def token_transfer_department(
    *, token: QueueToken, department: Department, actor: User | None, now: datetime | None = None
) -> QueueToken:
    """Send to another department of the facility today: this token ends, a new one is issued at
    the end of that department's queue (linked, so the path can be followed)."""
    now = now or timezone.now()
    queue = token.queue
    if department.facility_id != queue.facility_id:
        raise ValidationFailed(_("That department is in another facility."), field="department")
    if department.pk == queue.department_id:
        raise ValidationFailed(_("The patient is already in this department."), field="department")
    target = queue_day_for(
        facility_id=queue.facility_id, department_id=department.pk, day=queue.day
    )
    with transaction.atomic():
        token = _transition(
            token,
            allowed=[TokenStatus.CALLED, TokenStatus.IN_CONSULTATION, TokenStatus.WAITING],
            status=TokenStatus.TRANSFERRED,
            finished_at=now,
        )
        new = _token_issue(
            queue=target, category=token.category, sort_at=now, patient=token.patient, actor=actor
        )
        QueueToken.objects.filter(pk=token.pk).update(transferred_to=new)
    return new


# --- what the board and the patient see --------------------------------------------------------


def queue_waiting(*, queue: QueueDay, limit: int | None = None) -> list[QueueToken]:
    tokens = (
        QueueToken.objects.filter(queue=queue, status=TokenStatus.WAITING)
        .select_related("room")
        .order_by("sort_at", "number")
    )
    return list(tokens[:limit] if limit else tokens)


def queue_serving(*, queue: QueueDay) -> list[QueueToken]:
    """Per room, the token called last (called or with the doctor)."""
    latest: dict[int, QueueToken] = {}
    for token in (
        QueueToken.objects.filter(
            queue=queue,
            status__in=[TokenStatus.CALLED, TokenStatus.IN_CONSULTATION],
            room__isnull=False,
        )
        .select_related("room")
        .order_by("called_at")
    ):
        latest[token.room_id] = token  # type: ignore[index]
    return sorted(latest.values(), key=lambda t: t.room.code if t.room else "")


def consultation_minutes(*, queue: QueueDay, default: int = 8) -> float:
    """The average time with the doctor in this queue today (the last 20 seen), else `default`."""
    done = list(
        QueueToken.objects.filter(queue=queue, status=TokenStatus.DONE, started_at__isnull=False)
        .order_by("-finished_at")
        .values_list("started_at", "finished_at")[:20]
    )
    spans = [(end - start).total_seconds() / 60 for start, end in done if start and end]
    return sum(spans) / len(spans) if spans else float(default)


@dataclass(frozen=True)
class Position:
    ahead: int  # waiting tokens before this one
    rooms: int  # rooms serving the queue now
    wait_minutes: int


def token_position(*, token: QueueToken) -> Position | None:
    """How many are ahead and about how long the wait is (None once called or finished)."""
    if token.status != TokenStatus.WAITING:
        return None
    ahead = (
        QueueToken.objects.filter(queue_id=token.queue_id, status=TokenStatus.WAITING)
        .filter(Q(sort_at__lt=token.sort_at) | Q(sort_at=token.sort_at, number__lt=token.number))
        .count()
    )
    rooms = max(1, len(queue_serving(queue=token.queue)))
    minutes = consultation_minutes(queue=token.queue)
    return Position(ahead=ahead, rooms=rooms, wait_minutes=round((ahead + 1) * minutes / rooms))
