"""OPD sessions, slots and bookings as FHIR R4 Schedule, Slot and Appointment.

Pure functions of already-loaded rows (the search declarations say what to select_related
and prefetch). Identifiers and code systems follow the facade's naming (hims.fhir.resources):

- Schedule `id` is the OPD session's, Slot and Appointment ids are their rows';
- a department has no FHIR resource of its own here: its facility's site `Location/f-<pk>`
  stands for it (display "<speciality>, <facility>"), and its speciality is the serviceType
  (system https://hims.delhi.gov.in/fhir/CodeSystem/speciality);
- the booking reference is Appointment.identifier, system
  https://hims.delhi.gov.in/fhir/sid/booking-reference;
- Slot.status is `free` while the online quota has a place (open, booked < capacity) and the
  slot is not blocked, `busy-unavailable` when blocked (leave, holiday), `busy` otherwise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _

from hims.fhir.resources import HIMS_SID, SPECIALITY_SYSTEM
from hims.network.models import Department, Speciality
from hims.scheduling.choices import AppointmentStatus, QuotaChannel
from hims.scheduling.models import Appointment, ScheduleSession, Slot

BOOKING_REFERENCE_SYSTEM = f"{HIMS_SID}/booking-reference"
SLOT_STATUS_SYSTEM = "http://hl7.org/fhir/slotstatus"
APPOINTMENT_STATUS_SYSTEM = "http://hl7.org/fhir/appointmentstatus"
SLOT_STATUSES = ("free", "busy", "busy-unavailable")


def _instant(moment: datetime) -> str:
    """An instant in the server's zone (India), as the OPD slip shows it."""
    return timezone.localtime(moment).isoformat()


def service_type(speciality: Speciality) -> list[dict[str, Any]]:
    return [
        {
            "coding": [
                {"system": SPECIALITY_SYSTEM, "code": speciality.code, "display": speciality.name}
            ],
            "text": speciality.display_name,
        }
    ]


def department_reference(department: Department) -> dict[str, Any]:
    """The department's place: its facility's site (needs speciality and facility loaded)."""
    return {
        "reference": f"Location/f-{department.facility_id}",
        "display": f"{department.speciality.name}, {department.facility.name}",
    }


def _without_empty(resource: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in resource.items() if value not in (None, [], {}, "")}


# --- Schedule ------------------------------------------------------------------------------


def _session_comment(session: ScheduleSession) -> str:
    days = ", ".join(str(WEEKDAYS_ABBR[int(day)]) for day in session.weekdays)
    return _("%(days)s, %(starts)s-%(ends)s, %(minutes)s-minute slots") % {
        "days": days,
        "starts": f"{session.starts:%H:%M}",
        "ends": f"{session.ends:%H:%M}",
        "minutes": session.slot_minutes,
    }


def schedule_resource(session: ScheduleSession) -> dict[str, Any]:
    """Needs department__speciality, department__facility and practitioner loaded."""
    department = session.department
    actors = []
    if session.practitioner_id and session.practitioner:
        actors.append(
            {
                "reference": f"Practitioner/{session.practitioner_id}",
                "display": session.practitioner.name,
            }
        )
    actors.append(department_reference(department))
    horizon = {"start": session.valid_from.isoformat()}
    if session.valid_until:
        horizon["end"] = session.valid_until.isoformat()
    return _without_empty(
        {
            "resourceType": "Schedule",
            "id": str(session.pk),
            "active": session.is_active and department.is_active,
            "serviceType": service_type(department.speciality),
            "actor": actors,
            "planningHorizon": horizon,
            "comment": _session_comment(session),
        }
    )


# --- Slot ----------------------------------------------------------------------------------


def slot_status(slot: Slot) -> str:
    """From the prefetched quotas: free while the online quota has a place."""
    if slot.is_blocked:
        return "busy-unavailable"
    online = next((q for q in slot.quotas.all() if q.channel == QuotaChannel.ONLINE), None)
    if online is not None and online.is_open and online.booked < online.capacity:
        return "free"
    return "busy"


def schedule_reference(slot: Slot) -> dict[str, Any]:
    if slot.session_id:
        return {"reference": f"Schedule/{slot.session_id}"}
    # A slot made outside any session (or whose session was deleted) still names its OPD.
    return {"display": department_reference(slot.department)["display"]}


def slot_resource(slot: Slot) -> dict[str, Any]:
    """Needs department__speciality and department__facility loaded, quotas prefetched."""
    return {
        "resourceType": "Slot",
        "id": str(slot.pk),
        "serviceType": service_type(slot.department.speciality),
        "schedule": schedule_reference(slot),
        "status": slot_status(slot),
        "start": _instant(slot.starts_at),
        "end": _instant(slot.ends_at),
    }


# --- Appointment ---------------------------------------------------------------------------


def _participant(reference: str, display: str) -> dict[str, Any]:
    # The participants' status stays `accepted` when cancelled: the appointment's status says
    # it, and a client sending the resource back unchanged is not refused for it.
    return {
        "actor": {"reference": reference, "display": display},
        "required": "required",
        "status": "accepted",
    }


def appointment_resource(appointment: Appointment) -> dict[str, Any]:
    """Needs patient, slot__department__speciality, slot__department__facility and
    slot__practitioner loaded."""
    slot = appointment.slot
    participants = [_participant(f"Patient/{appointment.patient_id}", appointment.patient.name)]
    if slot.practitioner_id and slot.practitioner:
        participants.append(
            _participant(f"Practitioner/{slot.practitioner_id}", slot.practitioner.name)
        )
    place = department_reference(slot.department)
    participants.append(_participant(place["reference"], place["display"]))
    reason = None
    if appointment.status == AppointmentStatus.CANCELLED and appointment.cancel_reason:
        reason = {"text": appointment.cancel_reason}
    return _without_empty(
        {
            "resourceType": "Appointment",
            "id": str(appointment.pk),
            "identifier": [
                {
                    "use": "usual",
                    "system": BOOKING_REFERENCE_SYSTEM,
                    "value": appointment.reference,
                }
            ],
            "status": appointment.status,
            "cancelationReason": reason,
            "serviceType": service_type(slot.department.speciality),
            "start": _instant(slot.starts_at),
            "end": _instant(slot.ends_at),
            "created": _instant(appointment.booked_at),
            "slot": [{"reference": f"Slot/{slot.pk}"}],
            "participant": participants,
        }
    )


APPOINTMENT_RELATED = (
    "patient",
    "slot__department__speciality",
    "slot__department__facility",
    "slot__facility",
    "slot__practitioner",
)
