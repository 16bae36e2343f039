"""Messages to patients about their bookings, in their language, through the outbox."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import formats, timezone, translation

from hims.notifications.services import message_queue

if TYPE_CHECKING:
    from hims.scheduling.models import Appointment


def _language(appointment: Appointment) -> str:
    wanted = appointment.patient.preferred_language or settings.LANGUAGE_CODE
    return wanted if wanted in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def appointment_message_context(appointment: Appointment, language: str) -> dict[str, str]:
    """What the booking messages say, rendered in `language` (names, date and time)."""
    slot = appointment.slot
    with translation.override(language):
        starts = timezone.localtime(slot.starts_at)
        return {
            "reference": appointment.reference,
            "facility": slot.facility.display_name,
            "department": slot.department.display_name,
            "when": f"{formats.date_format(starts, 'DATE_FORMAT')} "
            f"{formats.time_format(starts, 'TIME_FORMAT')}",
            "slip_url": f"{settings.HIMS_PUBLIC_URL}/my/appointments/{appointment.reference}/",
            "book_url": f"{settings.HIMS_PUBLIC_URL}/book/",
        }


def appointment_notice(
    *, appointment: Appointment, template: str, previous: Appointment | None = None
) -> None:
    """Queue an SMS about the booking (inside the caller's transaction: sent only if it commits).
    One message per booking and kind: a retry never sends twice."""
    mobile = appointment.patient.mobile
    if not mobile:
        return
    language = _language(appointment)
    context = appointment_message_context(appointment, language)
    if previous is not None:
        context["previous"] = previous.reference
    message_queue(
        to=mobile,
        template=template,
        context=context,
        language=language,
        dedupe_key=f"{template}:{appointment.reference}",
    )


def reminders_queue(*, day: date) -> int:
    """The day-before reminder for every booking still active on `day` (safe to run again)."""
    from hims.scheduling.choices import AppointmentStatus
    from hims.scheduling.models import Appointment

    queued = 0
    bookings = Appointment.objects.filter(day=day, status=AppointmentStatus.BOOKED).select_related(
        "patient", "slot__facility", "slot__department__speciality"
    )
    for appointment in bookings.iterator(chunk_size=500):
        appointment_notice(appointment=appointment, template="appointment_reminder")
        queued += 1
    return queued
