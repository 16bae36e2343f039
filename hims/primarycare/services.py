"""Writing doses given and pregnancies. Every write locks the patient row first (so two screens
recording for one patient at once check and write one after the other: no duplicate dose, no
second ongoing pregnancy, no interval checked against a dose being written at that moment),
then the visit when there is one (a closed visit takes no new writes, as in clinical), and
writes one access-log entry. The unique constraints stand behind the lock."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hims.clinical.models import Encounter
from hims.clinical.services import EncounterClosed
from hims.core.access import access_record
from hims.core.choices import AccessAction, AccessBasis
from hims.core.errors import Conflict, ValidationFailed
from hims.network.choices import Gender
from hims.patients.models import Patient
from hims.primarycare.choices import DueBasis, PregnancyOutcome, PregnancyStatus
from hims.primarycare.models import Immunization, Pregnancy, VaccineDose

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hims.accounts.models import User
    from hims.network.models import Facility

NAEGELE_DAYS = 280  # EDD = first day of the last period + 280 days
LMP_AT_MOST_DAYS = 44 * 7  # a registration with an older LMP is a typing error
YOUNGEST_MOTHER_YEARS = 10  # younger on the LMP: the wrong patient or a wrong date
TD_BOOSTER = "td-pw-b"  # instead of Td-1 and Td-2 after two doses in a pregnancy within 3 years

IMMUNIZATION = "Immunization"
PREGNANCY = "EpisodeOfCare"  # FHIR models a pregnancy followed in ANC as an episode of care


class AlreadyRecorded(Conflict):
    code = "already_recorded"
    default_message = _("This is already recorded.")


def age_text(days: int) -> str:
    """An age as a mother says it: days for a newborn, then weeks, months, years (a schedule
    limit of 365 or 1826 days reads "1 year", "5 years")."""
    if days < 28:
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if days < 98:
        weeks = days // 7
        return ngettext("%(n)d week", "%(n)d weeks", weeks) % {"n": weeks}
    if days < 730 and not (days >= 365 and days % 365 <= 2):
        months = days * 12 // 365
        return ngettext("%(n)d month", "%(n)d months", months) % {"n": months}
    years = int(days / 365.25) if days % 365 > 2 else days // 365
    return ngettext("%(n)d year", "%(n)d years", years) % {"n": years}


def _day(value: date) -> str:
    return date_format(value, "j M Y")


def _log(
    *,
    patient_id: int,
    facility: Facility,
    actor: User,
    action: str,
    resource_type: str,
    resource_id: object,
    request: HttpRequest | None,
) -> None:
    access_record(
        actor=actor,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id),
        patient_id=patient_id,
        facility=facility,
        basis=AccessBasis.TREATING,
        purpose="treatment",
        request=request,
    )


def _lock(patient: Patient, encounter: Encounter | None) -> Patient:
    """The visit (refused when closed or of another patient), then the patient row, locked for
    this transaction, in that order everywhere."""
    if encounter is not None:
        locked = Encounter.objects.select_for_update(of=("self",)).get(pk=encounter.pk)
        if locked.is_closed:
            raise EncounterClosed()
        if locked.patient_id != patient.pk:
            raise ValidationFailed(_("This visit is of another patient."))
    return Patient.objects.select_for_update().get(pk=patient.pk)


def _check_interval(*, dose: VaccineDose, given_on: date, series_given: list[Immunization]) -> None:
    """At least the minimum interval after the dose before it in the series, and before the
    dose after it (a dose entered later from the child's card)."""
    before = [i for i in series_given if i.vaccine_dose.sort_order < dose.sort_order]
    after = [i for i in series_given if i.vaccine_dose.sort_order > dose.sort_order]
    if before:
        previous = max(before, key=lambda i: i.vaccine_dose.sort_order)
        earliest = previous.given_on + timedelta(days=dose.min_interval_days)
        if given_on < earliest:
            raise ValidationFailed(
                _(
                    "%(dose)s comes at least %(days)s days after %(previous)s (given on "
                    "%(date)s): the earliest day is %(earliest)s."
                ),
                field="given_on",
                params={
                    "dose": dose.label,
                    "days": dose.min_interval_days,
                    "previous": previous.vaccine_dose.label,
                    "date": _day(previous.given_on),
                    "earliest": _day(earliest),
                },
            )
    if after:
        following = min(after, key=lambda i: i.vaccine_dose.sort_order)
        latest = following.given_on - timedelta(days=following.vaccine_dose.min_interval_days)
        if given_on > latest:
            raise ValidationFailed(
                _(
                    "%(dose)s must be at least %(days)s days before %(next)s, which was given "
                    "on %(date)s: check the dates on the card."
                ),
                field="given_on",
                params={
                    "dose": dose.label,
                    "days": following.vaccine_dose.min_interval_days,
                    "next": following.vaccine_dose.label,
                    "date": _day(following.given_on),
                },
            )


def immunization_record(
    *,
    patient: Patient,
    vaccine_dose: VaccineDose,
    given_on: date,
    batch_number: str,
    actor: User,
    facility: Facility,
    encounter: Encounter | None = None,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> Immunization:
    """Record a dose given (today, or earlier from the card). Refused, with nothing written:
    a date in the future or before birth, a dose past its "given up to" age (the programme
    does not give it then, so there is nothing to record), a dose closer to the previous one of
    its series than the minimum interval, a dose already recorded. Td in pregnancy belongs to
    the patient's ongoing pregnancy."""
    batch = " ".join(batch_number.split())[:40]
    if not batch:
        raise ValidationFailed(_("Write the batch number from the vial."), field="batch_number")
    if not vaccine_dose.is_active:
        raise ValidationFailed(
            _("This dose is not part of the schedule in use here."), field="vaccine_dose"
        )
    now = now or timezone.now()
    today = timezone.localdate(now)
    if given_on > today:
        raise ValidationFailed(_("The day it was given cannot be in the future."), field="given_on")
    with transaction.atomic():
        locked = _lock(patient, encounter)
        if given_on < locked.birth_date:
            raise ValidationFailed(
                _("The day it was given is before the date of birth (%(birth)s)."),
                field="given_on",
                params={"birth": _day(locked.birth_date)},
            )
        pregnancy = None
        if vaccine_dose.due_basis == DueBasis.PREGNANCY:
            pregnancy = Pregnancy.objects.filter(
                patient=locked, status=PregnancyStatus.ONGOING
            ).first()
            if pregnancy is None:
                raise ValidationFailed(
                    _("Td in pregnancy needs the pregnancy registered first."),
                    field="vaccine_dose",
                )
            if given_on < pregnancy.lmp:
                raise ValidationFailed(
                    _("The day it was given is before this pregnancy began (LMP %(lmp)s)."),
                    field="given_on",
                    params={"lmp": _day(pregnancy.lmp)},
                )
        elif vaccine_dose.given_up_to_days is not None:
            age = (given_on - locked.birth_date).days
            if age > vaccine_dose.given_up_to_days:
                raise ValidationFailed(
                    _(
                        "%(dose)s is given only up to the age of %(limit)s; on that day the "
                        "child was %(age)s old. It is not given after that age."
                    ),
                    field="given_on",
                    params={
                        "dose": vaccine_dose.label,
                        "limit": age_text(vaccine_dose.given_up_to_days),
                        "age": age_text(age),
                    },
                )
        series_given = list(
            Immunization.objects.filter(
                patient=locked, vaccine_dose__series=vaccine_dose.series, pregnancy=pregnancy
            ).select_related("vaccine_dose")
        )
        same = next((i for i in series_given if i.vaccine_dose_id == vaccine_dose.pk), None)
        if same is not None:
            raise AlreadyRecorded(
                _("%(dose)s is already recorded: given on %(date)s."),
                field="vaccine_dose",
                params={"dose": vaccine_dose.label, "date": _day(same.given_on)},
            )
        if pregnancy is not None and series_given:
            booster = {i.vaccine_dose.code == TD_BOOSTER for i in series_given}
            if booster != {vaccine_dose.code == TD_BOOSTER}:
                raise Conflict(
                    _("In one pregnancy Td is given either as two doses or as one booster."),
                    field="vaccine_dose",
                )
        _check_interval(dose=vaccine_dose, given_on=given_on, series_given=series_given)
        try:
            with transaction.atomic():
                immunization = Immunization.objects.create(
                    patient=locked,
                    vaccine_dose=vaccine_dose,
                    given_on=given_on,
                    facility=facility,
                    given_by=actor,
                    batch_number=batch,
                    encounter=encounter,
                    pregnancy=pregnancy,
                    recorded_at=now,
                )
        except IntegrityError:  # the constraint behind the lock
            raise AlreadyRecorded(
                _("%(dose)s is already recorded."),
                field="vaccine_dose",
                params={"dose": vaccine_dose.label},
            ) from None
        _log(
            patient_id=locked.pk,
            facility=facility,
            actor=actor,
            action=AccessAction.CREATE,
            resource_type=IMMUNIZATION,
            resource_id=immunization.pk,
            request=request,
        )
    return immunization


def pregnancy_register(
    *,
    patient: Patient,
    lmp: date,
    actor: User,
    facility: Facility,
    encounter: Encounter | None = None,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> Pregnancy:
    """Register a pregnancy for antenatal care from the LMP (EDD = LMP + 280 days). Only for a
    female patient, with an LMP neither in the future nor more than 44 weeks ago, and only when
    no other pregnancy of hers is ongoing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if lmp > today:
        raise ValidationFailed(_("The LMP cannot be in the future."), field="lmp")
    if (today - lmp).days > LMP_AT_MOST_DAYS:
        raise ValidationFailed(
            _("An LMP more than 44 weeks ago is not an ongoing pregnancy: check the date."),
            field="lmp",
        )
    with transaction.atomic():
        locked = _lock(patient, encounter)
        if locked.gender != Gender.FEMALE:
            raise ValidationFailed(_("A pregnancy can be registered only for a female patient."))
        if (lmp - locked.birth_date).days < YOUNGEST_MOTHER_YEARS * 365:
            raise ValidationFailed(
                _("With this LMP the patient would be under 10 years old: check the dates."),
                field="lmp",
            )
        ongoing = Pregnancy.objects.filter(patient=locked, status=PregnancyStatus.ONGOING).first()
        refusal = _("This patient already has an ongoing pregnancy; end it first.")
        if ongoing is not None:
            raise Conflict(refusal, field="lmp")
        try:
            with transaction.atomic():
                pregnancy = Pregnancy.objects.create(
                    patient=locked,
                    lmp=lmp,
                    edd=lmp + timedelta(days=NAEGELE_DAYS),
                    facility=facility,
                    registered_by=actor,
                    registered_at=now,
                    encounter=encounter,
                )
        except IntegrityError:
            raise Conflict(refusal, field="lmp") from None
        _log(
            patient_id=locked.pk,
            facility=facility,
            actor=actor,
            action=AccessAction.CREATE,
            resource_type=PREGNANCY,
            resource_id=pregnancy.pk,
            request=request,
        )
    return pregnancy


def pregnancy_end(
    *,
    patient: Patient,
    ended_on: date,
    outcome: str,
    actor: User,
    facility: Facility,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> Pregnancy:
    """Record how and when the patient's ongoing pregnancy ended (a delivery, a loss, or
    registered by mistake). There is at most one ongoing, so the patient names it."""
    if outcome not in PregnancyOutcome.values:
        raise ValidationFailed(_("Choose how the pregnancy ended."), field="outcome")
    today = timezone.localdate(now or timezone.now())
    if ended_on > today:
        raise ValidationFailed(_("The day it ended cannot be in the future."), field="ended_on")
    with transaction.atomic():
        locked = _lock(patient, None)
        pregnancy = Pregnancy.objects.filter(patient=locked, status=PregnancyStatus.ONGOING).first()
        if pregnancy is None:
            raise Conflict(_("No ongoing pregnancy is registered."))
        if ended_on < pregnancy.lmp:
            raise ValidationFailed(
                _("The day it ended is before the LMP (%(lmp)s)."),
                field="ended_on",
                params={"lmp": _day(pregnancy.lmp)},
            )
        pregnancy.status = PregnancyStatus.ENDED
        pregnancy.ended_on = ended_on
        pregnancy.outcome = outcome
        pregnancy.ended_by = actor
        pregnancy.save(update_fields=["status", "ended_on", "outcome", "ended_by"])
        _log(
            patient_id=locked.pk,
            facility=facility,
            actor=actor,
            action=AccessAction.UPDATE,
            resource_type=PREGNANCY,
            resource_id=pregnancy.pk,
            request=request,
        )
    return pregnancy
