from django.db import models
from django.utils.translation import gettext_lazy as _


class QuotaChannel(models.TextChoices):
    """Who a share of a slot's places is kept for."""

    ONLINE = "online", _("Online booking")
    COUNTER = "counter", _("Counter and walk-in")
    PRIORITY = "priority", _("Senior citizens and persons with disabilities")
    FOLLOW_UP = "follow_up", _("Follow-up")


class AppointmentStatus(models.TextChoices):
    """FHIR appointmentstatus codes."""

    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    FULFILLED = "fulfilled", _("Seen")
    CANCELLED = "cancelled", _("Cancelled")
    NOSHOW = "noshow", _("Did not come")


ACTIVE_STATUSES = [AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED]
