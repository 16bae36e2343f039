"""OPD slots and appointments: the places of a slot are kept per quota channel, and a booking
consumes one place with a conditional UPDATE guarded by a CHECK constraint."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.scheduling.choices import ACTIVE_STATUSES, AppointmentStatus, QuotaChannel


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
