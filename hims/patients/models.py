"""The master patient index: one record per person for the whole network.

This is the core identity the platform needs (demo data, patient sign-in); the patients issue
extends it with history, duplicates, merge, search keys and ABDM intake.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.lib.identifiers import format_uhid, mask_abha_number, mask_mobile
from hims.network.choices import District, Gender


class Patient(models.Model):
    """A person known to the network, identified by UHID and, where they have one, ABHA."""

    uhid = models.CharField(_("UHID"), max_length=12, unique=True)
    abha_number = models.CharField(
        _("ABHA number"), max_length=14, unique=True, null=True, blank=True
    )
    abha_address = models.CharField(
        _("ABHA address"), max_length=64, unique=True, null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=200)
    name_hi = models.CharField(_("name in Hindi"), max_length=200, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    birth_date = models.DateField(_("date of birth"))
    birth_date_is_estimated = models.BooleanField(_("date of birth is approximate"), default=False)
    mobile = models.CharField(_("mobile"), max_length=10, blank=True, db_index=True)
    address_line = models.CharField(_("address"), max_length=300, blank=True)
    district = models.CharField(_("district"), max_length=20, choices=District.choices, blank=True)
    pincode = models.CharField(_("PIN code"), max_length=6, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=5,
        choices=[("hi", "हिन्दी"), ("en", "English")],
        default="hi",
    )
    registered_at = models.ForeignKey(
        "network.Facility",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered at"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        constraints = [
            models.CheckConstraint(
                condition=Q(uhid__regex=r"^DL[0-9]{10}$"), name="patient_uhid_format"
            ),
            models.CheckConstraint(
                condition=Q(abha_number__isnull=True) | Q(abha_number__regex=r"^[0-9]{14}$"),
                name="patient_abha_format",
            ),
            models.CheckConstraint(
                condition=Q(mobile="") | Q(mobile__regex=r"^[6-9][0-9]{9}$"),
                name="patient_mobile_format",
            ),
        ]

    def __str__(self) -> str:
        return self.uhid_display

    @property
    def uhid_display(self) -> str:
        return format_uhid(self.uhid)

    @property
    def abha_masked(self) -> str:
        return mask_abha_number(self.abha_number or "")

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def age_years(self) -> int:
        today = date.today()
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
