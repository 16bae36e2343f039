"""The write paths of OPD booking (STYLE.md, scarce resources).

`appointment_book` is the only code that consumes slot places: one conditional
`UPDATE ... SET booked = booked + 1 WHERE booked < capacity AND is_open` and the INSERT of the
appointment, in one transaction. A full slot is refused by that UPDATE matching no row (no lock,
no write); the CHECK constraint on SlotQuota stops any other path that tried to overbook, and a
partial unique index keeps one active booking per patient, department and day.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.accounts.choices import Role
from hims.accounts.selectors import user_has_role_at
from hims.core.errors import (
    AccessDenied,
    Conflict,
    DomainError,
    NotFound,
    RateLimited,
    ValidationFailed,
)
from hims.lib.db import insert_unless_conflict, select_one
from hims.scheduling.choices import (
    ACTIVE_STATUSES,
    AppointmentEventKind,
    AppointmentStatus,
    QuotaChannel,
)
from hims.scheduling.models import (
    Appointment,
    AppointmentEvent,
    ScheduleBlock,
    ScheduleSession,
    Slot,
    SlotQuota,
)
from hims.scheduling.notices import appointment_notice
from hims.scheduling.selectors import slot_columns_sql, slot_from_row, slot_joins_sql

if TYPE_CHECKING:
    from hims.accounts.models import User
    from hims.patients.models import Patient

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a counter
SENIOR_AGE = 60
# Channels a patient may book online; counter and priority places are given by staff (priority
# online only to senior citizens: a disability certificate is checked at the counter).
PATIENT_CHANNELS = {QuotaChannel.ONLINE, QuotaChannel.FOLLOW_UP, QuotaChannel.PRIORITY}
OVERBOOK_ROLES = {Role.FACILITY_ADMIN, Role.NETWORK_ADMIN}


class SlotFull(Conflict):
    code = "slot_full"
    default_message = _("This time is fully booked. Please choose another time.")


class AlreadyBooked(Conflict):
    code = "already_booked"
    default_message = _("This patient already has a booking in this department on this day.")


class BookingClosed(Conflict):
    code = "booking_closed"
    default_message = _("Booking for this time has closed.")


class TooManyBookings(RateLimited):
    code = "too_many_bookings"
    default_message = _(
        "This mobile number already holds %(limit)s upcoming bookings. Cancel one to book another."
    )


def booking_reference_new() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _is_patient_actor(actor: User | None) -> bool:
    return actor is not None and getattr(actor, "is_patient", False)


def booking_rules_check(
    *, slot: Slot, patient: Patient, channel: str, actor: User | None, now: datetime
) -> None:
    """The rules a booking must meet before it may take a place (refusals change nothing)."""
    if slot.is_blocked:
        raise BookingClosed(_("There is no OPD at this time (leave or holiday)."))
    if channel not in QuotaChannel.values:
        raise ValidationFailed(_("Unknown booking channel."), field="channel")
    today = timezone.localdate(now)
    if slot.day > today + timedelta(days=settings.HIMS_BOOKING_OPENS_DAYS):
        raise BookingClosed(
            _("Booking opens %(days)s days ahead."),
            params={"days": settings.HIMS_BOOKING_OPENS_DAYS},
        )
    if _is_patient_actor(actor):
        if channel not in PATIENT_CHANNELS:
            raise AccessDenied(_("These places are given at the counter."))
        if channel == QuotaChannel.PRIORITY and patient.age_years < SENIOR_AGE:
            raise AccessDenied(
                _("Priority places online are for senior citizens; others ask at the counter.")
            )
        closes = slot.starts_at - timedelta(minutes=settings.HIMS_BOOKING_CLOSES_MINUTES)
        if now >= closes:
            raise BookingClosed(
                _(
                    "Online booking closes %(minutes)s minutes before the time; book at the counter."
                ),
                params={"minutes": settings.HIMS_BOOKING_CLOSES_MINUTES},
            )
    elif now >= slot.ends_at:
        raise BookingClosed(_("This time has passed."))
    if patient.merged_into_id:
        raise ValidationFailed(_("This record was merged into another; book for that one."))


def _take_place(*, slot_id: int, channel: str, overbook: bool) -> int | None:
    """The hot statement: take one place of the quota, returning its id, or None when full.

    Only the quota row's own columns are in the WHERE: PostgreSQL re-checks them on the row
    version it gets after waiting for a concurrent booking. A join there turns the filter into
    `id IN (subquery)`, whose old snapshot is not re-checked (our concurrency test caught it).
    """
    table = SlotQuota._meta.db_table
    if overbook:  # a deliberate extra place: capacity and booked move together
        sql = (
            f"UPDATE {table} SET capacity = capacity + 1, booked = booked + 1 "  # noqa: S608
            "WHERE slot_id = %s AND channel = %s AND is_open RETURNING id"
        )
    else:
        sql = (
            f"UPDATE {table} SET booked = booked + 1 "  # noqa: S608
            "WHERE slot_id = %s AND channel = %s AND booked < capacity AND is_open RETURNING id"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [slot_id, channel])
        row = cursor.fetchone()
    return row[0] if row else None


def appointment_book(
    *,
    slot: Slot,
    patient: Patient,
    channel: str = QuotaChannel.ONLINE,
    actor: User | None = None,
    overbook_reason: str = "",
    notify: bool = True,
    now: datetime | None = None,
) -> Appointment:
    """Book one place of the slot's quota for `channel`, or refuse (SlotFull, AlreadyBooked,
    BookingClosed, TooManyBookings, AccessDenied). `overbook_reason` (facility administrators
    only) adds a place beyond capacity, recorded with the reason."""
    now = now or timezone.now()
    booking_rules_check(slot=slot, patient=patient, channel=channel, actor=actor, now=now)
    overbook_reason = overbook_reason.strip()
    if overbook_reason and not (
        actor is not None
        and user_has_role_at(user=actor, facility_id=slot.facility_id, roles=OVERBOOK_ROLES)
    ):
        raise AccessDenied(_("Only a facility administrator may overbook."))
    # No savepoint (two statements saved on the hot path), and no refusal raised inside the
    # block: a refusal leaves nothing written (the place is given back when the patient turns
    # out to be booked already) and the caller's transaction usable, so a caller may go on to
    # try another slot. Any other error propagates and rolls back.
    with transaction.atomic(savepoint=False):
        outcome = _book_in_transaction(
            slot=slot,
            patient=patient,
            channel=channel,
            actor=actor,
            overbook_reason=overbook_reason,
            notify=notify,
            now=now,
        )
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


def _book_in_transaction(
    *,
    slot: Slot,
    patient: Patient,
    channel: str,
    actor: User | None,
    overbook_reason: str,
    notify: bool,
    now: datetime,
) -> Appointment | DomainError:
    if _is_patient_actor(actor):
        refused = _hoarding_check(actor=actor, today=timezone.localdate(now))  # type: ignore[arg-type]
        if refused:
            return refused
    overbook = bool(overbook_reason)
    quota_id = _take_place(slot_id=slot.pk, channel=channel, overbook=overbook)
    if quota_id is None:
        return SlotFull()
    appointment = _appointment_insert(
        slot=slot,
        quota_id=quota_id,
        patient=patient,
        actor=actor,
        now=now,
        overbook_reason=overbook_reason,
    )
    if appointment is None:
        _give_place_back(quota_id=quota_id, overbook=overbook)
        return AlreadyBooked()
    if overbook_reason:
        AppointmentEvent.objects.create(
            appointment=appointment,
            kind=AppointmentEventKind.OVERBOOKED,
            actor=actor,
            at=now,
            detail=overbook_reason[:300],
        )
    if notify:
        appointment_notice(appointment=appointment, template="appointment_booked")
    return appointment


def _appointment_insert(
    *,
    slot: Slot,
    quota_id: int,
    patient: Patient,
    actor: User | None,
    now: datetime,
    overbook_reason: str,
) -> Appointment | None:
    """INSERT the booking, or None when the patient already holds one in the department that day
    (the partial unique constraint: ON CONFLICT DO NOTHING, so the transaction stays usable)."""
    for _attempt in range(3):
        appointment = Appointment(
            reference=booking_reference_new(),
            slot=slot,
            quota_id=quota_id,
            patient=patient,
            department_id=slot.department_id,
            day=slot.day,
            booked_by=actor if actor is not None and actor.is_authenticated else None,
            booked_at=now,
            overbook_reason=overbook_reason[:200],
        )
        if insert_unless_conflict(appointment):
            return appointment
        if (
            Appointment.objects.filter(
                patient=patient, department_id=slot.department_id, day=slot.day
            )
            .filter(status__in=ACTIVE_STATUSES)
            .exists()
        ):
            return None
        # Otherwise the random reference was taken (about 1 in 10^12): draw another.
    raise Conflict(_("Could not give this booking a reference; try again."))


def _give_place_back(*, quota_id: int, overbook: bool) -> None:
    """Undo `_take_place` in the same transaction (the row is still locked by it)."""
    extra = ", capacity = capacity - 1" if overbook else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SlotQuota._meta.db_table} SET booked = booked - 1{extra} "  # noqa: S608
            "WHERE id = %s",
            [quota_id],
        )


def _hoarding_check(*, actor: User, today: date) -> TooManyBookings | None:
    """A patient login (one mobile, a family) holds at most HIMS_BOOKINGS_PER_MOBILE upcoming
    bookings. The login's row is locked so two simultaneous bookings cannot both pass. Returns
    the refusal (raised by the caller once out of its transaction block), or None."""
    from hims.accounts.models import User

    User.objects.select_for_update().filter(pk=actor.pk).first()
    limit = settings.HIMS_BOOKINGS_PER_MOBILE
    held = Appointment.objects.filter(
        booked_by=actor, status=AppointmentStatus.BOOKED, day__gte=today
    ).count()
    if held >= limit:
        return TooManyBookings(params={"limit": limit})
    return None


def appointment_cancel(
    *,
    appointment: Appointment,
    actor: User | None = None,
    reason: str = "",
    notify: bool = True,
) -> Appointment:
    """Cancel and give the place back at once; cancelling twice changes nothing."""
    now = timezone.now()
    if _is_patient_actor(actor) and appointment.slot.starts_at <= now:
        raise BookingClosed(_("This time has passed; it can no longer be cancelled online."))
    with transaction.atomic():
        cancelled = Appointment.objects.filter(
            pk=appointment.pk, status=AppointmentStatus.BOOKED
        ).update(status=AppointmentStatus.CANCELLED, cancelled_at=now, cancel_reason=reason[:200])
        if cancelled:
            SlotQuota.objects.filter(pk=appointment.quota_id, booked__gt=0).update(
                booked=F("booked") - 1
            )
            AppointmentEvent.objects.create(
                appointment=appointment,
                kind=AppointmentEventKind.CANCELLED,
                actor=actor if actor is not None and actor.is_authenticated else None,
                at=now,
                detail=reason[:300],
            )
            if notify:
                appointment.refresh_from_db()
                appointment_notice(appointment=appointment, template="appointment_cancelled")
    appointment.refresh_from_db()
    return appointment


def appointment_reschedule(
    *,
    appointment: Appointment,
    slot: Slot,
    actor: User | None = None,
    reason: str = "",
    notify: bool = True,
) -> Appointment:
    """Move a booking to another slot in one transaction: the old place is freed and the new one
    taken, or (when the new one is refused) nothing changes."""
    if appointment.status != AppointmentStatus.BOOKED:
        raise Conflict(_("Only a booked appointment can be moved."))
    if slot.pk == appointment.slot_id:
        return appointment
    if slot.department_id != appointment.department_id:
        raise ValidationFailed(
            _("A booking moves within its department; book the other department anew."),
            field="slot",
        )
    channel = appointment.quota.channel
    with transaction.atomic():
        appointment_cancel(appointment=appointment, actor=actor, reason=reason, notify=False)
        if appointment.status != AppointmentStatus.CANCELLED:
            raise Conflict(_("This booking changed meanwhile; reload and try again."))
        moved = appointment_book(
            slot=slot,
            patient=appointment.patient,
            channel=channel,
            actor=actor,
            notify=False,
        )
        # Whoever booked it still holds it (the per-mobile limit counts it for them).
        Appointment.objects.filter(pk=moved.pk).update(
            rescheduled_from=appointment, booked_by=appointment.booked_by_id
        )
        AppointmentEvent.objects.create(
            appointment=moved,
            kind=AppointmentEventKind.MOVED,
            actor=actor if actor is not None and actor.is_authenticated else None,
            detail=(reason or f"from {appointment.reference}")[:300],
        )
        if notify:
            moved.refresh_from_db()
            appointment_notice(
                appointment=moved, template="appointment_moved", previous=appointment
            )
    moved.refresh_from_db()
    return moved


def slot_get(*, slot_id: int) -> Slot:
    """The slot with its facility and department (and speciality: the department's name), as a
    booking and its SMS read them: one hand-written SELECT, this being the booking hot path."""
    sql = f"SELECT {slot_columns_sql()} FROM {slot_joins_sql()} WHERE s.id = %s"  # noqa: S608
    row = select_one(sql, [slot_id])
    if row is None:
        raise NotFound(_("No such slot."))
    return slot_from_row(row)[0]


# --- schedules ----------------------------------------------------------------------------------


def slots_generate(*, start: date, days: int) -> int:
    """Create the slots of every active session for `days` days from `start`; running it again
    creates nothing. Each session's missing slots are inserted together; if another generator
    inserted some meanwhile, the unique slot-time constraints refuse the batch and the slots are
    created one by one instead (each skipping what exists). Days under a leave or holiday block
    are created blocked."""
    created = 0
    end = start + timedelta(days=days)
    blocks = list(ScheduleBlock.objects.filter(last_day__gte=start, first_day__lte=end))
    sessions = ScheduleSession.objects.filter(is_active=True).select_related("department")
    for session in sessions:
        wanted = list(_session_slots(session=session, start=start, days=days, blocks=blocks))
        if not wanted:
            continue
        who: dict[str, object] = (
            {"practitioner_id": session.practitioner_id}
            if session.practitioner_id
            else {"practitioner__isnull": True}
        )
        existing = set(
            Slot.objects.filter(
                department_id=session.department_id,
                **who,
                starts_at__gte=wanted[0].starts_at,
                starts_at__lte=wanted[-1].starts_at,
            ).values_list("starts_at", flat=True)
        )
        missing = [slot for slot in wanted if slot.starts_at not in existing]
        if not missing:
            continue
        try:
            with transaction.atomic():
                Slot.objects.bulk_create(missing)
                SlotQuota.objects.bulk_create(
                    quota for slot in missing for quota in _slot_quotas(session, slot)
                )
            created += len(missing)
        except IntegrityError:
            for slot in missing:
                created += _slot_create(session=session, slot=slot)
    return created


def _session_slots(
    *, session: ScheduleSession, start: date, days: int, blocks: list[ScheduleBlock]
) -> Iterator[Slot]:
    zone = timezone.get_current_timezone()
    step = timedelta(minutes=session.slot_minutes)
    for offset in range(days):
        day = start + timedelta(days=offset)
        if str(day.weekday()) not in session.weekdays or day < session.valid_from:
            continue
        if session.valid_until and day > session.valid_until:
            continue
        blocked = any(_block_covers(b, session, day) for b in blocks)
        moment = datetime.combine(day, session.starts, tzinfo=zone)
        end_of_session = datetime.combine(day, session.ends, tzinfo=zone)
        while moment + step <= end_of_session:
            yield Slot(
                facility_id=session.department.facility_id,
                department_id=session.department_id,
                practitioner_id=session.practitioner_id,
                session=session,
                starts_at=moment,
                ends_at=moment + step,
                day=day,
                is_blocked=blocked,
            )
            moment += step


def _slot_quotas(session: ScheduleSession, slot: Slot) -> Iterator[SlotQuota]:
    for channel, places in session.places().items():
        if places or channel == QuotaChannel.COUNTER:  # released places go to the counter
            yield SlotQuota(
                slot=slot, channel=channel, capacity=places, is_open=not slot.is_blocked
            )


def _block_covers(block: ScheduleBlock, session: ScheduleSession, day: date) -> bool:
    if not block.first_day <= day <= block.last_day:
        return False
    if block.facility_id != session.department.facility_id:
        return False
    if block.department_id and block.department_id != session.department_id:
        return False
    return not (block.practitioner_id and block.practitioner_id != session.practitioner_id)


def _slot_create(*, session: ScheduleSession, slot: Slot) -> int:
    try:
        with transaction.atomic():
            slot.pk = None
            slot.save(force_insert=True)
            SlotQuota.objects.bulk_create(_slot_quotas(session, slot))
    except IntegrityError:
        return 0  # already generated
    return 1


def schedule_block(
    *,
    facility_id: int,
    first_day: date,
    last_day: date,
    reason: str,
    actor: User | None,
    department_id: int | None = None,
    practitioner_id: int | None = None,
    notify: bool = True,
) -> ScheduleBlock:
    """Record leave or a holiday and apply it: the slots it covers stop taking bookings, and
    each booking on them is moved to the first free place of the same department in the next
    week (same channel) or, when there is none, cancelled. Every patient is told which."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("Give a reason (for example: doctor on leave)."), field="reason")
    if last_day < first_day:
        raise ValidationFailed(_("The last day is before the first."), field="last_day")
    with transaction.atomic():
        block = ScheduleBlock.objects.create(
            facility_id=facility_id,
            department_id=department_id,
            practitioner_id=practitioner_id,
            first_day=first_day,
            last_day=last_day,
            reason=reason[:200],
            created_by=actor,
        )
        slots = Slot.objects.filter(facility_id=facility_id, day__gte=first_day, day__lte=last_day)
        if department_id:
            slots = slots.filter(department_id=department_id)
        if practitioner_id:
            slots = slots.filter(practitioner_id=practitioner_id)
        slot_ids = list(slots.values_list("pk", flat=True))
        # Closing the quotas first means no new booking lands while the old ones are moved.
        SlotQuota.objects.filter(slot_id__in=slot_ids).update(is_open=False)
        Slot.objects.filter(pk__in=slot_ids).update(is_blocked=True)
        affected = (
            Appointment.objects.filter(slot_id__in=slot_ids, status=AppointmentStatus.BOOKED)
            .select_related("slot", "quota", "patient")
            .order_by("slot__starts_at", "pk")
        )
        moved = cancelled = 0
        for appointment in affected:
            if _move_to_next_free(appointment=appointment, block=block, actor=actor, notify=notify):
                moved += 1
            else:
                appointment_cancel(
                    appointment=appointment,
                    actor=actor,
                    reason=str(_("OPD closed: %(reason)s") % {"reason": block.reason}),
                    notify=notify,
                )
                cancelled += 1
        ScheduleBlock.objects.filter(pk=block.pk).update(moved=moved, cancelled=cancelled)
    block.refresh_from_db()
    return block


def _move_to_next_free(
    *, appointment: Appointment, block: ScheduleBlock, actor: User | None, notify: bool
) -> bool:
    channel = appointment.quota.channel
    old = appointment.slot
    candidates = (
        Slot.objects.filter(
            department_id=old.department_id,
            day__gt=block.last_day,
            day__lte=block.last_day + timedelta(days=7),
            is_blocked=False,
            quotas__channel=channel,
            quotas__is_open=True,
            quotas__booked__lt=F("quotas__capacity"),
        )
        .filter(Q(practitioner_id=old.practitioner_id) | Q(practitioner__isnull=True))
        .order_by("starts_at")
    )
    for slot in candidates[:20]:
        try:
            with transaction.atomic():
                appointment_reschedule(
                    appointment=appointment,
                    slot=slot,
                    actor=None,  # staff rules (not a patient's): the clinic moved it
                    reason=str(_("OPD closed: %(reason)s") % {"reason": block.reason}),
                    notify=notify,
                )
            return True
        except (SlotFull, AlreadyBooked, BookingClosed):
            appointment.refresh_from_db()
            continue
    return False


def online_places_release(*, now: datetime | None = None) -> int:
    """Give the counter the online places still free HIMS-set minutes before their slot (the
    session's `online_release_minutes`). Each slot is released once; the online quota row is
    locked for the move, so a booking at the same moment either lands first or is refused."""
    now = now or timezone.now()
    released = 0
    due = (
        Slot.objects.filter(
            online_released_at__isnull=True,
            is_blocked=False,
            session__online_release_minutes__isnull=False,
            day__gte=timezone.localdate(now) - timedelta(days=1),
            day__lte=timezone.localdate(now) + timedelta(days=1),
            ends_at__gt=now,
        )
        .select_related("session")
        .order_by("starts_at")
    )
    for slot in due:
        assert slot.session is not None
        minutes = slot.session.online_release_minutes or 0
        if slot.starts_at - timedelta(minutes=minutes) > now:
            continue
        with transaction.atomic():
            online = (
                SlotQuota.objects.select_for_update()
                .filter(slot=slot, channel=QuotaChannel.ONLINE)
                .first()
            )
            freed = online.capacity - online.booked if online else 0
            if online and freed > 0:
                SlotQuota.objects.filter(pk=online.pk).update(capacity=F("booked"))
                counter, _created = SlotQuota.objects.get_or_create(
                    slot=slot, channel=QuotaChannel.COUNTER, defaults={"capacity": 0}
                )
                SlotQuota.objects.filter(pk=counter.pk).update(capacity=F("capacity") + freed)
                released += freed
            Slot.objects.filter(pk=slot.pk).update(online_released_at=now)
    return released
