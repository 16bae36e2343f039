"""Seed the demo staff logins, link them to their practitioners and give them memberships."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from hims.accounts.choices import Role, UserKind
from hims.accounts.models import Membership, User
from hims.core.demo import facilities as data
from hims.core.demo.names import DOCTOR_TITLE, Pair
from hims.core.demo.people import Person
from hims.core.demo.practitioners import practitioner_plans
from hims.network.choices import Gender
from hims.network.models import Department, Facility, Practitioner


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    facility: str  # facility code, or "" for a network-wide role


@dataclass(frozen=True)
class LoginPlan:
    username: str
    role: Role
    facility: str | None  # None: network-wide
    practitioner: str | None = None  # a PractitionerPlan key: the login is that person
    speciality: str | None = None  # the department the membership is scoped to
    person: Person | None = None  # for logins that are not practitioners
    language: str = "hi"
    is_staff: bool = False


def _pair(en: str, hi: str) -> Pair:
    return (en, hi)


def _login_plans() -> list[LoginPlan]:
    lnjp, gtb = data.FLAGSHIP, data.SECOND_HOSPITAL
    aam = f"aam-{data.DEMO_AROGYA_MANDIR}"
    aam_district = data.LOCALITY_BY_KEY[data.DEMO_AROGYA_MANDIR].district.value
    jak = f"jak-{data.DEMO_JAN_AUSHADHI}"
    female, male = Gender.FEMALE, Gender.MALE
    return [
        LoginPlan(
            f"clerk.{lnjp}", Role.CLERK, lnjp,
            person=Person(_pair("Pooja", "पूजा"), _pair("Yadav", "यादव"), female),
        ),
        LoginPlan(
            f"doctor.{lnjp}", Role.DOCTOR, lnjp, practitioner=f"doctor:{lnjp}:general-medicine",
            speciality="general-medicine", language="en",
        ),
        LoginPlan(f"nurse.{lnjp}", Role.NURSE, lnjp, practitioner=f"nurse:{lnjp}"),
        LoginPlan(
            f"pharmacist.{lnjp}", Role.PHARMACIST, lnjp, practitioner=f"pharmacist:{lnjp}",
            language="en",
        ),
        LoginPlan(f"labtech.{lnjp}", Role.LAB_TECHNICIAN, lnjp, practitioner=f"labtech:{lnjp}"),
        LoginPlan(
            f"admin.{lnjp}", Role.FACILITY_ADMIN, lnjp,
            person=Person(_pair("Rajesh", "राजेश"), _pair("Malhotra", "मल्होत्रा"), male),
            language="en", is_staff=True,
        ),
        LoginPlan(
            f"clerk.{gtb}", Role.CLERK, gtb,
            person=Person(_pair("Imran", "इमरान"), _pair("Qureshi", "क़ुरैशी"), male),
        ),
        LoginPlan(
            f"doctor.{gtb}", Role.DOCTOR, gtb, practitioner=f"doctor:{gtb}:general-medicine",
            speciality="general-medicine",
        ),
        LoginPlan(f"anm.{aam}", Role.ANM, aam, practitioner=f"anm:{aam_district}"),
        LoginPlan(f"pharmacist.{jak}", Role.PHARMACIST, jak, practitioner=f"pharmacist:{jak}"),
        LoginPlan(
            "network.admin", Role.NETWORK_ADMIN, None,
            person=Person(_pair("Kavita", "कविता"), _pair("Saxena", "सक्सेना"), female),
            language="en", is_staff=True,
        ),
        LoginPlan(
            "auditor", Role.AUDITOR, None,
            person=Person(_pair("Harjeet", "हरजीत"), _pair("Singh", "सिंह"), male),
            language="en", is_staff=True,
        ),
    ]  # fmt: skip


def _plain_first_name(first: str) -> str:
    for title in DOCTOR_TITLE:
        first = first.removeprefix(f"{title} ")
    return first


def demo_staff_seed(
    *,
    facilities: dict[str, Facility],
    departments: dict[tuple[str, str], Department],
    practitioners: dict[str, Practitioner],
    password: str,
    created: Counter[str],
) -> list[DemoLogin]:
    """Create the missing demo logins and their memberships; existing logins keep their password."""
    plans = _login_plans()
    plan_people = {p.key: p.person for p in practitioner_plans()}
    users = User.objects.in_bulk([plan.username for plan in plans], field_name="username")
    new_users: list[User] = []
    password_hash = ""
    for plan in plans:
        if plan.username in users:
            continue
        person = plan.person or plan_people[plan.practitioner or ""]
        password_hash = password_hash or make_password(password)  # one Argon2 hash per run
        new_users.append(
            User(
                username=plan.username,
                password=password_hash,
                first_name=_plain_first_name(person.first[0]),
                last_name=person.last[0],
                kind=UserKind.STAFF,
                preferred_language=plan.language,
                is_staff=plan.is_staff,
            )
        )
    User.objects.bulk_create(new_users)
    created["users"] += len(new_users)
    users = User.objects.in_bulk([plan.username for plan in plans], field_name="username")

    linked = []
    for plan in plans:
        if plan.practitioner:
            practitioner = practitioners[plan.practitioner]
            user = users[plan.username]
            taken = Practitioner.objects.filter(user=user).exclude(pk=practitioner.pk).exists()
            if practitioner.user_id is None and not taken:
                practitioner.user = user
                linked.append(practitioner)
    Practitioner.objects.bulk_update(linked, ["user"])

    existing = set(
        Membership.objects.filter(user__in=users.values()).values_list(
            "user_id", "facility_id", "role"
        )
    )
    memberships = []
    for plan in plans:
        user = users[plan.username]
        facility = facilities[plan.facility] if plan.facility else None
        if (user.pk, facility.pk if facility else None, plan.role) in existing:
            continue
        department = (
            departments[(plan.facility, plan.speciality)]
            if plan.facility and plan.speciality
            else None
        )
        memberships.append(
            Membership(user=user, facility=facility, department=department, role=plan.role)
        )
    Membership.objects.bulk_create(memberships)
    created["memberships"] += len(memberships)
    return [DemoLogin(plan.username, plan.role, plan.facility or "") for plan in plans]
