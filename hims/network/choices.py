from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FacilityType(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    POLYCLINIC = "polyclinic", _("Polyclinic")
    DISPENSARY = "dispensary", _("Dispensary")
    MOHALLA_CLINIC = "mohalla_clinic", _("Mohalla clinic")
    AROGYA_MANDIR = "arogya_mandir", _("Ayushman Arogya Mandir")
    JAN_AUSHADHI = "jan_aushadhi", _("Jan Aushadhi Kendra")
    LABORATORY = "laboratory", _("Laboratory")


class RolloutStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONBOARDING = "onboarding", _("Onboarding")
    LIVE = "live", _("Live")


class District(models.TextChoices):
    """Revenue districts of NCT of Delhi (the eleven in use before the 2025 reorganisation)."""

    CENTRAL = "central", _("Central Delhi")
    EAST = "east", _("East Delhi")
    NEW_DELHI = "new_delhi", _("New Delhi")
    NORTH = "north", _("North Delhi")
    NORTH_EAST = "north_east", _("North East Delhi")
    NORTH_WEST = "north_west", _("North West Delhi")
    SHAHDARA = "shahdara", _("Shahdara")
    SOUTH = "south", _("South Delhi")
    SOUTH_EAST = "south_east", _("South East Delhi")
    SOUTH_WEST = "south_west", _("South West Delhi")
    WEST = "west", _("West Delhi")


class RoomKind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation room")
    REGISTRATION = "registration", _("Registration counter")
    PHARMACY = "pharmacy", pgettext_lazy("room", "Pharmacy counter")
    LABORATORY = "laboratory", _("Sample collection")
    VACCINATION = "vaccination", _("Vaccination room")
    WELLNESS = "wellness", _("Wellness / yoga hall")


class Gender(models.TextChoices):
    """FHIR administrative-gender codes."""

    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class PractitionerCouncil(models.TextChoices):
    NMC = "nmc", _("National Medical Commission")
    DMC = "dmc", _("Delhi Medical Council")
    DNC = "dnc", _("Delhi Nursing Council")
    DDC = "ddc", _("Delhi Dental Council")
    DPC = "dpc", _("Delhi Pharmacy Council")
    OTHER = "other", _("Other council")


class PractitionerRoleCode(models.TextChoices):
    """FHIR practitioner-role codes where they exist."""

    DOCTOR = "doctor", _("Doctor")
    NURSE = "nurse", _("Nurse")
    PHARMACIST = "pharmacist", _("Pharmacist")
    LAB_TECHNICIAN = "labtech", _("Lab technician")
    ANM = "anm", _("ANM / ASHA")
