from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    READ = "read", _("Viewed")
    SEARCH = "search", _("Searched")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    EXPORT = "export", _("Exported")
    PRINT = "print", _("Printed")
    MERGE = "merge", _("Merged")


class AccessOutcome(models.TextChoices):
    ALLOWED = "allowed", _("Allowed")
    DENIED = "denied", _("Refused")


class AccessBasis(models.TextChoices):
    """Why access was allowed (shared/DESIGN.md section 5)."""

    SELF = "self", _("The patient themself")
    TREATING = "treating", _("Treating facility")
    CONSENT = "consent", _("Consent given by the patient")
    BREAK_GLASS = "break_glass", _("Emergency access (break the glass)")
    ADMINISTRATION = "administration", _("Registration and administration")
    NONE = "none", _("No basis")
