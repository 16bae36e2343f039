"""Who may see and book appointments through FHIR, and the access-log entries they write.

The reader is the Patient resource's (hims.fhir.patient.access.patient_reader_for), narrowed
to the slot's facility:

- staff see and book appointments at the facilities where they hold a patient-work role
  (`hims.patients.selectors.PATIENT_ROLES`); network administrators everywhere;
- patients (User.kind == patient) see and book for the records registered with their own
  mobile, their family.

Every appointment shown names its patient, so each read, search page, booking and
cancellation writes the access log (hims.core.access), one entry per patient.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from hims.accounts.choices import Role
from hims.accounts.selectors import facility_ids_for_user, user_has_role_at, user_is_network_admin
from hims.core.access import access_record, access_record_listed
from hims.core.choices import AccessAction, AccessBasis, AccessOutcome
from hims.fhir.patient.access import PatientReader
from hims.patients.selectors import PATIENT_ROLES
from hims.scheduling.models import Appointment

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hims.network.models import Facility

BOOKING_ROLES = PATIENT_ROLES | {Role.NETWORK_ADMIN}


def facility_allowed(reader: PatientReader, facility_id: int) -> bool:
    """Staff need a patient-work role there; a patient's limit is the mobile, checked apart."""
    return reader.is_patient or user_has_role_at(
        user=reader.user, facility_id=facility_id, roles=BOOKING_ROLES
    )


def appointment_may_see(reader: PatientReader, appointment: Appointment) -> bool:
    """Needs patient and slot loaded."""
    if reader.is_patient:
        return reader.may_see(appointment.patient)
    return facility_allowed(reader, appointment.slot.facility_id)


def appointments_scope(
    reader: PatientReader, appointments: QuerySet[Appointment]
) -> QuerySet[Appointment]:
    if reader.is_patient:
        return appointments.filter(patient__mobile=reader.user.mobile)
    if user_is_network_admin(user=reader.user):
        return appointments
    ids = facility_ids_for_user(user=reader.user, roles=BOOKING_ROLES)
    return appointments.filter(slot__facility_id__in=ids)


def _log_facility(reader: PatientReader, facility: Facility) -> Facility | None:
    """The facility staff acted for: the slot's, where they hold the role (a network
    administrator working network-wide logs none, as for Patient reads)."""
    if reader.is_patient:
        return None
    if user_has_role_at(user=reader.user, facility_id=facility.pk, roles=PATIENT_ROLES):
        return facility
    return reader.facility


def appointment_log(
    *,
    reader: PatientReader,
    appointment: Appointment,
    action: AccessAction,
    request: HttpRequest | None,
    allowed: bool = True,
) -> None:
    """One entry for one appointment's patient; call inside the transaction that reads or
    writes it. A refused read is logged too, so the patient sees the attempt."""
    access_record(
        actor=reader.user,
        action=action,
        resource_type="Appointment",
        resource_id=appointment.pk,
        patient_id=appointment.patient_id,
        facility=_log_facility(reader, appointment.slot.facility),
        basis=reader.basis if allowed else AccessBasis.NONE,
        actor_role=reader.actor_role,
        outcome=AccessOutcome.ALLOWED if allowed else AccessOutcome.DENIED,
        request=request,
    )


def appointments_search_log(
    *, reader: PatientReader, appointments: Sequence[Appointment], request: HttpRequest | None
) -> None:
    """One `search` entry per patient on the page (however many of their appointments), in one
    INSERT, as the Patient search writes."""
    patient_ids = list(dict.fromkeys(appointment.patient_id for appointment in appointments))
    access_record_listed(
        actor=reader.user,
        patient_ids=patient_ids,
        basis=reader.basis,
        facility=reader.facility,
        actor_role=reader.actor_role,
        request=request,
    )
