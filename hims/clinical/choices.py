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


class Frequency(models.TextChoices):
    OD = "od", _("once a day")
    BD = "bd", _("twice a day")
    TDS = "tds", _("three times a day")
    QID = "qid", _("four times a day")
    HS = "hs", _("at bedtime")
    SOS = "sos", _("when needed")
    STAT = "stat", _("once, now")


class Timing(models.TextChoices):
    ANY = "any", _("any time")
    BEFORE_FOOD = "before_food", _("before food")
    AFTER_FOOD = "after_food", _("after food")
    EMPTY_STOMACH = "empty_stomach", _("on an empty stomach")


class Route(models.TextChoices):
    ORAL = "oral", _("by mouth")
    TOPICAL = "topical", _("on the skin")
    INHALED = "inhaled", _("inhaled")
    OTHER = "other", _("other")
