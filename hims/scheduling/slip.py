"""The digital OPD slip: what it shows, who may open it, its signed QR link, and its PDF.

The QR code carries `HIMS_PUBLIC_URL/slip/v/<signed>/`, where <signed> is the booking
reference signed with django.core.signing (salt "opd-slip"): a counter scanning it knows the
slip was issued by us and not typed up, and the reference alone gives nothing away. The slip
itself is read through `slip_get_for_user`, which decides access (the patient's own family
login, or staff with a role at the slot's facility) and writes the access-log entry.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import segno
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, numberformat, timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from hims.accounts.choices import Role
from hims.accounts.selectors import user_has_role_at
from hims.core.access import access_record_patient
from hims.core.choices import AccessAction, AccessBasis, AccessOutcome
from hims.core.errors import DomainError, NotFound
from hims.network.choices import RoomKind
from hims.network.models import Room
from hims.patients.selectors import PATIENT_ROLES
from hims.scheduling.choices import ACTIVE_STATUSES, QuotaChannel
from hims.scheduling.models import Appointment, QueueToken
from hims.scheduling.services import SENIOR_AGE

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hims.accounts.selectors import AnyUser

SLIP_SALT = "opd-slip"
CHILD_AGE = 5
# Staff who may open a slip of their facility, and who may check its patient in.
SLIP_VIEW_ROLES = PATIENT_ROLES | {Role.NETWORK_ADMIN}
SLIP_CHECK_IN_ROLES = {
    Role.CLERK,
    Role.NURSE,
    Role.DOCTOR,
    Role.ANM,
    Role.FACILITY_ADMIN,
    Role.NETWORK_ADMIN,
}
# @page sizes of the PDF. A thermal roll is 80 mm wide; its length is whatever is printed.
SLIP_SIZES = {"a4": "A4", "a5": "A5", "thermal": "80mm 200mm"}
DEFAULT_SIZE = "a4"
# 24-hour times in Hindi: Django's Hindi "g:i A" prints "3:30 बजे" for both 03:30 and 15:30.
TIME_FORMATS = {"hi": "H:i"}
DEFAULT_TIME_FORMAT = "g:i A"
TIME_RANGE = "{starts} \u2013 {ends}"  # an en dash between the times


class SlipSignatureInvalid(DomainError):
    status = 400
    code = "slip_signature"
    default_message = gettext_lazy(
        "This slip's QR code could not be verified: it was changed or damaged. "
        "Ask at the registration counter."
    )


# --- the signed link ----------------------------------------------------------------------


def slip_sign(reference: str) -> str:
    """The booking reference and its signature, as it appears in the verify URL."""
    return signing.Signer(salt=SLIP_SALT).sign(reference)


def slip_unsign(signed: str) -> str:
    """The booking reference from a signed value; SlipSignatureInvalid if tampered with."""
    try:
        return signing.Signer(salt=SLIP_SALT).unsign(signed)
    except signing.BadSignature:
        raise SlipSignatureInvalid() from None


def slip_url(appointment: Appointment) -> str:
    """The slip page (path) of a booking."""
    return reverse("slip:detail", args=[appointment.reference])


def slip_pdf_url(appointment: Appointment, size: str = DEFAULT_SIZE) -> str:
    """The PDF of a booking's slip (path); size a4, a5 or thermal."""
    return f"{reverse('slip:pdf', args=[appointment.reference])}?size={size}"


def slip_qr_url(appointment: Appointment) -> str:
    """The absolute URL the slip's QR code encodes: HIMS_PUBLIC_URL + /slip/v/<signed>/."""
    path = reverse("slip:verify", args=[slip_sign(appointment.reference)])
    return settings.HIMS_PUBLIC_URL.rstrip("/") + path


def slip_qr_data_uri(url: str) -> str:
    """The QR code of `url` as an SVG data URI (black on white, for <img src>)."""
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=2, dark="#000"))


# --- what the slip shows ------------------------------------------------------------------


