from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hims.accounts.choices import Role
from hims.conftest import _staff
from hims.patients.models import Patient
from hims.patients.tests.factories import make_patient
from hims.primarycare.models import VaccineDose
from hims.primarycare.schedule import vaccine_doses_load

# A fixed clock: nothing here depends on the day the suite runs.
NOW = datetime(2026, 3, 10, 11, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _schedule(db: None) -> None:
    """The schedule the migration loads (a transactional test elsewhere empties the tables)."""
    vaccine_doses_load(VaccineDose)


def dose(code: str) -> VaccineDose:
    return VaccineDose.objects.get(code=code)


def child(days_old: int, today: date = TODAY, **fields: Any) -> Patient:
    return make_patient(
        name="Priya Sharma",
        name_hi="प्रिया शर्मा",
        gender="female",
        birth_date=today - timedelta(days=days_old),
        mobile="9811100005",
        **fields,
    )


def woman(**fields: Any) -> Patient:
    values: dict[str, Any] = {
        "name": "Sunita Sharma",
        "gender": "female",
        "birth_date": date(1995, 6, 1),
        "mobile": "9811100006",
    }
    values.update(fields)
    return make_patient(**values)


@pytest.fixture
def nurse(facility):  # type: ignore[no-untyped-def]
    return _staff("nisha", Role.NURSE, facility)
