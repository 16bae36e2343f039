"""Consent and emergency-access codes. Consent statuses, purposes and health-information types
are ABDM's own codes (shared/reference/india-health.md), so a consent made here can be sent to
or received from the national consent manager unchanged."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsentStatus(models.TextChoices):
    REQUESTED = "REQUESTED", _("Waiting for the patient")
    GRANTED = "GRANTED", _("Granted")
    DENIED = "DENIED", _("Refused")
    EXPIRED = "EXPIRED", _("Expired")
    REVOKED = "REVOKED", _("Withdrawn")


class ConsentPurpose(models.TextChoices):
    CARE_MANAGEMENT = "CAREMGT", _("Treatment (care management)")
    PUBLIC_HEALTH = "PUBHLTH", _("Public health")
    PAYMENT = "HPAYMT", _("Payment for treatment")
    RESEARCH = "DSRCH", _("Disease-specific research")
    SELF_REQUESTED = "PATRQT", _("Asked for by the patient")


class HiType(models.TextChoices):
    """Health-information types: what a consent covers."""

    OP_CONSULTATION = "OPConsultation", _("OPD visits, diagnoses, vitals and allergies")
    PRESCRIPTION = "Prescription", _("Prescriptions")
    DIAGNOSTIC_REPORT = "DiagnosticReport", _("Test results")
    IMMUNIZATION = "ImmunizationRecord", _("Vaccinations")
    DISCHARGE_SUMMARY = "DischargeSummary", _("Discharge summaries")
    HEALTH_DOCUMENT = "HealthDocumentRecord", _("Other health documents")
    WELLNESS = "WellnessRecord", _("Wellness records")


# Which kind of record (the access log's resource type) falls under which health-information type.
HI_TYPE_OF: dict[str, str] = {
    "Encounter": HiType.OP_CONSULTATION,
    "Condition": HiType.OP_CONSULTATION,
    "Observation": HiType.OP_CONSULTATION,
    "AllergyIntolerance": HiType.OP_CONSULTATION,
    "MedicationRequest": HiType.PRESCRIPTION,
    "ServiceRequest": HiType.DIAGNOSTIC_REPORT,
    "DiagnosticReport": HiType.DIAGNOSTIC_REPORT,
    "Immunization": HiType.IMMUNIZATION,
    "DocumentReference": HiType.HEALTH_DOCUMENT,
}


class EmergencyReview(models.TextChoices):
    PENDING = "pending", _("Not reviewed yet")
    JUSTIFIED = "justified", _("Justified")
    UNJUSTIFIED = "unjustified", _("Not justified")
