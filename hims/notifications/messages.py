"""Message texts, one per template, translated by gettext into the recipient's language."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

TEMPLATES = {
    # Translators: SMS with a sign-in code. Keep under 160 characters.
    "otp": _(
        "HIMS Delhi: your sign-in code is %(code)s. It expires in %(minutes)s minutes. Do not share it with anyone."
    ),
    # Translators: SMS after an OPD booking. Keep short.
    "appointment_booked": _(
        "HIMS Delhi: OPD booked, %(department)s, %(facility)s, %(when)s. Ref %(reference)s. Slip: %(slip_url)s"
    ),
    # Translators: SMS when an OPD booking was moved to another time.
    "appointment_moved": _(
        "HIMS Delhi: your OPD booking %(previous)s was moved to %(when)s, %(department)s, %(facility)s. New ref %(reference)s. Slip: %(slip_url)s"
    ),
    # Translators: SMS when an OPD booking was cancelled.
    "appointment_cancelled": _(
        "HIMS Delhi: your OPD booking %(reference)s (%(department)s, %(when)s) is cancelled. Book again: %(book_url)s"
    ),
    # Translators: SMS the day before an OPD appointment.
    "appointment_reminder": _(
        "HIMS Delhi: reminder, OPD tomorrow %(when)s, %(department)s, %(facility)s. Ref %(reference)s. Slip: %(slip_url)s"
    ),
    # Translators: SMS when a doctor at another facility asks to see the patient's records.
    "consent_requested": _(
        "HIMS Delhi: %(doctor)s at %(facility)s asks to see your health records. Allow or refuse: %(url)s"
    ),
    # Translators: SMS when a doctor opened the patient's records in an emergency (break the glass).
    "emergency_access": _(
        "HIMS Delhi: in an emergency, %(doctor)s at %(facility)s opened your health records on %(when)s. Details: %(url)s"
    ),
}


def message_render(*, template: str, context: dict[str, Any], language: str) -> str:
    with translation.override(language):
        return str(TEMPLATES[template]) % context
