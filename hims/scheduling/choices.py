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


class AppointmentEventKind(models.TextChoices):
    BOOKED = "booked", _("Booked")
    OVERBOOKED = "overbooked", _("Overbooked")
    CANCELLED = "cancelled", _("Cancelled")
    MOVED = "moved", _("Moved")
    CHECKED_IN = "checked_in", _("Checked in")
    NO_SHOW = "no_show", _("Did not come")
    SEEN = "seen", _("Seen")


class TokenCategory(models.TextChoices):
    """Shown as the token's prefix: B-012 booked, W-013 walk-in, S-014 senior citizen or person
    with disability, F-015 follow-up, R-016 registration counter."""

    BOOKED = "booked", _("Booked")
    WALK_IN = "walk_in", _("Walk-in")
    PRIORITY = "priority", _("Senior citizen or person with disability")
    FOLLOW_UP = "follow_up", _("Follow-up")
    REGISTRATION = "registration", _("Registration")


TOKEN_PREFIX = {
    TokenCategory.BOOKED: "B",
    TokenCategory.WALK_IN: "W",
    TokenCategory.PRIORITY: "S",
    TokenCategory.FOLLOW_UP: "F",
    TokenCategory.REGISTRATION: "R",
}


class TokenStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    IN_CONSULTATION = "in_room", _("With the doctor")
    DONE = "done", _("Done")
    NO_SHOW = "no_show", _("Did not come")
    TRANSFERRED = "transferred", _("Sent to another department")


OPEN_TOKEN_STATUSES = [TokenStatus.WAITING, TokenStatus.CALLED, TokenStatus.IN_CONSULTATION]
