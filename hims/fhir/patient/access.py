"""Who may see patients through FHIR, and the access-log entries every answer writes.

- Staff whose role includes patient work (`hims.patients.selectors.PATIENT_ROLES`) at a
  facility work as their first such facility (in the order of the start page's role list):
  `staff_facility_for_patients` confirms it, and the access log names it.
- Network administrators without such a facility role work network-wide: the log has no
  facility for them.
- Patients (User.kind == patient) see the records registered with their own mobile, their
  family; they cannot write, search for others or run `$match`.
- Everyone else is refused (403, code forbidden).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from hims.accounts.choices import UserKind
from hims.accounts.selectors import memberships_of, user_is_network_admin
from hims.core.access import access_record, access_record_listed
from hims.core.choices import AccessAction, AccessBasis, AccessOutcome
from hims.core.errors import AccessDenied
from hims.fhir.errors import FhirError
from hims.patients.models import Patient
from hims.patients.selectors import PATIENT_ROLES, staff_facility_for_patients

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hims.accounts.models import User
    from hims.network.models import Facility


def forbidden(diagnostics: str) -> FhirError:
    return FhirError(diagnostics, status=403, code="forbidden")


@dataclass(frozen=True)
class PatientReader:
    """The signed-in user as a reader of patient records."""

    user: User
    facility: Facility | None
    is_patient: bool

    @property
    def actor_role(self) -> str:
        return "patient" if self.is_patient else "staff"

    @property
    def basis(self) -> AccessBasis:
        return AccessBasis.SELF if self.is_patient else AccessBasis.ADMINISTRATION

    def scope(self, patients: QuerySet[Patient]) -> QuerySet[Patient]:
        """A patient sees their family (the records with their mobile); staff see everyone."""
        return patients.filter(mobile=self.user.mobile) if self.is_patient else patients

    def may_see(self, patient: Patient) -> bool:
        return not self.is_patient or patient.mobile == self.user.mobile

    def staff_only(self) -> None:
        if self.is_patient:
            raise forbidden(
                _(
                    "Patients may read their own family's records here, but not change or match them."
                )
            )


def patient_reader_for(*, user: User) -> PatientReader:
    if user.kind == UserKind.PATIENT:
        if not user.mobile:
            raise forbidden(_("This patient account has no mobile number."))
        return PatientReader(user=user, facility=None, is_patient=True)
    membership = next(
        (m for m in memberships_of(user) if m.role in PATIENT_ROLES and m.facility is not None),
        None,
    )
    if membership is not None:
        try:
            facility = staff_facility_for_patients(user=user, facility=membership.facility)
        except AccessDenied as refused:
            raise forbidden(str(refused)) from refused
        return PatientReader(user=user, facility=facility, is_patient=False)
    if user_is_network_admin(user=user):
        return PatientReader(user=user, facility=None, is_patient=False)
    raise forbidden(_("Your role does not include work with patient records."))


def patient_read_log(
    *, reader: PatientReader, patient: Patient, request: HttpRequest | None
) -> None:
    """Call inside the transaction that reads the record."""
    access_record(
        actor=reader.user,
        action=AccessAction.READ,
        resource_type="Patient",
        resource_id=patient.pk,
        patient_id=patient.pk,
        facility=reader.facility,
        basis=reader.basis,
        actor_role=reader.actor_role,
        request=request,
    )


def patient_refusal_log(
    *, reader: PatientReader, patient: Patient, request: HttpRequest | None
) -> None:
    """A refused read of an existing record: the record's owner sees the attempt."""
    access_record(
        actor=reader.user,
        action=AccessAction.READ,
        resource_type="Patient",
        resource_id=patient.pk,
        patient_id=patient.pk,
        facility=reader.facility,
        basis=AccessBasis.NONE,
        actor_role=reader.actor_role,
        outcome=AccessOutcome.DENIED,
        request=request,
    )


def patients_search_log(
    *, reader: PatientReader, patients: Sequence[Patient], request: HttpRequest | None
) -> None:
    """One `search` entry per patient listed (one INSERT, as patient_search does)."""
    access_record_listed(
        actor=reader.user,
        patient_ids=[p.pk for p in patients],
        basis=reader.basis,
        facility=reader.facility,
        actor_role=reader.actor_role,
        request=request,
    )
