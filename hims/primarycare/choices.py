from django.db import models
from django.utils.translation import gettext_lazy as _


class DueBasis(models.TextChoices):
    """What a dose's due age counts from."""

    BIRTH = "birth", _("Age from birth")
    PREGNANCY = "pregnancy", _("During pregnancy")


class PregnancyStatus(models.TextChoices):
    ONGOING = "ongoing", _("Ongoing")
    ENDED = "ended", _("Ended")


class PregnancyOutcome(models.TextChoices):
    LIVE_BIRTH = "live_birth", _("Live birth")
    STILLBIRTH = "stillbirth", _("Stillbirth")
    MISCARRIAGE = "miscarriage", _("Miscarriage")
    ABORTION = "abortion", _("Abortion (MTP)")
    ENTERED_IN_ERROR = "entered_in_error", _("Registered by mistake")


class DoseState(models.TextChoices):
    """Where a dose of the schedule stands for one patient on one day."""

    DUE = "due", _("Due now")
    OVERDUE = "overdue", _("Overdue")
    UPCOMING = "upcoming", _("Next doses")
