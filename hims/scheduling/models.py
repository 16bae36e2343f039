"""OPD slots and appointments: the places of a slot are kept per quota channel, and a booking
consumes one place with a conditional UPDATE guarded by a CHECK constraint."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.scheduling.choices import ACTIVE_STATUSES, AppointmentStatus, QuotaChannel


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
