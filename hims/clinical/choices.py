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


class LabOrderStatus(models.TextChoices):
    """Where a lab order is: ordered, sample taken, values entered, signed off (final)."""

    ORDERED = "ordered", _("Ordered")
    COLLECTED = "collected", _("Sample collected")
    RESULTED = "resulted", _("Results entered")
    SIGNED = "signed", _("Signed off")
    CANCELLED = "cancelled", _("Cancelled")


class LabValueKind(models.TextChoices):
    NUMERIC = "numeric", _("Number")
    TEXT = "text", _("Text")


class LabFlag(models.TextChoices):
    """How a result compares with its reference range: HL7 ObservationInterpretation codes."""

    NORMAL = "N", _("normal")
    LOW = "L", _("low")
    HIGH = "H", _("high")
    CRITICAL_LOW = "LL", _("critically low")
    CRITICAL_HIGH = "HH", _("critically high")
    ABNORMAL = "A", _("abnormal")


class Specimen(models.TextChoices):
    EDTA_BLOOD = "edta_blood", _("Blood, EDTA tube (purple cap)")
    SERUM = "serum", _("Blood, plain tube (red or yellow cap)")
    FLUORIDE_PLASMA = "fluoride_plasma", _("Blood, fluoride tube (grey cap)")
    URINE = "urine", _("Urine, clean midstream sample")


class ReferralKind(models.TextChoices):
    FOLLOW_UP = "follow_up", _("Follow-up visit")
    REFERRAL = "referral", _("Referral")


class ReferralUrgency(models.TextChoices):
    """FHIR request-priority codes."""

    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")


class ReferralStatus(models.TextChoices):
    OPEN = "open", _("Not booked yet")
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
