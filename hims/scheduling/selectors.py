"""Reads for the booking pages, the counter, the worklist and the boards."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Min, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from hims.core.errors import NotFound
from hims.core.models import IdempotencyKey
from hims.lib.db import columns, instances, select_one
from hims.network.choices import FacilityType
from hims.network.models import Department, Facility, Speciality
from hims.scheduling.choices import AppointmentStatus, QuotaChannel, TokenStatus
from hims.scheduling.models import Appointment, QueueDay, QueueToken, Slot, SlotQuota

if TYPE_CHECKING:
    from hims.accounts.models import User
    from hims.patients.models import Patient


def booking_window(today: date | None = None) -> list[date]:
    today = today or timezone.localdate()
    return [today + timedelta(days=i) for i in range(settings.HIMS_BOOKING_OPENS_DAYS + 1)]


def _free_online() -> Q:
    return Q(
        quotas__channel=QuotaChannel.ONLINE,
        quotas__is_open=True,
        quotas__booked__lt=F("quotas__capacity"),
    )


def _bookable_slots() -> QuerySet[Slot]:
    """Slots still open to online booking (not blocked, not closing, within the window)."""
    closes = timezone.now() + timedelta(minutes=settings.HIMS_BOOKING_CLOSES_MINUTES)
    last_day = timezone.localdate() + timedelta(days=settings.HIMS_BOOKING_OPENS_DAYS)
    return Slot.objects.filter(is_blocked=False, starts_at__gt=closes, day__lte=last_day)


FACILITY_ORDER = [
    FacilityType.HOSPITAL,
    FacilityType.POLYCLINIC,
    FacilityType.DISPENSARY,
    FacilityType.MOHALLA_CLINIC,
    FacilityType.AROGYA_MANDIR,
]


@dataclass
class FacilityChoice:
    facility: Facility
    distance_km: float | None
    wait_minutes: int | None  # about how long the OPD queues there are today
    departments: int


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def facility_list_for_booking(
    *, latitude: float | None = None, longitude: float | None = None, district: str = ""
) -> list[FacilityChoice]:
    """Facilities with online booking open (an OPD with a free place ahead), nearest first when
    the phone gave its location, with today's waiting time."""
    free = _bookable_slots().filter(_free_online())
    facilities = (
        Facility.objects.active()
        .filter(pk__in=free.values("facility_id"))
        .annotate(departments_open=Count("departments", filter=Q(departments__is_active=True)))
    )
    if district:
        facilities = facilities.filter(district=district)
    waits = _waiting_minutes_by_facility(day=timezone.localdate())
    choices = []
    for facility in facilities:
        distance = None
        if latitude is not None and longitude is not None and facility.latitude is not None:
            distance = _distance_km(
                latitude, longitude, float(facility.latitude), float(facility.longitude or 0)
            )
        choices.append(
            FacilityChoice(
                facility=facility,
                distance_km=distance,
                wait_minutes=waits.get(facility.pk),
                departments=facility.departments_open,  # type: ignore[attr-defined]
            )
        )
    # Nearest first; without a location, hospitals before clinics, then by name.
    rank: dict[str, int] = {str(kind): index for index, kind in enumerate(FACILITY_ORDER)}
    choices.sort(
        key=lambda c: (
            c.distance_km is None,
            c.distance_km or 0,
            rank.get(c.facility.facility_type, len(rank)),
            c.facility.name.lower(),
        )
    )
    return choices


def _waiting_minutes_by_facility(*, day: date, minutes_each: int = 8) -> dict[int, int]:
    """Waiting tokens in the busiest OPD queue of each facility today, times a usual
    consultation (a rough figure for choosing where to go; the patient's own page is exact)."""
    rows = (
        QueueToken.objects.filter(queue__day=day, status=TokenStatus.WAITING)
        .values("queue__facility_id", "queue_id")
        .annotate(waiting=Count("pk"))
    )
    busiest: dict[int, int] = {}
    for row in rows:
        facility_id = row["queue__facility_id"]
        busiest[facility_id] = max(busiest.get(facility_id, 0), row["waiting"])
    return {k: v * minutes_each for k, v in busiest.items()}


@dataclass
class DepartmentChoice:
    department: Department
    next_day: date | None
    free_places: int


def department_list_for_booking(*, facility: Facility) -> list[DepartmentChoice]:
    """A facility's OPD departments with the next day that has a free online place."""
    free = (
        _bookable_slots()
        .filter(facility=facility)
        .filter(_free_online())
        .values("department_id")
        .annotate(next_day=Min("day"), places=Sum(F("quotas__capacity") - F("quotas__booked")))
    )
    by_department = {row["department_id"]: row for row in free}
    departments = (
        Department.objects.filter(facility=facility, is_active=True)
        .select_related("speciality")
        .order_by("speciality__name")
    )
    return [
        DepartmentChoice(
            department=d,
            next_day=by_department.get(d.pk, {}).get("next_day"),
            free_places=by_department.get(d.pk, {}).get("places") or 0,
        )
        for d in departments
        if d.pk in by_department
    ]