def rupees(amount: Decimal) -> str:
    """₹ with Indian digit grouping (1,23,456), the locale's separators, paise only if any."""
    places = 0 if amount == amount.to_integral_value() else 2
    number = numberformat.format(
        amount,
        decimal_sep=str(formats.get_format("DECIMAL_SEPARATOR")),
        decimal_pos=places,
        grouping=(3, 2, 0),
        thousand_sep=str(formats.get_format("THOUSAND_SEPARATOR")),
        force_grouping=True,
    )
    return f"₹{number}"


@dataclass(frozen=True)
class SlipFee:
    """The OPD fee to pay at the counter; None when the slot has no session fee set."""

    amount: Decimal | None
    exempt_reason: str = ""

    @property
    def exempt(self) -> bool:
        return bool(self.exempt_reason)

    @property
    def display(self) -> str:
        if self.amount is None:
            return _("As charged at the counter")
        return rupees(self.amount)


def slip_fee(appointment: Appointment) -> SlipFee:
    """The session's fee, or ₹0 with the reason for senior citizens (60+), children under 5
    and priority places."""
    age = appointment.patient.age_years
    if age >= SENIOR_AGE:
        reason = _("Senior citizen (60 years or more)")
    elif age < CHILD_AGE:
        reason = _("Child under 5 years")
    elif appointment.quota.channel == QuotaChannel.PRIORITY:
        reason = _("Priority place (senior citizen or person with disability)")
    else:
        reason = ""
    if reason:
        return SlipFee(amount=Decimal(0), exempt_reason=reason)
    session = appointment.slot.session
    return SlipFee(amount=session.fee if session is not None else None)


def slip_token(appointment: Appointment) -> QueueToken | None:
    return QueueToken.objects.select_related("room").filter(appointment=appointment).first()


def slip_room(appointment: Appointment, token: QueueToken | None) -> Room | None:
    """The room of a called token, else the department's consultation room (if it has one)."""
    if token is not None and token.called_at is not None and token.room is not None:
        return token.room
    rooms = Room.objects.filter(department_id=appointment.slot.department_id, is_active=True)
    return (
        rooms.filter(kind=RoomKind.CONSULTATION).order_by("code").first()
        or rooms.order_by("code").first()
    )


def _room_text(room: Room | None) -> str:
    if room is None:
        return ""
    parts = [room.code]
    if room.display_name and room.display_name != room.code:
        parts.append(room.display_name)
    if room.floor:
        parts.append(_("floor %(floor)s") % {"floor": room.floor})
    return " · ".join(parts)


def _age_text(appointment: Appointment) -> str:
    patient = appointment.patient
    years = patient.age_years
    if years >= 1:
        return ngettext("%(years)s year", "%(years)s years", years) % {"years": years}
    today = timezone.localdate()
    born = patient.birth_date
    months = max((today.year - born.year) * 12 + today.month - born.month, 0)
    return ngettext("%(months)s month", "%(months)s months", months) % {"months": months}


@dataclass(frozen=True)
class SlipData:
    """Everything printed on a slip, in the active language."""

    reference: str
    status: str
    status_display: str
    is_active: bool
    uhid: str
    abha_masked: str
    name: str
    name_hi: str
    age: str
    sex: str
    facility: str
    facility_address: str
    department: str
    doctor: str
    room: str
    date: str
    time: str
    token: str  # the label when checked in, else empty
    fee: SlipFee
    qr_url: str
    qr_data_uri: str


def slip_data(*, appointment: Appointment) -> SlipData:
    """The slip of a booking, formatted in the active language (call with it activated)."""
    slot = appointment.slot
    patient = appointment.patient
    token = slip_token(appointment)
    starts = timezone.localtime(slot.starts_at)
    ends = timezone.localtime(slot.ends_at)
    time_format = TIME_FORMATS.get((get_language() or "en")[:2], DEFAULT_TIME_FORMAT)
    facility = slot.facility
    qr_url = slip_qr_url(appointment)
    return SlipData(
        reference=appointment.reference,
        status=appointment.status,
        status_display=str(appointment.get_status_display()),
        is_active=appointment.status in ACTIVE_STATUSES,
        uhid=patient.uhid_display,
        abha_masked=patient.abha_masked,
        name=patient.name,
        name_hi=patient.name_hi,
        age=_age_text(appointment),
        sex=str(patient.get_gender_display()),
        facility=facility.display_name,
        facility_address=", ".join(p for p in [facility.address_line, facility.locality] if p),
        department=slot.department.display_name,
        doctor=slot.practitioner.display_name if slot.practitioner else "",
        room=_room_text(slip_room(appointment, token)),
        date=formats.date_format(starts, "l, j F Y"),
        time=TIME_RANGE.format(
            starts=formats.time_format(starts, time_format),
            ends=formats.time_format(ends, time_format),
        ),
        token=token.label if token is not None else "",
        fee=slip_fee(appointment),
        qr_url=qr_url,
        qr_data_uri=slip_qr_data_uri(qr_url),
    )


