"""Demo primary care: the demo family's baby has her birth doses and her 6, 10 and 14 week
doses at LNJP, all but fIPV-2 (so her visit page shows an overdue dose and her 9-month doses
coming); her mother's pregnancy with her, with its two Td doses, ended in a live birth on her
birthday. The mother gets no ongoing pregnancy: with an 8-month-old that would not be a
natural demo."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from hims.accounts.models import User
from hims.core.demo import facilities as data
from hims.network.choices import Gender
from hims.network.models import Facility
from hims.patients.models import Patient
from hims.primarycare.choices import PregnancyOutcome
from hims.primarycare.models import Immunization, Pregnancy, VaccineDose
from hims.primarycare.services import (
    NAEGELE_DAYS,
    immunization_record,
    pregnancy_end,
    pregnancy_register,
)

# (days after birth, doses): what the baby was given, from her MCP card.
BABY_DOSES = (
    (0, ("bcg", "hepb-0", "opv-0")),
    (42, ("opv-1", "penta-1", "rvv-1", "fipv-1", "pcv-1")),
    (70, ("opv-2", "penta-2", "rvv-2")),
    (98, ("opv-3", "penta-3", "rvv-3", "pcv-2")),  # fIPV-2 was missed
)


def _at(day: date) -> datetime:
    """Late morning of `day` in India: when the dose was given and written down."""
    return timezone.make_aware(datetime.combine(day, time(11, 0)))


def demo_primarycare_seed(*, family: Sequence[Patient], created: Counter[str]) -> None:
    """Once: nothing is written when the family has any dose or pregnancy already."""
    if not family or (
        Immunization.objects.filter(patient__in=family).exists()
        or Pregnancy.objects.filter(patient__in=family).exists()
    ):
        return
    lnjp = Facility.objects.filter(code=data.FLAGSHIP).first()
    nurse = User.objects.filter(username=f"nurse.{data.FLAGSHIP}").first()
    today = timezone.localdate()
    baby = min(family, key=lambda p: (today - p.birth_date).days)
    if lnjp is None or nurse is None or (today - baby.birth_date).days >= 365:
        return
    doses = VaccineDose.objects.in_bulk(field_name="code")
    mother = next(
        (
            p
            for p in family
            if p.gender == Gender.FEMALE
            and 20 <= (baby.birth_date - p.birth_date).days // 365 <= 45
        ),
        None,
    )
    if mother is not None:
        lmp = baby.birth_date - timedelta(days=NAEGELE_DAYS)
        pregnancy_register(
            patient=mother, lmp=lmp, actor=nurse, facility=lnjp, now=_at(lmp + timedelta(days=60))
        )
        for code, days in (("td-pw-1", 60), ("td-pw-2", 90)):
            immunization_record(
                patient=mother,
                vaccine_dose=doses[code],
                given_on=lmp + timedelta(days=days),
                batch_number="TD-24-0917",
                actor=nurse,
                facility=lnjp,
                now=_at(lmp + timedelta(days=days)),
            )
            created["immunizations"] += 1
        pregnancy_end(
            patient=mother,
            ended_on=baby.birth_date,
            outcome=PregnancyOutcome.LIVE_BIRTH,
            actor=nurse,
            facility=lnjp,
            now=_at(baby.birth_date),
        )
        created["pregnancies"] += 1
    for days, codes in BABY_DOSES:
        day = baby.birth_date + timedelta(days=days)
        if day > today:
            break
        for code in codes:
            immunization_record(
                patient=baby,
                vaccine_dose=doses[code],
                given_on=day,
                batch_number=f"{code.split('-')[0].upper()}-25-{100 + days}",
                actor=nurse,
                facility=lnjp,
                now=_at(day),
            )
            created["immunizations"] += 1
