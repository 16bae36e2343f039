"""Visits written straight into the tables (no queue), for records tests."""

from __future__ import annotations

from decimal import Decimal

from hims.clinical.models import Encounter
from hims.core.demo.records import past_visit_create


def make_visit(
    *,
    patient,  # type: ignore[no-untyped-def]
    facility,
    practitioner,
    days_ago: int = 1,
    code: str = "E11.9",
    medicine: str = "Metformin",
    closed: bool = True,
) -> Encounter:
    """A visit with one diagnosis, raised BP and sugar, and one medicine for 30 days."""
    return past_visit_create(
        patient=patient,
        facility=facility,
        practitioner=practitioner,
        days_ago=days_ago,
        codes=(code,),
        medicines=((medicine, "bd", 30),),
        vitals={"systolic_mmhg": 150, "diastolic_mmhg": 95, "glucose_mg_dl": Decimal(210)},
        complaint="thirst, tiredness",
        closed=closed,
    )
