"""OPD slots and appointments: the places of a slot are kept per quota channel, and a booking
consumes one place with a conditional UPDATE guarded by a CHECK constraint."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.scheduling.choices import (
    ACTIVE_STATUSES,
    OPEN_TOKEN_STATUSES,
    AppointmentEventKind,
    AppointmentStatus,
    QuotaChannel,
    TokenCategory,
    TokenStatus,
)


class ScheduleSession(models.Model):
    """A weekly OPD session of a department (optionally one practitioner): e.g. Mon-Sat
    09:00-13:00 in 10-minute slots, with places per slot kept per channel."""

    department = models.ForeignKey(
        "network.Department", on_delete=models.CASCADE, related_name="sessions"
    )
    practitioner = models.ForeignKey(
        "network.Practitioner",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sessions",
    )
    weekdays = models.CharField(
        _("weekdays"),
        max_length=7,
        default="012345",
        help_text=_(
            "Days the session runs: 0 is Monday, 6 is Sunday; e.g. 012345 for Monday to Saturday."
        ),
    )
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=10)
    online_places = models.PositiveSmallIntegerField(_("online places per slot"), default=2)
    counter_places = models.PositiveSmallIntegerField(_("counter places per slot"), default=1)
    priority_places = models.PositiveSmallIntegerField(_("priority places per slot"), default=0)
    follow_up_places = models.PositiveSmallIntegerField(_("follow-up places per slot"), default=0)
    fee = models.DecimalField(
        _("OPD fee (₹)"),
        max_digits=7,
        decimal_places=2,
        default=0,
        help_text=_(
            "Charged at the counter; senior citizens, children under 5 and persons with "
            "disabilities are exempt."
        ),
    )
    online_release_minutes = models.PositiveSmallIntegerField(
        _("release unused online places (minutes before the session)"),
        null=True,
        blank=True,
        help_text=_(
            "Online places still free this long before the session starts go to the "
            "counter. Empty: never released."
        ),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("OPD session")
        verbose_name_plural = _("OPD sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=F("starts")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=2, slot_minutes__lte=240), name="session_slot_length"
            ),
            models.CheckConstraint(
                condition=Q(weekdays__regex=r"^[0-6]{1,7}$"), name="session_weekdays_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.starts:%H:%M}-{self.ends:%H:%M}"

    def places(self) -> dict[str, int]:
        return {
            QuotaChannel.ONLINE: self.online_places,
            QuotaChannel.COUNTER: self.counter_places,
            QuotaChannel.PRIORITY: self.priority_places,
            QuotaChannel.FOLLOW_UP: self.follow_up_places,
        }


class Slot(models.Model):
    """A time at which a department (and optionally one practitioner) sees patients."""

    facility = models.ForeignKey("network.Facility", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "network.Department", on_delete=models.PROTECT, related_name="slots"
    )
    practitioner = models.ForeignKey(
        "network.Practitioner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="slots",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    day = models.DateField(_("day"))  # local date of starts_at, for per-day rules and indexes
    is_blocked = models.BooleanField(_("blocked (leave, holiday)"), default=False)
    session = models.ForeignKey(
        ScheduleSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="slots"
    )
    online_released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("slot")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["department", "practitioner", "starts_at"],
                name="slot_unique_time",
                condition=Q(practitioner__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["department", "starts_at"],
                name="slot_unique_department_time",
                condition=Q(practitioner__isnull=True),
            ),
        ]
        indexes = [models.Index(fields=["department", "day"], name="slot_department_day")]

    def __str__(self) -> str:
        return f"{self.department_id} {self.starts_at:%Y-%m-%d %H:%M}"


class SlotQuota(models.Model):
    """The places of one slot kept for one channel. `booked` never exceeds `capacity`: the
    database refuses it (CHECK), and booking increments it only WHERE booked < capacity."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="quotas")
    channel = models.CharField(_("channel"), max_length=10, choices=QuotaChannel.choices)
    capacity = models.PositiveSmallIntegerField(_("places"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)
    # Closed by a leave or holiday block: bookings are refused by the same conditional UPDATE.
    is_open = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("slot quota")
        constraints = [
            models.UniqueConstraint(fields=["slot", "channel"], name="quota_unique_channel"),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="quota_never_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.booked}/{self.capacity}"


class Appointment(models.Model):
    """A patient's booking of a slot place. One active booking per patient, department and day."""

    reference = models.CharField(_("booking reference"), max_length=12, unique=True)
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    quota = models.ForeignKey(SlotQuota, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    department = models.ForeignKey("network.Department", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    booked_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    booked_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    # A deliberate overbooking by a facility administrator: the place was added for it.
    overbook_reason = models.CharField(_("reason for overbooking"), max_length=200, blank=True)
    rescheduled_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="rescheduled_to"
    )

    class Meta:
        verbose_name = _("appointment")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "department", "day"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="appointment_one_active_per_department_day",
            ),
        ]
        indexes = [models.Index(fields=["slot", "status"], name="appointment_slot_status")]

    def __str__(self) -> str:
        return self.reference


class ScheduleBlock(models.Model):
    """Leave or a holiday: no OPD for a department (or one practitioner) over some days. Its
    bookings are moved to the next free place or cancelled, each patient told."""

    facility = models.ForeignKey("network.Facility", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "network.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    practitioner = models.ForeignKey(
        "network.Practitioner", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    moved = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("leave or holiday")
        verbose_name_plural = _("leave and holidays")
        ordering = ["-first_day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")), name="block_days_in_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_day}-{self.last_day} {self.reason}"


class AppointmentEvent(models.Model):
    """What happened to a booking, by whom: booked, overbooked, moved, cancelled, checked in."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=AppointmentEventKind.choices)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.kind}"


class QueueDay(models.Model):
    """One queue on one day: a department's OPD, or the facility's registration counter
    (department empty). Holds the token counter (advanced in the transaction that writes the
    token, so numbers are gap-free) and a version every change bumps, which boards watch."""

    facility = models.ForeignKey("network.Facility", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "network.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "department", "day"],
                condition=Q(department__isnull=False),
                name="queue_day_unique",
            ),
            models.UniqueConstraint(
                fields=["facility", "day"],
                condition=Q(department__isnull=True),
                name="queue_day_unique_registration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id}/{self.department_id or 'registration'} {self.day}"


class QueueToken(models.Model):
    """A patient's place in a queue today. Called in `sort_at` order (STYLE: the rule is in
    `hims.scheduling.queues`)."""

    queue = models.ForeignKey(QueueDay, on_delete=models.PROTECT, related_name="tokens")
    number = models.PositiveIntegerField()
    category = models.CharField(max_length=12, choices=TokenCategory.choices)
    label = models.CharField(_("token"), max_length=12)  # prefix and number, e.g. S-014
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="tokens"
    )
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="token"
    )
    status = models.CharField(
        max_length=12, choices=TokenStatus.choices, default=TokenStatus.WAITING
    )
    sort_at = models.DateTimeField()
    room = models.ForeignKey(
        "network.Room", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    called_at = models.DateTimeField(null=True, blank=True)
    call_count = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    transferred_to = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="transferred_from"
    )

    class Meta:
        verbose_name = _("queue token")
        constraints = [
            models.UniqueConstraint(fields=["queue", "number"], name="token_unique_number"),
            models.UniqueConstraint(
                fields=["queue", "patient"],
                condition=Q(status__in=OPEN_TOKEN_STATUSES),
                name="token_one_open_per_patient",
            ),
        ]
        indexes = [
            models.Index(fields=["queue", "status", "sort_at"], name="token_queue_order"),
        ]

    def __str__(self) -> str:
        return self.label
