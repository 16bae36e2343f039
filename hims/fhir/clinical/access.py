"""Who may read clinical resources through FHIR, and the access-log entries every answer writes.

The rules are the pages' (hims.records.access, docs/records.md): nothing here decides access.

- Staff act in their first membership (in the start page's order of roles) whose role is
  clinical (`CLINICAL_ROLES`) at a facility, as the Patient resource picks the first
  patient-work membership. Without one they act in their first membership, which
  `record_access_for_staff` refuses (clerks, administrators): the refusal is logged all the
  same, so the patient sees the attempt.
- Patients (User.kind == patient) read the records registered with their own mobile, their
  family, on the basis `self`.

Every resource returned is one `read` entry (resource type = the FHIR type, resource id = the
FHIR id), written in one INSERT with the rows it logs; a refusal is one `denied` entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from hims.accounts.choices import UserKind
from hims.accounts.selectors import memberships_of
from hims.core.access import access_record, access_record_shown
from hims.core.choices import AccessAction, AccessBasis, AccessOutcome
from hims.fhir.errors import FhirError
from hims.fhir.patient.access import forbidden
from hims.patients.models import Patient
from hims.records.access import (
    CLINICAL_ROLES,
    RecordAccess,
    record_access_for_staff,
    self_access,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hims.accounts.models import Membership, User
    from hims.network.models import Facility

# (patient id, FHIR resource type, FHIR id): one access-log entry.
Shown = tuple[int, str, str]


@dataclass(frozen=True)
class ClinicalReader:
    """The signed-in user as a reader of clinical records."""

    user: User
    membership: Membership | None  # staff: the role they act in
    family: tuple[int, ...] = ()  # patients: the records with their mobile

    @property
    def is_patient(self) -> bool:
        return self.user.kind == UserKind.PATIENT

    @property
    def facility(self) -> Facility | None:
        return self.membership.facility if self.membership is not None else None

    @property
    def actor_role(self) -> str:
        if self.is_patient:
            return "patient"
        return str(self.membership.role) if self.membership is not None else ""

    def access_for(self, patient_id: int) -> RecordAccess | None:
        """What this reader may see of the patient's record now (None: nothing)."""
        if self.is_patient:
            return self_access(patient_id) if patient_id in self.family else None
        if self.membership is None:
            return None
        return record_access_for_staff(
            user=self.user,
            role=self.membership.role,
            facility=self.membership.facility,
            patient_id=patient_id,
        )


def clinical_reader_for(*, user: User, request: HttpRequest | None = None) -> ClinicalReader:
    """The reader for a signed-in user. For staff, `request.membership` is set to the role they
    act in, as the pages' role switcher does (the log entries also name it explicitly)."""
    if user.kind == UserKind.PATIENT:
        if not user.mobile:
            raise forbidden(_("This patient account has no mobile number."))
        family = tuple(
            Patient.objects.filter(mobile=user.mobile).order_by("pk").values_list("pk", flat=True)
        )
        return ClinicalReader(user=user, membership=None, family=family)
    memberships = memberships_of(user)
    membership = next(
        (m for m in memberships if m.role in CLINICAL_ROLES and m.facility is not None),
        memberships[0] if memberships else None,
    )
    if request is not None and membership is not None:
        request.membership = membership  # type: ignore[attr-defined]
    return ClinicalReader(user=user, membership=membership)


def refusal_log(
    *,
    reader: ClinicalReader,
    patient_id: int,
    resource_type: str,
    resource_id: str = "",
    request: HttpRequest | None,
) -> None:
    """One `denied` entry, as record_access_for_request writes for the pages."""
    access_record(
        actor=reader.user,
        action=AccessAction.READ,
        resource_type=resource_type,
        resource_id=resource_id,
        patient_id=patient_id,
        facility=reader.facility,
        basis=AccessBasis.NONE,
        actor_role=reader.actor_role,
        outcome=AccessOutcome.DENIED,
        request=request,
    )


def shown_log(
    *,
    reader: ClinicalReader,
    access: RecordAccess,
    shown: Sequence[Shown],
    request: HttpRequest | None,
) -> None:
    """One `read` entry per resource returned, in one INSERT. Call inside the transaction that
    read them."""
    access_record_shown(
        actor=reader.user,
        shown=list(shown),
        basis=access.basis,
        facility=reader.facility,
        actor_role=reader.actor_role,
        purpose=access.purpose,
        reason=access.reason,
        request=request,
    )


def refused(reader: ClinicalReader, access: RecordAccess | None = None) -> FhirError:
    """The 403 answer: what the reader lacks, and how staff can get access."""
    if reader.is_patient:
        return forbidden(_("You may read only the records registered with your mobile number."))
    if reader.membership is None or reader.membership.role not in CLINICAL_ROLES:
        return forbidden(_("Your role does not include reading clinical records."))
    if access is not None:  # a consent, not covering this record
        return forbidden(
            _("The patient's consent does not cover this record (its type or its date).")
        )
    return forbidden(
        _(
            "You have no access to this patient's clinical record: no treating relationship at "
            "your facility, no consent and no emergency access. Ask the patient for consent, "
            "or break the glass in an emergency, from the patient's record page."
        )
    )
