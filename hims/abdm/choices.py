from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsentStatus(models.TextChoices):
    """Consent artefact status as the ABDM consent manager notifies it (REQUESTED never
    reaches a HIP)."""

    GRANTED = "GRANTED", _("Granted")
    REVOKED = "REVOKED", _("Revoked")
    EXPIRED = "EXPIRED", _("Expired")
    DENIED = "DENIED", _("Denied")


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    TRANSFERRED = "transferred", _("Transferred")
    FAILED = "failed", _("Failed")


# ABDM health-information types (shared/reference/india-health.md).
HI_TYPES = (
    "OPConsultation",
    "Prescription",
    "DischargeSummary",
    "DiagnosticReport",
    "ImmunizationRecord",
    "HealthDocumentRecord",
    "WellnessRecord",
    "Invoice",
)
PURPOSES = ("CAREMGT", "BTG", "PUBHLTH", "HPAYMT", "DSRCH", "PATRQT")