# --- who may open it ----------------------------------------------------------------------


def slip_appointment_get(*, reference: str) -> Appointment:
    """A booking by reference with what the slip needs; NotFound otherwise. Not logged: use
    `slip_get_for_user` for anything that shows personal data."""
    appointment = (
        Appointment.objects.select_related(
            "slot__facility",
            "slot__department__speciality",
            "slot__practitioner",
            "slot__session",
            "quota",
            "patient",
        )
        .filter(reference=reference.strip().upper())
        .first()
    )
    if appointment is None:
        raise NotFound(_("No booking has this reference."))
    return appointment


def slip_is_own(*, user: AnyUser, appointment: Appointment) -> bool:
    """A patient login whose mobile is the patient's (the family's own slip)."""
    return bool(
        user.is_authenticated
        and getattr(user, "is_patient", False)
        and user.mobile
        and appointment.patient.mobile == user.mobile
    )


def slip_is_staff_of(*, user: AnyUser, appointment: Appointment, roles: Collection[str]) -> bool:
    return user_has_role_at(user=user, facility_id=appointment.slot.facility_id, roles=roles)


def slip_get_for_user(
    *,
    user: AnyUser,
    reference: str,
    action: AccessAction | str = AccessAction.READ,
    request: HttpRequest | None = None,
) -> Appointment:
    """A booking whose slip this user may see, with one access-log entry (basis self for the
    patient's own login, administration for staff of the slot's facility). Anyone else gets
    NotFound, the attempt logged as refused on the patient's record."""
    appointment = slip_appointment_get(reference=reference)
    if slip_is_own(user=user, appointment=appointment):
        basis, role, facility = AccessBasis.SELF, "patient", None
    elif slip_is_staff_of(user=user, appointment=appointment, roles=SLIP_VIEW_ROLES):
        basis, role, facility = AccessBasis.ADMINISTRATION, "staff", appointment.slot.facility
    else:
        if user.is_authenticated:
            access_record_patient(
                actor=user,  # type: ignore[arg-type]
                patient_id=appointment.patient_id,
                action=action,
                basis=AccessBasis.NONE,
                actor_role="patient" if getattr(user, "is_patient", False) else "staff",
                outcome=AccessOutcome.DENIED,
                reason=f"OPD slip {appointment.reference}",
                request=request,
            )
        raise NotFound(_("No booking has this reference."))
    with transaction.atomic():
        access_record_patient(
            actor=user,  # type: ignore[arg-type]
            patient_id=appointment.patient_id,
            action=action,
            basis=basis,
            facility=facility,
            actor_role=role,
            reason=f"OPD slip {appointment.reference}",
            request=request,
        )
    return appointment


# --- the PDF ------------------------------------------------------------------------------


def slip_size(value: str | None) -> str:
    """a4, a5 or thermal; anything else is the default (A4)."""
    return value if value in SLIP_SIZES else DEFAULT_SIZE


def slip_pdf(*, data: SlipData, size: str = DEFAULT_SIZE) -> bytes:
    """The slip as a PDF (WeasyPrint; Noto Sans and Noto Sans Devanagari shape the Hindi)."""
    from weasyprint import HTML  # a heavy import: only when a PDF is asked for

    size = slip_size(size)
    html = render_to_string(
        "scheduling/slip/slip_pdf.html",
        {"slip": data, "size": size, "page_size": SLIP_SIZES[size], "language": get_language()},
    )
    pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    return pdf


def slip_pdf_filename(*, reference: str, size: str) -> str:
    return f"opd-slip-{reference}-{slip_size(size)}.pdf"
