"""Users (staff and patients), staff role memberships, patient OTPs and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.accounts.choices import NETWORK_ROLES, Role, UserKind


class User(AbstractUser):
    """A person who signs in: staff by username and password, patients by mobile and OTP.

    A patient user is keyed by mobile number; one mobile may later link to several patient
    records (a family), which the patients app holds.
    """

    kind = models.CharField(
        _("kind"), max_length=10, choices=UserKind.choices, default=UserKind.STAFF
    )
    mobile = models.CharField(_("mobile"), max_length=10, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=5,
        choices=[("en", "English"), ("hi", "हिन्दी")],
        blank=True,
    )
    failed_logins = models.PositiveSmallIntegerField(_("failed logins in a row"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["mobile"], condition=Q(kind="patient"), name="user_unique_patient_mobile"
            ),
            models.CheckConstraint(
                condition=~Q(kind="patient") | Q(mobile__regex=r"^[6-9][0-9]{9}$"),
                name="user_patient_has_mobile",
            ),
        ]

    @property
    def is_patient(self) -> bool:
        return self.kind == UserKind.PATIENT

    @property
    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > timezone.now())


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(is_active=True)


class Membership(models.Model):
    """A staff role held by a user at a facility (and optionally one department)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    facility = models.ForeignKey(
        "network.Facility",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("facility"),
    )
    department = models.ForeignKey(
        "network.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("department"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "facility", "role"],
                condition=Q(facility__isnull=False),
                name="membership_unique_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(facility__isnull=True),
                name="membership_unique_network_role",
            ),
            # Network-wide roles are held without a facility, every other role at one.
            models.CheckConstraint(
                condition=(Q(facility__isnull=True) & Q(role__in=sorted(NETWORK_ROLES)))
                | (Q(facility__isnull=False) & ~Q(role__in=sorted(NETWORK_ROLES))),
                name="membership_facility_matches_role",
            ),
        ]

    def __str__(self) -> str:
        where = self.facility.name if self.facility_id and self.facility else _("whole network")
        return f"{self.user} - {self.get_role_display()} ({where})"


class OneTimePassword(models.Model):
    """A patient sign-in code: stored hashed, expires, single use, limited attempts."""

    mobile = models.CharField(_("mobile"), max_length=10, db_index=True)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("one-time password")
        verbose_name_plural = _("one-time passwords")
        indexes = [models.Index(fields=["client_ip", "created_at"])]

    def __str__(self) -> str:
        return f"OTP #{self.pk}"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the secret is shown once."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class LoginAttempt(models.Model):
    """One failed staff sign-in, by address: the per-IP throttle counts these rows."""

    client_ip = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["client_ip", "at"])]

    def __str__(self) -> str:
        return f"failed sign-in at {self.at:%Y-%m-%d %H:%M}"