def department_for_booking(*, department_id: int) -> Department:
    department = (
        Department.objects.select_related("facility", "speciality")
        .filter(pk=department_id, is_active=True, facility__is_active=True)
        .first()
    )
    if department is None:
        raise NotFound()
    return department


@dataclass
class DayChoice:
    day: date
    free_places: int


def day_list_for_booking(*, department: Department) -> list[DayChoice]:
    rows = (
        _bookable_slots()
        .filter(department=department)
        .filter(_free_online())
        .values("day")
        .annotate(places=Sum(F("quotas__capacity") - F("quotas__booked")))
        .order_by("day")
    )
    return [DayChoice(day=row["day"], free_places=row["places"]) for row in rows]


@dataclass
class SlotChoice:
    slot: Slot
    online_free: int
    priority_free: int


@dataclass
class PractitionerSlots:
    name: str
    slots: list[SlotChoice] = field(default_factory=list)


def slot_list_for_booking(*, department: Department, day: date) -> list[PractitionerSlots]:
    """The day's open slots with their free places, grouped by doctor (one query)."""
    slots = (
        _bookable_slots()
        .filter(department=department, day=day)
        .select_related("practitioner")
        .prefetch_related(Prefetch("quotas", queryset=SlotQuota.objects.filter(is_open=True)))
        .order_by("starts_at")
    )
    groups: dict[int | None, PractitionerSlots] = {}
    for slot in slots:
        places = {q.channel: q.capacity - q.booked for q in slot.quotas.all()}
        online = places.get(QuotaChannel.ONLINE, 0)
        priority = places.get(QuotaChannel.PRIORITY, 0)
        if not online and not priority:
            continue
        name = slot.practitioner.name if slot.practitioner else ""
        group = groups.setdefault(slot.practitioner_id, PractitionerSlots(name=name))
        group.slots.append(SlotChoice(slot=slot, online_free=online, priority_free=priority))
    return list(groups.values())


def slot_for_booking(*, slot_id: int) -> Slot:
    slot = (
        Slot.objects.select_related("facility", "department__speciality", "practitioner", "session")
        .filter(pk=slot_id)
        .first()
    )
    if slot is None:
        raise NotFound()
    return slot


# The slot as a booking and its SMS read it, with its facility and department (and speciality:
# the department's name), in hand-written SQL: the booking hot path.
def slot_columns_sql() -> str:
    return (
        f"{columns(Slot, 's')}, {columns(Facility, 'f')}, {columns(Department, 'd')}, "
        f"{columns(Speciality, 'sp')}"
    )


def slot_joins_sql() -> str:
    return (
        f"{Slot._meta.db_table} s JOIN {Facility._meta.db_table} f ON f.id = s.facility_id "
        f"JOIN {Department._meta.db_table} d ON d.id = s.department_id "
        f"JOIN {Speciality._meta.db_table} sp ON sp.id = d.speciality_id"
    )


def slot_from_row(row: Sequence[Any]) -> tuple[Slot, Sequence[Any]]:
    """The slot built from a row that starts with slot_columns_sql(), and the rest of the row."""
    width = sum(len(m._meta.concrete_fields) for m in (Slot, Facility, Department, Speciality))
    slot, facility, department, speciality = instances(
        row[:width], Slot, Facility, Department, Speciality
    )
    assert isinstance(slot, Slot) and isinstance(department, Department)
    department.speciality = speciality  # type: ignore[assignment]
    slot.facility = facility  # type: ignore[assignment]
    slot.department = department
    return slot, row[width:]


class BookingRead:
    """What a booking over the API reads before it acts, in one statement (`booking_read`). The
    slot and the patient are built from the row only when asked for: a refusal needs neither."""

    def __init__(self, row: Sequence[Any] | None) -> None:
        self._row = row

    @property
    def surely_full(self) -> bool:
        """Refuse at once: see booking_read."""
        return self._row is not None and bool(self._row[0])

    @property
    def facility_id(self) -> int | None:
        return None if self._row is None else int(self._row[1])

    @functools.cached_property
    def _built(self) -> tuple[Slot | None, Patient | None]:
        from hims.patients.models import Patient

        if self._row is None:
            return None, None
        slot, rest = slot_from_row(self._row[2:])
        (patient,) = instances(rest, Patient)
        assert patient is None or isinstance(patient, Patient)
        return slot, patient

    @property
    def slot(self) -> Slot | None:
        """With its facility and department (and speciality), as slot_get reads it."""
        return self._built[0]

    @property
    def patient(self) -> Patient | None:
        """The record with the UHID asked for."""
        return self._built[1]


