from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Staff roles. A role is held at a facility (network-wide roles have no facility)."""

    NETWORK_ADMIN = "network_admin", _("Network administrator")
    FACILITY_ADMIN = "facility_admin", _("Facility administrator")
    DOCTOR = "doctor", _("Doctor")
    NURSE = "nurse", _("Nurse")
    CLERK = "clerk", _("Registration clerk")
    PHARMACIST = "pharmacist", _("Pharmacist")
    LAB_TECHNICIAN = "lab_technician", _("Lab technician")
    ANM = "anm", _("ANM / ASHA")
    AUDITOR = "auditor", _("Auditor")


# Roles that may be held network-wide (no facility).
NETWORK_ROLES = {Role.NETWORK_ADMIN, Role.AUDITOR}


class UserKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    PATIENT = "patient", _("Patient")
