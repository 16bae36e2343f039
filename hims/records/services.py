"""Writes of the shared record: consents (asked by a doctor, answered by the patient) and
emergency accesses (opened by a doctor, judged by a reviewer).

Each change of status is one conditional UPDATE (`... WHERE status = 'REQUESTED'`), so a grant
and a withdrawal racing from two phones leave one answer, never a mix. The patient is told by
SMS through the outbox, inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from hims.accounts.choices import Role
from hims.core.access import access_record
from hims.core.choices import AccessAction, AccessBasis
from hims.core.errors import AccessDenied, Conflict, ValidationFailed
from hims.lib.db import insert_unless_conflict
from hims.notifications.services import message_queue
from hims.patients.models import Patient
from hims.records.access import REQUESTING_ROLES
from hims.records.choices import ConsentPurpose, ConsentStatus, EmergencyReview, HiType
from hims.records.models import Consent, EmergencyAccess

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hims.accounts.models import User
    from hims.network.models import Facility

EMERGENCY_REASON_MIN = 15
REVIEW_ROLES = {Role.AUDITOR, Role.NETWORK_ADMIN, Role.FACILITY_ADMIN}


def _language(patient: Patient) -> str:
    wanted = patient.preferred_language or settings.LANGUAGE_CODE
    return wanted if wanted in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _doctor_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _tell_patient(*, patient: Patient, template: str, key: str, **context: str) -> None:
    if not patient.mobile:
        return
    message_queue(
        to=patient.mobile,
        template=template,
        context=context,
        language=_language(patient),
        dedupe_key=f"{template}:{key}",
    )


def _hi_types(chosen: Collection[str]) -> list[str]:
    kinds = [kind for kind in HiType.values if kind in set(chosen)]
    if not kinds or len(kinds) != len(set(chosen)):
        raise ValidationFailed(_("Choose which kinds of records you need."), field="hi_types")
    return kinds


def consent_request(
    *,
    patient: Patient,
    requester: User,
    role: str,
    facility: Facility | None,
    purpose: str,
    hi_types: Collection[str],
    records_from: date,
    records_to: date,
    valid_days: int,
    note: str = "",
    request: HttpRequest | None = None,
) -> Consent:
    """A doctor asks the patient for access; the patient gets an SMS with a link to answer."""
    if role not in REQUESTING_ROLES or facility is None:
        raise AccessDenied(_("Only a doctor working at a facility can ask for consent."))
    if purpose not in ConsentPurpose.values:
        raise ValidationFailed(_("Choose the purpose."), field="purpose")
    kinds = _hi_types(hi_types)
    if records_from > records_to:
        raise ValidationFailed(
            _("The first date must not be after the last date."), field="records_from"
        )
    if not 1 <= valid_days <= settings.HIMS_CONSENT_MAX_DAYS:
        raise ValidationFailed(
            _("Access can be asked for between 1 and %(days)s days."),
            field="valid_days",
            params={"days": settings.HIMS_CONSENT_MAX_DAYS},
        )
    now = timezone.now()
    consent = Consent(
        patient=patient,
        requester=requester,
        facility=facility,
        purpose=purpose,
        hi_types=kinds,
        records_from=records_from,
        records_to=records_to,
        expires_at=now + timedelta(days=valid_days),
        note=note.strip()[:300],
        requested_at=now,
    )
    with transaction.atomic():
        # The partial unique index allows one open request per doctor and patient.
        if not insert_unless_conflict(consent):
            raise Conflict(_("You have already asked this patient; wait for the answer."))
        access_record(
            actor=requester,
            action=AccessAction.CREATE,
            resource_type="Consent",
            resource_id=consent.pk,
            patient_id=patient.pk,
            facility=facility,
            basis=AccessBasis.NONE,
            purpose=purpose,
            request=request,
        )
        with translation.override(_language(patient)):
            facility_name = facility.display_name
        _tell_patient(
            patient=patient,
            template="consent_requested",
            key=str(consent.pk),
            doctor=_doctor_name(requester),
            facility=facility_name,
            url=f"{settings.HIMS_PUBLIC_URL}/records/my/consents/",
        )
    return consent


def _answer(
    consent: Consent,
    *,
    frm: str,
    to: str,
    actor: User,
    request: HttpRequest | None,
    **changes: object,
) -> Consent:
    """Move the consent from status `frm` to `to` in one conditional UPDATE; refused when
    someone (another phone, the expiry) got there first."""
    now = timezone.now()
    if to in (ConsentStatus.GRANTED, ConsentStatus.DENIED):
        changes["decided_at"] = now
    if to == ConsentStatus.REVOKED:
        changes["revoked_at"] = now
    with transaction.atomic():
        query = Consent.objects.filter(pk=consent.pk, status=frm)
        if frm == ConsentStatus.REQUESTED:
            query = query.filter(expires_at__gt=now)
        if not query.update(status=to, **changes):
            raise Conflict(_("This consent has changed meanwhile; look at it again."))
        access_record(
            actor=actor,
            action=AccessAction.UPDATE,
            resource_type="Consent",
            resource_id=consent.pk,
            patient_id=consent.patient_id,
            facility=consent.facility,
            basis=AccessBasis.SELF,
            purpose=consent.purpose,
            request=request,
        )
    consent.refresh_from_db()
    return consent


def consent_grant(
    *,
    consent: Consent,
    actor: User,
    hi_types: Collection[str] | None = None,
    records_from: date | None = None,
    records_to: date | None = None,
    expires_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> Consent:
    """The patient allows, perhaps less than was asked: fewer record types, a shorter range of
    dates, an earlier end. Never more."""
    kinds = _hi_types(hi_types) if hi_types is not None else list(consent.hi_types)
    if not set(kinds) <= set(consent.hi_types):
        raise ValidationFailed(_("You can only allow what was asked for."), field="hi_types")
    first = max(records_from or consent.records_from, consent.records_from)
    last = min(records_to or consent.records_to, consent.records_to)
    if first > last:
        raise ValidationFailed(
            _("The first date must not be after the last date."), field="records_from"
        )
    ends = min(expires_at or consent.expires_at, consent.expires_at)
    if ends <= timezone.now():
        raise ValidationFailed(_("The end of access must be in the future."), field="expires_at")
    return _answer(
        consent,
        frm=ConsentStatus.REQUESTED,
        to=ConsentStatus.GRANTED,
        actor=actor,
        request=request,
        hi_types=kinds,
        records_from=first,
        records_to=last,
        expires_at=ends,
    )


def consent_deny(*, consent: Consent, actor: User, request: HttpRequest | None = None) -> Consent:
    return _answer(
        consent, frm=ConsentStatus.REQUESTED, to=ConsentStatus.DENIED, actor=actor, request=request
    )


def consent_revoke(*, consent: Consent, actor: User, request: HttpRequest | None = None) -> Consent:
    """Withdraw a grant; the doctor's next read is refused (the check reads the row each time)."""
    return _answer(
        consent, frm=ConsentStatus.GRANTED, to=ConsentStatus.REVOKED, actor=actor, request=request
    )