def booking_read(
    *, slot_id: int, channel: str, uhid: str, user_id: int, key: str, now: datetime | None = None
) -> BookingRead:
    """The slot, the patient and whether the booking would surely be refused as full, in one
    SELECT without a lock or a write: a rush, mostly refusals, is refused after this one read
    (DESIGN.md section 9), and a booking needs no other read before it takes its place.

    Only the plain case is "surely full": a bookable slot (not blocked, not ended, within the
    booking window) whose open quota has no free place, and an Idempotency-Key (`key`, "" for
    none) this user has not sent before. A blocked or past slot, a closed quota, a missing slot
    and a key already answered go the usual way, to get their own answer (or the first one
    replayed). A copy of a request still in flight is not seen here: if the first copy takes the
    last place, a second copy sent meanwhile is told the slot is full; any retry after the first
    answered gets that answer again."""
    from hims.patients.models import Patient

    now = now or timezone.now()
    last_day = timezone.localdate(now) + timedelta(days=settings.HIMS_BOOKING_OPENS_DAYS)
    row = select_one(
        "SELECT CASE WHEN NOT s.is_blocked AND s.ends_at > %s AND s.day <= %s "  # noqa: S608 (model tables)
        "AND q.is_open AND q.booked >= q.capacity AND NOT EXISTS "
        f"(SELECT 1 FROM {IdempotencyKey._meta.db_table} k WHERE k.user_id = %s AND k.key = %s) "
        f"THEN 1 ELSE 0 END, s.facility_id, {slot_columns_sql()}, {columns(Patient, 'p')} "
        f"FROM {slot_joins_sql()} "
        f"LEFT JOIN {SlotQuota._meta.db_table} q ON q.slot_id = s.id AND q.channel = %s "
        f"LEFT JOIN {Patient._meta.db_table} p ON p.uhid = %s "
        "WHERE s.id = %s",
        [
            connection.ops.adapt_datetimefield_value(now),
            connection.ops.adapt_datefield_value(last_day),
            user_id,
            key,
            channel,
            uhid.strip().upper(),
            slot_id,
        ],
    )
    return BookingRead(row)


def family_for_login(*, user: User) -> list[Patient]:
    """The patients registered with a patient login's mobile (a family)."""
    from hims.patients.models import Patient

    if not user.mobile:
        return []
    return list(Patient.objects.active().filter(mobile=user.mobile).order_by("birth_date"))


def appointment_list_for_login(*, user: User) -> list[Appointment]:
    """Every booking of the login's family, newest day first."""
    if not user.mobile:
        return []
    return list(
        Appointment.objects.filter(patient__mobile=user.mobile)
        .select_related(
            "patient", "slot__facility", "slot__department__speciality", "slot__practitioner"
        )
        .select_related("token")
        .order_by("-day", "slot__starts_at")[:100]
    )


def appointment_for_login(*, user: User, reference: str) -> Appointment:
    """One booking of the login's family (anything else: not found, so references cannot be
    probed)."""
    appointment = (
        Appointment.objects.filter(reference=reference.upper(), patient__mobile=user.mobile)
        .select_related(
            "patient",
            "quota",
            "slot__facility",
            "slot__department__speciality",
            "slot__practitioner",
        )
        .first()
        if user.mobile
        else None
    )
    if appointment is None:
        raise NotFound()
    return appointment


def appointment_token(appointment: Appointment) -> QueueToken | None:
    return QueueToken.objects.filter(appointment=appointment).select_related("room").first()


def appointments_today_for_facility(
    *, facility: Facility, department_id: int | None = None, day: date | None = None
) -> list[Appointment]:
    """The counter's list: today's bookings still to arrive, and those checked in."""
    day = day or timezone.localdate()
    rows = Appointment.objects.filter(
        slot__facility=facility,
        day=day,
        status__in=[AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED],
    )
    if department_id:
        rows = rows.filter(department_id=department_id)
    return list(
        rows.select_related("patient", "slot__department__speciality", "token").order_by(
            "slot__starts_at", "pk"
        )[:300]
    )


def queue_for_department(*, department: Department, day: date | None = None) -> QueueDay:
    from hims.scheduling.queues import queue_day_for

    return queue_day_for(
        facility_id=department.facility_id,
        department_id=department.pk,
        day=day or timezone.localdate(),
    )


def queue_version(*, queue_id: int) -> int:
    return QueueDay.objects.filter(pk=queue_id).values_list("version", flat=True).first() or 0
