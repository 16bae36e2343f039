"""The network registry: facilities, their departments, rooms and hours, and practitioners."""

from __future__ import annotations

from collections.abc import Collection

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hims.lib.identifiers import (
    format_14_digits,
    normalize_hfr_id,
    normalize_hpr_id,
    normalize_pincode,
)
from hims.network import choices


def _validate_hfr(value: str) -> None:
    normalize_hfr_id(value)


def _validate_hpr(value: str) -> None:
    normalize_hpr_id(value)


def _validate_pincode(value: str) -> None:
    normalize_pincode(value)


class BilingualName(models.Model):
    """A name in English and, optionally, Hindi; `display_name` picks the active language."""

    name = models.CharField(_("name (English)"), max_length=200)
    name_hi = models.CharField(_("name (Hindi)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        if (get_language() or "").startswith("hi") and self.name_hi:
            return self.name_hi
        return self.name


class FacilityQuerySet(models.QuerySet["Facility"]):
    def active(self) -> FacilityQuerySet:
        return self.filter(is_active=True)

    def live(self) -> FacilityQuerySet:
        return self.filter(is_active=True, rollout_status=choices.RolloutStatus.LIVE)


class Facility(BilingualName):
    """A place of care or a medicine store in the network: hospital, dispensary, Arogya Mandir..."""

    code = models.SlugField(_("short code"), max_length=40, unique=True)
    facility_type = models.CharField(_("type"), max_length=30, choices=choices.FacilityType.choices)
    hfr_id = models.CharField(
        _("HFR ID"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        validators=[_validate_hfr],
        help_text=_("Health Facility Registry ID: IN followed by 10 digits."),
    )
    address_line = models.CharField(_("address"), max_length=300)
    locality = models.CharField(_("locality"), max_length=120, blank=True)
    district = models.CharField(_("district"), max_length=20, choices=choices.District.choices)
    pincode = models.CharField(_("PIN code"), max_length=6, validators=[_validate_pincode])
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    rollout_phase = models.PositiveSmallIntegerField(_("rollout phase"), default=1)
    rollout_status = models.CharField(
        _("rollout status"),
        max_length=20,
        choices=choices.RolloutStatus.choices,
        default=choices.RolloutStatus.PLANNED,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hfr_id__isnull=True) | Q(hfr_id__regex=r"^IN[0-9]{10}$"),
                name="facility_hfr_id_format",
            ),
            models.CheckConstraint(
                condition=Q(pincode__regex=r"^[1-9][0-9]{5}$"), name="facility_pincode_format"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="facility_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="facility_longitude_range",
            ),
        ]
        indexes = [
            models.Index(fields=["district", "facility_type"]),
            models.Index(fields=["pincode"]),
        ]

    def clean(self) -> None:
        if self.hfr_id == "":
            self.hfr_id = None
        if self.hfr_id:
            self.hfr_id = normalize_hfr_id(self.hfr_id)


class FacilityHours(models.Model):
    """Opening hours of a facility for one weekday; several rows for split sessions."""

    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="hours", verbose_name=_("facility")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=choices.Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")), name="hours_close_after_open"
            ),
            models.UniqueConstraint(
                fields=["facility", "weekday", "opens"], name="hours_unique_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Speciality(BilingualName):
    """A network-wide OPD speciality (General Medicine, Paediatrics...), the master for departments."""

    code = models.SlugField(_("code"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("speciality")
        verbose_name_plural = _("specialities")
        ordering = ["name"]


class Department(models.Model):
    """An OPD department of one facility, for one speciality."""

    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="departments", verbose_name=_("facility")
    )
    speciality = models.ForeignKey(
        Speciality, on_delete=models.PROTECT, verbose_name=_("speciality")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["facility__name", "speciality__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "speciality"], name="department_unique_speciality"
            )
        ]

    def __str__(self) -> str:
        return f"{self.speciality.name}, {self.facility.name}"

    @property
    def display_name(self) -> str:
        return self.speciality.display_name


class Room(BilingualName):
    """A consultation room, counter or hall in a facility; queues and boards attach to rooms."""

    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("facility")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rooms",
        verbose_name=_("department"),
    )
    code = models.CharField(_("room number"), max_length=20)
    kind = models.CharField(_("kind"), max_length=20, choices=choices.RoomKind.choices)
    floor = models.CharField(_("floor"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("room or counter")
        verbose_name_plural = _("rooms and counters")
        ordering = ["facility__name", "code"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "code"], name="room_unique_code")
        ]

    def clean(self) -> None:
        if (
            self.department_id
            and self.department
            and self.department.facility_id != self.facility_id
        ):
            raise ValidationError({"department": _("The department belongs to another facility.")})


class Practitioner(BilingualName):
    """A doctor, nurse, pharmacist or health worker, identified network-wide by their HPR ID."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practitioner",
        verbose_name=_("login"),
    )
    gender = models.CharField(
        _("gender"), max_length=10, choices=choices.Gender.choices, blank=True
    )
    hpr_id = models.CharField(
        _("HPR ID"),
        max_length=14,
        unique=True,
        null=True,
        blank=True,
        validators=[_validate_hpr],
        help_text=_("Healthcare Professional Registry ID: 14 digits."),
    )
    qualification = models.CharField(_("qualification"), max_length=200, blank=True)
    registration_council = models.CharField(
        _("registration council"),
        max_length=10,
        choices=choices.PractitionerCouncil.choices,
        blank=True,
    )
    registration_number = models.CharField(_("registration number"), max_length=40, blank=True)
    speciality = models.ForeignKey(
        Speciality, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("speciality")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hpr_id__isnull=True) | Q(hpr_id__regex=r"^[0-9]{14}$"),
                name="practitioner_hpr_format",
            ),
            models.UniqueConstraint(
                fields=["registration_council", "registration_number"],
                condition=~Q(registration_number=""),
                name="practitioner_unique_registration",
            ),
        ]
        indexes = [models.Index(Lower("name"), name="practitioner_name_lower")]

    @property
    def hpr_id_display(self) -> str:
        return format_14_digits(self.hpr_id) if self.hpr_id else ""

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # Accept 71-1234-5678-9012 from forms: store the 14 digits (length is checked after).
        if self.hpr_id == "":
            self.hpr_id = None
        if self.hpr_id and "-" in self.hpr_id:
            self.hpr_id = self.hpr_id.replace("-", "").replace(" ", "")
        super().clean_fields(exclude=exclude)


class PractitionerRole(models.Model):
    """A practitioner's role at a facility (and department): where and as what they work."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="roles", verbose_name=_("practitioner")
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        related_name="practitioner_roles",
        verbose_name=_("facility"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="practitioner_roles",
        verbose_name=_("department"),
    )
    role = models.CharField(_("role"), max_length=20, choices=choices.PractitionerRoleCode.choices)
    is_active = models.BooleanField(_("active"), default=True)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("practitioner role")
        verbose_name_plural = _("practitioner roles")
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner", "facility", "department", "role"],
                condition=Q(department__isnull=False),
                name="practitioner_role_unique_in_department",
            ),
            models.UniqueConstraint(
                fields=["practitioner", "facility", "role"],
                condition=Q(department__isnull=True),
                name="practitioner_role_unique_in_facility",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="practitioner_role_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} - {self.get_role_display()} @ {self.facility}"

    def clean(self) -> None:
        if (
            self.department_id
            and self.department
            and self.department.facility_id != self.facility_id
        ):
            raise ValidationError({"department": _("The department belongs to another facility.")})
