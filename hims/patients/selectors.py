from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from hims.core.access import access_record
from hims.core.choices import AccessAction, AccessBasis
from hims.patients.models import Patient

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hims.accounts.models import User


def patient_list_for_account(*, user: User, request: HttpRequest | None = None) -> list[Patient]:
    """The patients (a family) registered with a patient login's mobile; each view is logged."""
    with transaction.atomic():
        patients = list(Patient.objects.filter(mobile=user.mobile).order_by("birth_date"))
        for patient in patients:
            access_record(
                actor=user,
                action=AccessAction.READ,
                resource_type="Patient",
                resource_id=patient.pk,
                patient_id=patient.pk,
                basis=AccessBasis.SELF,
                actor_role="patient",
                request=request,
            )
    return patients
