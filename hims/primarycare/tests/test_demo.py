"""The demo family's primary care, as `hims seed-demo` writes it."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.utils import timezone

from hims.accounts.choices import Role
from hims.conftest import _staff
from hims.core.demo.primarycare import demo_primarycare_seed
from hims.primarycare.models import Immunization, Pregnancy
from hims.primarycare.selectors import immunization_status
from hims.primarycare.tests.conftest import child, woman

pytestmark = pytest.mark.django_db


def test_the_demo_baby_has_her_doses_but_one_and_her_mothers_pregnancy_ended(facility):
    _staff("nurse.lnjp", Role.NURSE, facility)
    today = timezone.localdate()
    baby = child(250, today=today)
    mother = woman(birth_date=date(today.year - 35, 1, 15))
    created: Counter[str] = Counter()
    demo_primarycare_seed(family=[mother, baby], created=created)
    assert created == {"immunizations": 17, "pregnancies": 1}
    pregnancy = Pregnancy.objects.get(patient=mother)
    assert pregnancy.outcome == "live_birth" and pregnancy.ended_on == baby.birth_date
    assert Immunization.objects.filter(patient=mother, pregnancy=pregnancy).count() == 2
    status = immunization_status(baby, today)
    assert [d.dose.code for d in status.overdue] == ["fipv-2"]
    demo_primarycare_seed(family=[mother, baby], created=created)  # once only
    assert Immunization.objects.count() == 17
