from django.db import models
from django.utils.translation import gettext_lazy as _


class EncounterStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


class DiagnosisKind(models.TextChoices):
    PRIMARY = "primary", _("Main diagnosis")
    SECONDARY = "secondary", _("Other diagnosis")


class DiagnosisCertainty(models.TextChoices):
    PROVISIONAL = "provisional", _("Provisional")
    CONFIRMED = "confirmed", _("Confirmed")


class AllergySeverity(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class AllergyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RESOLVED = "resolved", _("No longer")
