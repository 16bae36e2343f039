"""Seed the whole demo network in one transaction and report what was created."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models, transaction

from hims.accounts.models import Membership, User
from hims.core.demo.opd import demo_opd_seed
from hims.core.demo.patients import DEMO_MOBILE, demo_patients_seed
from hims.core.demo.practitioners import demo_practitioners_seed
from hims.core.demo.primarycare import demo_primarycare_seed
from hims.core.demo.records import demo_records_seed
from hims.core.demo.registry import (
    demo_departments_seed,
    demo_facilities_seed,
    demo_hours_seed,
    demo_rooms_seed,
)
from hims.core.demo.staff import DemoLogin, demo_staff_seed
from hims.network.models import (
    Department,
    Facility,
    FacilityHours,
    Practitioner,
    PractitionerRole,
    Room,
)
from hims.patients.models import Patient, PatientNameKey
from hims.scheduling.models import ScheduleSession, Slot

DEFAULT_PATIENTS = 3000
DEFAULT_PASSWORD = "hims-demo-2026"  # noqa: S105 - the published demo password


def demo_password_get() -> str:
    """The one password of every demo login: HIMS_DEMO_PASSWORD, or the published default."""
    return os.environ.get("HIMS_DEMO_PASSWORD") or DEFAULT_PASSWORD


@dataclass
class DemoSummary:
    """What a seed run did: rows created this run and in total, the logins, the demo family."""

    created: Counter[str] = field(default_factory=Counter)
    totals: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    demo_mobile: str = DEMO_MOBILE
    demo_family_size: int = 0

    @property
    def created_anything(self) -> bool:
        return any(self.created.values())


TOTALS: dict[str, type[models.Model]] = {
    "facilities": Facility,
    "opening hours": FacilityHours,
    "departments": Department,
    "rooms": Room,
    "practitioners": Practitioner,
    "practitioner roles": PractitionerRole,
    "users": User,
    "memberships": Membership,
    "patients": Patient,
    "patient name keys": PatientNameKey,
    "OPD sessions": ScheduleSession,
    "slots": Slot,
}


def demo_network_seed(
    *, patients: int = DEFAULT_PATIENTS, password: str | None = None, progress: bool = False
) -> DemoSummary:
    """Seed (or complete) the demo network in one transaction; a second run creates nothing."""
    summary = DemoSummary()
    created = summary.created
    with transaction.atomic():
        facilities = demo_facilities_seed(created=created)
        demo_hours_seed(facilities=facilities, created=created)
        departments = demo_departments_seed(facilities=facilities, created=created)
        demo_rooms_seed(facilities=facilities, departments=departments, created=created)
        practitioners = demo_practitioners_seed(
            facilities=facilities, departments=departments, created=created
        )
        summary.logins = demo_staff_seed(
            facilities=facilities,
            departments=departments,
            practitioners=practitioners,
            password=password or demo_password_get(),
            created=created,
        )
        demo_opd_seed(created=created)
        summary.demo_family_size = demo_patients_seed(
            facilities=facilities, count=patients, created=created, progress=progress
        )
        family = list(Patient.objects.filter(mobile=DEMO_MOBILE).order_by("birth_date"))
        demo_records_seed(family=family, created=created)
        demo_primarycare_seed(family=family, created=created)
    summary.totals = {label: model._default_manager.count() for label, model in TOTALS.items()}
    return summary


def demo_login_facility_names(logins: Iterable[DemoLogin]) -> dict[str, str]:
    """Facility code -> English name, for printing the logins table."""
    codes = {login.facility for login in logins if login.facility}
    return dict(Facility.objects.filter(code__in=codes).values_list("code", "name"))


__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_PATIENTS",
    "DEMO_MOBILE",
    "DemoLogin",
    "DemoSummary",
    "demo_login_facility_names",
    "demo_network_seed",
    "demo_password_get",
]