def consents_expire_due() -> int:
    """Relabel grants and unanswered requests past their end as expired (a nightly tidy-up;
    access already ended at the time itself)."""
    return Consent.objects.filter(
        status__in=[ConsentStatus.GRANTED, ConsentStatus.REQUESTED],
        expires_at__lte=timezone.now(),
    ).update(status=ConsentStatus.EXPIRED)


def _patient_lock(patient: Patient) -> None:
    """The patient's row is the lock: two clicks at once open one access and send one SMS."""
    list(Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk"))


def emergency_access_open(
    *,
    patient: Patient,
    actor: User,
    role: str,
    facility: Facility | None,
    reason: str,
    request: HttpRequest | None = None,
) -> EmergencyAccess:
    """Break the glass: access for HIMS_EMERGENCY_ACCESS_HOURS, told to the patient at once and
    queued for review. While one is open, opening again returns it (one notice, one review)."""
    if role not in REQUESTING_ROLES or facility is None:
        raise AccessDenied(_("Only a doctor working at a facility can use emergency access."))
    reason = " ".join(reason.split())
    if len(reason) < EMERGENCY_REASON_MIN:
        raise ValidationFailed(
            _("Say why this is an emergency (at least %(count)s characters)."),
            field="reason",
            params={"count": EMERGENCY_REASON_MIN},
        )
    with transaction.atomic():
        _patient_lock(patient)
        now = timezone.now()
        open_now = EmergencyAccess.objects.filter(
            patient=patient, actor=actor, facility=facility, expires_at__gt=now
        ).first()
        if open_now is not None:
            return open_now
        emergency = EmergencyAccess.objects.create(
            patient=patient,
            actor=actor,
            facility=facility,
            reason=reason[:2000],
            started_at=now,
            expires_at=now + timedelta(hours=settings.HIMS_EMERGENCY_ACCESS_HOURS),
        )
        access_record(
            actor=actor,
            action=AccessAction.CREATE,
            resource_type="EmergencyAccess",
            resource_id=emergency.pk,
            patient_id=patient.pk,
            facility=facility,
            basis=AccessBasis.BREAK_GLASS,
            purpose="BTG",
            reason=reason,
            request=request,
        )
        language = _language(patient)
        with translation.override(language):
            when = timezone.localtime(now)
            facility_name = facility.display_name
            stamp = (
                f"{formats.date_format(when, 'DATE_FORMAT')} "
                f"{formats.time_format(when, 'TIME_FORMAT')}"
            )
        _tell_patient(
            patient=patient,
            template="emergency_access",
            key=str(emergency.pk),
            doctor=_doctor_name(actor),
            facility=facility_name,
            when=stamp,
            url=f"{settings.HIMS_PUBLIC_URL}/records/my/access/",
        )
    return emergency


def emergency_access_review(
    *,
    emergency: EmergencyAccess,
    reviewer: User,
    role: str,
    facility: Facility | None,
    justified: bool,
    note: str = "",
) -> EmergencyAccess:
    """A reviewer (auditor, network administrator, or the facility's administrator) judges an
    emergency access once; never their own."""
    if role not in REVIEW_ROLES or (role == Role.FACILITY_ADMIN and facility != emergency.facility):
        raise AccessDenied(_("You cannot review emergency accesses of this facility."))
    if reviewer.pk == emergency.actor_id:
        raise AccessDenied(_("You cannot review your own emergency access."))
    note = note.strip()
    if not justified and not note:
        raise ValidationFailed(_("Say why it was not justified."), field="note")
    updated = EmergencyAccess.objects.filter(
        pk=emergency.pk, review=EmergencyReview.PENDING
    ).update(
        review=EmergencyReview.JUSTIFIED if justified else EmergencyReview.UNJUSTIFIED,
        reviewed_by=reviewer,
        reviewed_at=timezone.now(),
        review_note=note[:500],
    )
    if not updated:
        raise Conflict(_("Someone has already reviewed this."))
    emergency.refresh_from_db()
    return emergency
