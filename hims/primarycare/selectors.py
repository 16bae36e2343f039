"""Reading immunization and pregnancy status for one patient on one day. `today` is always
passed in, so a status is the same whenever it is computed for that day (and tests fix it).

What is due follows the schedule table: within a series, the dose after the last one given
(by `sort_order`) is the next; it is due at its age from birth, and never before the minimum
interval after the dose before it. A dose whose "given up to" age has passed is not offered
(the programme does not give it late) and does not hold up the rest of its series (OPV-0
missed in the first 15 days does not stop OPV-1). Td in pregnancy is due from the day the
pregnancy is registered: Td-1 then Td-2, or one booster when she had two doses in a pregnancy
within the last 3 years.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from hims.core.choices import AccessBasis
from hims.patients.models import Patient
from hims.primarycare.choices import DoseState, DueBasis, PregnancyStatus
from hims.primarycare.models import Immunization, Pregnancy, VaccineDose
from hims.primarycare.services import IMMUNIZATION, PREGNANCY, TD_BOOSTER

if TYPE_CHECKING:
    from hims.records.access import RecordAccess

CHILD_UP_TO_YEARS = 16  # childhood doses are followed up to the 17th birthday (Td at 16 years)
OVERDUE_AFTER_DAYS = 28  # due for four weeks (a monthly session missed): then overdue
TD_BOOSTER_WITHIN_DAYS = 3 * 365
TD_SECOND = "td-pw-2"

# Antenatal visits (number, from week, to week; completed weeks of gestation): the first
# within 12 weeks (registration), then 14-26, 28-34, and 36 weeks to term.
ANC_VISITS: tuple[tuple[int, int, int | None], ...] = (
    (1, 0, 12),
    (2, 14, 26),
    (3, 28, 34),
    (4, 36, None),
)


@dataclass(frozen=True)
class DoseDue:
    """A dose of the schedule for this patient: when it is due, and until when it may be given."""

    dose: VaccineDose
    due_on: date
    last_on: date | None
    state: DoseState


@dataclass(frozen=True)
class ImmunizationStatus:
    """Doses given, and, when the schedule concerns the patient now (a child up to 16 years, or
    a woman with an ongoing pregnancy), the doses due now, overdue, and the next ones."""

    given: list[Immunization]
    relevant: bool
    due: list[DoseDue] = field(default_factory=list)
    overdue: list[DoseDue] = field(default_factory=list)
    upcoming: list[DoseDue] = field(default_factory=list)  # the next doses, all on one day
    not_given: list[VaccineDose] = field(default_factory=list)  # the rest, to enter from a card

    @property
    def next_on(self) -> date | None:
        return self.upcoming[0].due_on if self.upcoming else None

    @property
    def choosable(self) -> list[tuple[str, list[VaccineDose]]]:
        """Doses to record, grouped for a chooser: what is owed first, then the rest."""
        owed = [d.dose for d in [*self.overdue, *self.due]]
        soon = [d.dose for d in self.upcoming]
        taken = {d.pk for d in [*owed, *soon]}
        rest = [d for d in self.not_given if d.pk not in taken]
        return [
            (key, doses)
            for key, doses in (("owed", owed), ("next", soon), ("other", rest))
            if doses
        ]


@dataclass(frozen=True)
class PregnancyNow:
    """An ongoing pregnancy on a given day."""

    pregnancy: Pregnancy
    weeks: int
    days: int
    trimester: int
    anc_visit: int | None  # the ANC visit whose window is now (None between windows)
    next_anc_visit: int | None
    next_anc_from: date | None

    @property
    def edd(self) -> date:
        return self.pregnancy.edd

    @property
    def past_edd(self) -> bool:
        return self.weeks * 7 + self.days > 280


@dataclass(frozen=True)
class PrimaryCareSummary:
    """What the one-screen patient summary shows of primary care."""

    patient_id: int
    immunization: ImmunizationStatus | None
    pregnancy: PregnancyNow | None

    @property
    def shown(self) -> list[tuple[int, str, int | str]]:
        """(patient, record type, record id) of every record shown, for the access log."""
        rows: list[tuple[int, str, int | str]] = []
        if self.immunization is not None:
            rows += [(self.patient_id, IMMUNIZATION, i.pk) for i in self.immunization.given]
        if self.pregnancy is not None:
            rows.append((self.patient_id, PREGNANCY, self.pregnancy.pregnancy.pk))
        return rows

    @property
    def is_empty(self) -> bool:
        immunization = self.immunization
        return self.pregnancy is None and (
            immunization is None or not (immunization.given or immunization.relevant)
        )


def _age_years(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _state(due_on: date, today: date) -> DoseState:
    if due_on > today:
        return DoseState.UPCOMING
    if (today - due_on).days > OVERDUE_AFTER_DAYS:
        return DoseState.OVERDUE
    return DoseState.DUE


def _childhood(
    doses: list[VaccineDose], given: dict[int, Immunization], born: date, today: date
) -> list[DoseDue]:
    """The next dose of each childhood series."""
    series: dict[str, list[VaccineDose]] = defaultdict(list)
    for dose in doses:
        if dose.due_basis == DueBasis.BIRTH:
            series[dose.series].append(dose)
    found = []
    for in_order in series.values():
        done = [i for i, dose in enumerate(in_order) if dose.pk in given]
        last_on = given[in_order[done[-1]].pk].given_on if done else None
        for dose in in_order[done[-1] + 1 if done else 0 :]:
            assert dose.due_age_days is not None  # a CHECK constraint for childhood doses
            due_on = born + timedelta(days=dose.due_age_days)
            if last_on is not None:
                due_on = max(due_on, last_on + timedelta(days=dose.min_interval_days))
            limit = (
                born + timedelta(days=dose.given_up_to_days)
                if dose.given_up_to_days is not None
                else None
            )
            if limit is not None and (due_on > limit or today > limit):
                continue  # too late for this one; the next of the series may still be given
            found.append(DoseDue(dose, due_on, limit, _state(due_on, today)))
            break
    return found


def _in_pregnancy(
    doses: list[VaccineDose], given: list[Immunization], pregnancy: Pregnancy, today: date
) -> list[DoseDue]:
    """The next Td dose of the ongoing pregnancy, if one is still owed."""
    td = [d for d in doses if d.due_basis == DueBasis.PREGNANCY]
    this = {i.vaccine_dose_id: i for i in given if i.pregnancy_id == pregnancy.pk}
    recent_two = any(
        i.vaccine_dose.code == TD_SECOND
        and i.pregnancy_id not in (None, pregnancy.pk)
        and i.given_on >= pregnancy.lmp - timedelta(days=TD_BOOSTER_WITHIN_DAYS)
        for i in given
    )
    booster_given = any(d.code == TD_BOOSTER and d.pk in this for d in td)
    if booster_given or (recent_two and not this):
        course = [d for d in td if d.code == TD_BOOSTER]
    else:
        course = [d for d in td if d.code != TD_BOOSTER]
    registered = timezone.localdate(pregnancy.registered_at)
    last_on: date | None = None
    for dose in course:
        if dose.pk in this:
            last_on = this[dose.pk].given_on
            continue
        due_on = registered if last_on is None else last_on + timedelta(days=dose.min_interval_days)
        return [DoseDue(dose, due_on, None, _state(due_on, today))]
    return []


def _status(
    patient: Patient,
    today: date,
    doses: list[VaccineDose],
    given: list[Immunization],
    pregnancy: Pregnancy | None,
    *,
    complete: bool = True,
) -> ImmunizationStatus:
    child = _age_years(patient.birth_date, today) <= CHILD_UP_TO_YEARS
    relevant = complete and (child or pregnancy is not None)
    if not relevant:
        return ImmunizationStatus(given=given, relevant=False)
    outside_pregnancy = {i.vaccine_dose_id: i for i in given if i.pregnancy_id is None}
    owed = _childhood(doses, outside_pregnancy, patient.birth_date, today) if child else []
    if pregnancy is not None:
        owed += _in_pregnancy(doses, given, pregnancy, today)
    future = [d for d in owed if d.state == DoseState.UPCOMING]
    first = min((d.due_on for d in future), default=None)
    by_order = lambda d: (d.due_on, d.dose.sort_order)  # noqa: E731
    this_pregnancy = {
        i.vaccine_dose_id for i in given if pregnancy and i.pregnancy_id == pregnancy.pk
    }
    not_given = [
        d
        for d in doses
        if (d.due_basis == DueBasis.BIRTH and child and d.pk not in outside_pregnancy)
        or (d.due_basis == DueBasis.PREGNANCY and pregnancy and d.pk not in this_pregnancy)
    ]
    return ImmunizationStatus(
        given=given,
        relevant=True,
        due=sorted((d for d in owed if d.state == DoseState.DUE), key=by_order),
        overdue=sorted((d for d in owed if d.state == DoseState.OVERDUE), key=by_order),
        upcoming=sorted((d for d in future if d.due_on == first), key=by_order),
        not_given=not_given,
    )


def _schedule() -> list[VaccineDose]:
    return list(VaccineDose.objects.filter(is_active=True).order_by("sort_order", "code"))


def _given(patient_id: int, dates: Q | None = None) -> list[Immunization]:
    return list(
        Immunization.objects.filter(dates or Q(), patient_id=patient_id)
        .select_related("vaccine_dose", "facility")
        .order_by("given_on", "vaccine_dose__sort_order")
    )


def _ongoing(patient_id: int) -> Pregnancy | None:
    return Pregnancy.objects.filter(patient_id=patient_id, status=PregnancyStatus.ONGOING).first()


def immunization_status(patient: Patient, today: date) -> ImmunizationStatus:
    """Three queries: the schedule, the doses given, the ongoing pregnancy."""
    return _status(patient, today, _schedule(), _given(patient.pk), _ongoing(patient.pk))


def _pregnancy_now(pregnancy: Pregnancy, today: date) -> PregnancyNow:
    elapsed = max((today - pregnancy.lmp).days, 0)
    weeks, days = divmod(elapsed, 7)
    trimester = 1 if weeks < 14 else 2 if weeks < 28 else 3
    current = next(
        (n for n, start, end in ANC_VISITS if start <= weeks and (end is None or weeks <= end)),
        None,
    )
    following = next(((n, start) for n, start, _end in ANC_VISITS if start > weeks), None)
    return PregnancyNow(
        pregnancy=pregnancy,
        weeks=weeks,
        days=days,
        trimester=trimester,
        anc_visit=current,
        next_anc_visit=following[0] if following else None,
        next_anc_from=pregnancy.lmp + timedelta(weeks=following[1]) if following else None,
    )


def pregnancy_current(patient: Patient, today: date) -> PregnancyNow | None:
    """The ongoing pregnancy on `today` with its gestational age, trimester and ANC window;
    one query."""
    pregnancy = _ongoing(patient.pk)
    return _pregnancy_now(pregnancy, today) if pregnancy is not None else None


def primarycare_summary_get(
    *, patient: Patient, today: date, access: RecordAccess | None = None
) -> PrimaryCareSummary:
    """Immunization and pregnancy status for the patient summary, in three queries. Under a
    consent only the doses it covers (type and dates) are listed and nothing is computed as
    due (that would read doses outside the consent); a pregnancy is shown on a treating
    relationship or to the patient, not under a consent (no consent type names it yet)."""
    see_doses = access is None or access.allows(IMMUNIZATION)
    see_pregnancy = access is None or access.allows(PREGNANCY)
    complete = access is None or access.basis != AccessBasis.CONSENT
    pregnancy = _ongoing(patient.pk) if see_pregnancy else None
    immunization = None
    if see_doses:
        dates = access.dates_q(IMMUNIZATION, "given_on") if access is not None else None
        immunization = _status(
            patient,
            today,
            _schedule() if complete else [],
            _given(patient.pk, dates),
            pregnancy,
            complete=complete,
        )
    return PrimaryCareSummary(
        patient_id=patient.pk,
        immunization=immunization,
        pregnancy=_pregnancy_now(pregnancy, today) if pregnancy is not None else None,
    )
