"""Seed the demo Delhi network: facilities, practitioners, staff logins and patients.

Idempotent and safe to run on every start (`make run` does): every row has a natural key
(facility code, weekday and opening time, speciality, room number, HPR ID or council
registration, username, role) and only missing rows are created. Rows that exist are left as
they are, so edits made in the demo survive a restart. Patients are topped up to the requested
number registered at demo facilities. Everything runs in one transaction.

Deterministic: the same code gives the same network and the same patients (random.Random(2026)).
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone
from tqdm import tqdm

from hims.accounts.choices import Role, UserKind
from hims.accounts.models import Membership, User
from hims.core.demo import facilities as data
from hims.core.demo.names import DOCTOR_TITLE, NAME_GROUPS, NameGroup, Pair
from hims.lib.identifiers import luhn_check_digit, uhid_from_serial
from hims.lib.phonetic import name_key
from hims.network.choices import (
    District,
    FacilityType,
    Gender,
    PractitionerCouncil,
    PractitionerRoleCode,
    RolloutStatus,
    RoomKind,
)
from hims.network.models import (
    Department,
    Facility,
    FacilityHours,
    Practitioner,
    PractitionerRole,
    Room,
    Speciality,
)
from hims.patients.models import Patient, PatientNameKey

SEED = 2026
DEFAULT_PATIENTS = 3000
DEFAULT_PASSWORD = "hims-demo-2026"  # noqa: S105 - the published demo password
DEMO_MOBILE = "9876543210"
PATIENT_BATCH = 500


def demo_password_get() -> str:
    """The one password of every demo login: HIMS_DEMO_PASSWORD, or the published default."""
    return os.environ.get("HIMS_DEMO_PASSWORD") or DEFAULT_PASSWORD


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    facility: str  # facility code, or "" for a network-wide role


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


# --- facilities, hours, departments, rooms ---------------------------------------------


def _coordinate(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def _hfr_id(block: int, index: int) -> str:
    """Fictional HFR IDs of the real shape: IN + 07 (Delhi) + 8 digits."""
    return f"IN07{block}{index:07d}"


def _facility_plans() -> list[Facility]:
    plans: list[Facility] = []
    for index, spec in enumerate(data.HOSPITALS, start=1):
        locality = data.LOCALITY_BY_KEY[spec.locality]
        plans.append(
            Facility(
                code=spec.code,
                name=spec.name,
                name_hi=spec.name_hi,
                facility_type=spec.facility_type,
                hfr_id=_hfr_id(1, index * 37),
                address_line=spec.address_line,
                locality=locality.name,
                district=locality.district,
                pincode=locality.pincode,
                latitude=_coordinate(spec.latitude),
                longitude=_coordinate(spec.longitude),
                phone=spec.phone,
                rollout_phase=spec.rollout_phase,
                rollout_status=spec.rollout_status,
            )
        )
    for index, key in enumerate(data.AROGYA_MANDIR_LOCALITIES, start=1):
        locality = data.LOCALITY_BY_KEY[key]
        street = data.AROGYA_MANDIR_ADDRESSES[index % len(data.AROGYA_MANDIR_ADDRESSES)]
        # Most centres are live; every ninth is still being set up.
        status = RolloutStatus.ONBOARDING if index % 9 == 0 else RolloutStatus.LIVE
        plans.append(
            Facility(
                code=f"aam-{key}",
                name=f"Ayushman Arogya Mandir, {locality.name}",
                name_hi=f"आयुष्मान आरोग्य मंदिर, {locality.name_hi}",
                facility_type=FacilityType.AROGYA_MANDIR,
                hfr_id=_hfr_id(2, index * 53),
                address_line=f"{street}, {locality.name}",
                locality=locality.name,
                district=locality.district,
                pincode=locality.pincode,
                latitude=_coordinate(locality.latitude + 0.0012 * (index % 3)),
                longitude=_coordinate(locality.longitude - 0.0010 * (index % 4)),
                phone=f"011-4{(index * 7919) % 10**7:07d}",
                rollout_phase=1 if index % 2 else 2,
                rollout_status=status,
            )
        )
    for index, jak in enumerate(data.JAN_AUSHADHI_KENDRAS, start=1):
        locality = data.LOCALITY_BY_KEY[jak.locality]
        plans.append(
            Facility(
                code=f"jak-{jak.locality}",
                name=f"Pradhan Mantri Bhartiya Janaushadhi Kendra, {locality.name}",
                name_hi=f"प्रधानमंत्री भारतीय जनौषधि केंद्र, {locality.name_hi}",
                facility_type=FacilityType.JAN_AUSHADHI,
                hfr_id=_hfr_id(3, index * 71),
                address_line=jak.address_line,
                locality=locality.name,
                district=locality.district,
                pincode=locality.pincode,
                latitude=_coordinate(locality.latitude - 0.0008),
                longitude=_coordinate(locality.longitude + 0.0009),
                phone=f"011-4{(index * 104729) % 10**7:07d}",
                rollout_phase=1 if jak.hospital else 2,
                rollout_status=RolloutStatus.LIVE,
            )
        )
    return plans


def demo_facilities_seed(*, created: Counter[str]) -> dict[str, Facility]:
    """Create the missing demo facilities; return every demo facility by code."""
    plans = _facility_plans()
    codes = [plan.code for plan in plans]
    existing = set(Facility.objects.filter(code__in=codes).values_list("code", flat=True))
    taken_hfr = set(
        Facility.objects.filter(hfr_id__in=[plan.hfr_id for plan in plans]).values_list(
            "hfr_id", flat=True
        )
    )
    missing = [plan for plan in plans if plan.code not in existing]
    for plan in missing:
        if plan.hfr_id in taken_hfr:  # someone registered that HFR ID by hand: do without
            plan.hfr_id = None
    Facility.objects.bulk_create(missing)
    created["facilities"] += len(missing)
    by_code = Facility.objects.in_bulk(codes, field_name="code")
    return {code: by_code[code] for code in codes}


def _speciality_codes(facility: Facility) -> tuple[str, ...]:
    if facility.facility_type == FacilityType.AROGYA_MANDIR:
        return data.AROGYA_MANDIR_SPECIALITIES
    for spec in data.HOSPITALS:
        if spec.code == facility.code:
            return spec.specialities
    return ()


def demo_hours_seed(*, facilities: dict[str, Facility], created: Counter[str]) -> None:
    existing = set(
        FacilityHours.objects.filter(facility__in=facilities.values()).values_list(
            "facility_id", "weekday", "opens"
        )
    )
    missing = [
        FacilityHours(facility=facility, weekday=day, opens=opens, closes=closes)
        for facility in facilities.values()
        for days, opens, closes in data.HOURS[FacilityType(facility.facility_type)]
        for day in days
        if (facility.pk, day, opens) not in existing
    ]
    FacilityHours.objects.bulk_create(missing)
    created["opening hours"] += len(missing)


def demo_departments_seed(
    *, facilities: dict[str, Facility], created: Counter[str]
) -> dict[tuple[str, str], Department]:
    """Create missing departments; return them by (facility code, speciality code)."""
    specialities = Speciality.objects.in_bulk(field_name="code")
    existing = {
        (department.facility_id, department.speciality.code): department
        for department in Department.objects.filter(
            facility__in=facilities.values()
        ).select_related("speciality")
    }
    missing = [
        Department(facility=facility, speciality=specialities[code])
        for facility in facilities.values()
        for code in _speciality_codes(facility)
        if (facility.pk, code) not in existing
    ]
    Department.objects.bulk_create(missing)
    created["departments"] += len(missing)
    departments = Department.objects.filter(facility__in=facilities.values()).select_related(
        "facility", "speciality"
    )
    return {(d.facility.code, d.speciality.code): d for d in departments}


def _room(
    facility: Facility,
    code: str,
    kind: RoomKind,
    name: Pair,
    *,
    department: Department | None = None,
    floor: str = "G",
) -> Room:
    return Room(
        facility=facility,
        department=department,
        code=code,
        kind=kind,
        name=name[0],
        name_hi=name[1],
        floor=floor,
    )


def _room_plans(
    facility: Facility, departments: dict[tuple[str, str], Department]
) -> Iterator[Room]:
    kind = facility.facility_type
    if kind == FacilityType.JAN_AUSHADHI:
        yield _room(facility, "PH-1", RoomKind.PHARMACY, ("Dispensing Counter", "दवा वितरण काउंटर"))
        return
    if kind == FacilityType.AROGYA_MANDIR:
        code = facility.code
        yield _room(
            facility,
            "CONS-1",
            RoomKind.CONSULTATION,
            ("Consultation Room", "परामर्श कक्ष"),
            department=departments[(code, "primary-care")],
        )
        yield _room(
            facility,
            "VAC-1",
            RoomKind.VACCINATION,
            ("Vaccination Room", "टीकाकरण कक्ष"),
            department=departments[(code, "immunization")],
        )
        yield _room(
            facility, "YOGA-1", RoomKind.WELLNESS, ("Wellness and Yoga Hall", "वेलनेस एवं योग कक्ष")
        )
        return
    big = facility.code in {data.FLAGSHIP, data.SECOND_HOSPITAL}
    counters = 4 if big else (3 if kind == FacilityType.HOSPITAL else 2)
    for number in range(1, counters + 1):
        yield _room(
            facility,
            f"REG-{number}",
            RoomKind.REGISTRATION,
            (f"Registration Counter {number}", f"पंजीकरण काउंटर {number}"),
        )
    for index, speciality in enumerate(_speciality_codes(facility)):
        floor = 1 + index // 4
        for seat in range(2 if big else 1):
            number = floor * 100 + (index % 4) * 2 + seat + 1
            yield _room(
                facility,
                str(number),
                RoomKind.CONSULTATION,
                (f"OPD {number}", f"ओपीडी {number}"),
                department=departments[(facility.code, speciality)],
                floor=str(floor),
            )
    yield _room(facility, "PH-1", RoomKind.PHARMACY, ("Pharmacy Counter", "दवा काउंटर"))
    yield _room(facility, "LAB-1", RoomKind.LABORATORY, ("Sample Collection", "नमूना संग्रह केंद्र"))


def demo_rooms_seed(
    *,
    facilities: dict[str, Facility],
    departments: dict[tuple[str, str], Department],
    created: Counter[str],
) -> None:
    existing = set(
        Room.objects.filter(facility__in=facilities.values()).values_list("facility_id", "code")
    )
    missing = [
        room
        for facility in facilities.values()
        for room in _room_plans(facility, departments)
        if (facility.pk, room.code) not in existing
    ]
    Room.objects.bulk_create(missing)
    created["rooms"] += len(missing)


# --- people ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    first: Pair
    last: Pair
    gender: Gender

    @property
    def name(self) -> Pair:
        return (f"{self.first[0]} {self.last[0]}", f"{self.first[1]} {self.last[1]}")


def _name_group(rng: random.Random) -> NameGroup:
    return rng.choices(NAME_GROUPS, weights=[group.weight for group in NAME_GROUPS])[0]


def _person(
    rng: random.Random,
    *,
    female: bool,
    group: NameGroup | None = None,
    surname_index: int | None = None,
    adult: bool = True,
    avoid: Iterable[str] = (),
) -> Person:
    group = group or _name_group(rng)
    firsts = [pair for pair in (group.female if female else group.male) if pair[0] not in avoid]
    surname = group.surnames[
        surname_index if surname_index is not None else rng.randrange(len(group.surnames))
    ]
    return Person(
        first=rng.choice(firsts),
        last=surname.for_person(female=female, adult=adult),
        gender=Gender.FEMALE if female else Gender.MALE,
    )


# --- practitioners --------------------------------------------------------------------

QUALIFICATIONS: dict[str, tuple[str, ...]] = {
    "general-medicine": ("MBBS, MD (Medicine)", "MBBS, DNB (General Medicine)", "MBBS"),
    "general-surgery": ("MBBS, MS (General Surgery)", "MBBS, DNB (General Surgery)"),
    "paediatrics": ("MBBS, MD (Paediatrics)", "MBBS, DCH"),
    "obstetrics-gynaecology": ("MBBS, MS (Obstetrics and Gynaecology)", "MBBS, DGO"),
    "orthopaedics": ("MBBS, MS (Ortho)", "MBBS, D.Ortho"),
    "ent": ("MBBS, MS (ENT)", "MBBS, DLO"),
    "ophthalmology": ("MBBS, MS (Ophthalmology)", "MBBS, DOMS"),
    "dental": ("BDS", "BDS, MDS (Oral Medicine)"),
    "dermatology": ("MBBS, MD (Dermatology)", "MBBS, DVD"),
    "psychiatry": ("MBBS, MD (Psychiatry)", "MBBS, DPM"),
    "cardiology": ("MBBS, MD (Medicine), DM (Cardiology)",),
    "respiratory-medicine": ("MBBS, MD (Respiratory Medicine)", "MBBS, DTCD"),
    "ayush": ("BAMS", "BAMS, MD (Ayurveda)"),
}
OTHER_QUALIFICATIONS: dict[PractitionerRoleCode, tuple[str, ...]] = {
    PractitionerRoleCode.NURSE: ("GNM", "B.Sc. Nursing", "GNM, Post Basic B.Sc. Nursing"),
    PractitionerRoleCode.PHARMACIST: ("B.Pharm", "D.Pharm", "M.Pharm"),
    PractitionerRoleCode.LAB_TECHNICIAN: ("DMLT", "B.Sc. MLT"),
    PractitionerRoleCode.ANM: ("ANM",),
}
COUNCIL_PREFIX: dict[PractitionerCouncil, str] = {
    PractitionerCouncil.DMC: "DMC/R/",
    PractitionerCouncil.DDC: "DDC/A-",
    PractitionerCouncil.DNC: "DNC/",
    PractitionerCouncil.DPC: "DPC/",
    PractitionerCouncil.OTHER: "DBCP/",  # Delhi Bhartiya Chikitsa Parishad (AYUSH)
}
NURSE_HOSPITALS = tuple(spec.code for spec in data.HOSPITALS if spec.facility_type == "hospital")
PHARMACIST_FACILITIES = (
    data.FLAGSHIP,
    data.SECOND_HOSPITAL,
    *(f"jak-{jak.locality}" for jak in data.JAN_AUSHADHI_KENDRAS),
)
LAB_FACILITIES = (data.FLAGSHIP, data.SECOND_HOSPITAL, "ddu")


@dataclass(frozen=True)
class PractitionerPlan:
    """One demo practitioner and where they work: (facility code, speciality or None)."""

    key: str
    role: PractitionerRoleCode
    person: Person
    qualification: str
    council: PractitionerCouncil | None
    registration_number: str
    hpr_id: str
    speciality: str | None
    places: tuple[tuple[str, str | None], ...]
    starts_on: date


@cache
def _practitioner_plans() -> tuple[PractitionerPlan, ...]:
    """The demo's practitioners, the same every run: their own seeded stream of randomness."""
    rng = random.Random(SEED)
    hpr_ids: set[str] = set()
    registrations: set[str] = set()

    def hpr_id() -> str:
        while True:
            value = "71" + f"{rng.randrange(10**12):012d}"
            if value not in hpr_ids:
                hpr_ids.add(value)
                return value

    def registration(council: PractitionerCouncil | None) -> str:
        if council is None:
            return ""
        while True:
            value = f"{COUNCIL_PREFIX[council]}{rng.randrange(10000, 99999)}"
            if value not in registrations:
                registrations.add(value)
                return value

    def plan(
        key: str,
        role: PractitionerRoleCode,
        places: Iterable[tuple[str, str | None]],
        *,
        female_share: float,
        speciality: str | None = None,
    ) -> PractitionerPlan:
        person = _person(rng, female=rng.random() < female_share)
        if role == PractitionerRoleCode.DOCTOR:
            assert speciality is not None
            person = Person(
                first=(
                    f"{DOCTOR_TITLE[0]} {person.first[0]}",
                    f"{DOCTOR_TITLE[1]} {person.first[1]}",
                ),
                last=person.last,
                gender=person.gender,
            )
            qualification = rng.choice(QUALIFICATIONS[speciality])
            council: PractitionerCouncil | None = {
                "dental": PractitionerCouncil.DDC,
                "ayush": PractitionerCouncil.OTHER,
            }.get(speciality, PractitionerCouncil.DMC)
        else:
            qualification = rng.choice(OTHER_QUALIFICATIONS[role])
            council = {
                PractitionerRoleCode.NURSE: PractitionerCouncil.DNC,
                PractitionerRoleCode.ANM: PractitionerCouncil.DNC,
                PractitionerRoleCode.PHARMACIST: PractitionerCouncil.DPC,
            }.get(role)
        return PractitionerPlan(
            key=key,
            role=role,
            person=person,
            qualification=qualification,
            council=council,
            registration_number=registration(council),
            hpr_id=hpr_id(),
            speciality=speciality,
            places=tuple(places),
            starts_on=date(rng.randint(2016, 2025), rng.randint(1, 12), 1),
        )

    plans: list[PractitionerPlan] = []
    for spec in data.HOSPITALS:
        for speciality in spec.specialities:
            plans.append(
                plan(
                    f"doctor:{spec.code}:{speciality}",
                    PractitionerRoleCode.DOCTOR,
                    [(spec.code, speciality)],
                    female_share=0.7 if speciality == "obstetrics-gynaecology" else 0.4,
                    speciality=speciality,
                )
            )
    for code in NURSE_HOSPITALS:
        plans.append(
            plan(f"nurse:{code}", PractitionerRoleCode.NURSE, [(code, None)], female_share=0.85)
        )
    for code in PHARMACIST_FACILITIES:
        plans.append(
            plan(
                f"pharmacist:{code}",
                PractitionerRoleCode.PHARMACIST,
                [(code, None)],
                female_share=0.45,
            )
        )
    for code in LAB_FACILITIES:
        plans.append(
            plan(
                f"labtech:{code}",
                PractitionerRoleCode.LAB_TECHNICIAN,
                [(code, None)],
                female_share=0.5,
            )
        )
    # One ANM per district, for the immunization and antenatal clinics of its Arogya Mandirs.
    for district in District:
        places: list[tuple[str, str | None]] = [
            (f"aam-{key}", speciality)
            for key in data.AROGYA_MANDIR_LOCALITIES
            if data.LOCALITY_BY_KEY[key].district == district
            for speciality in ("immunization", "antenatal-care")
        ]
        if places:
            plans.append(
                plan(f"anm:{district.value}", PractitionerRoleCode.ANM, places, female_share=1.0)
            )
    return tuple(plans)


def demo_practitioners_seed(
    *,
    facilities: dict[str, Facility],
    departments: dict[tuple[str, str], Department],
    created: Counter[str],
) -> dict[str, Practitioner]:
    """Create missing practitioners and their roles; return them by plan key."""
    plans = _practitioner_plans()
    specialities = Speciality.objects.in_bulk(field_name="code")
    by_hpr = Practitioner.objects.in_bulk([p.hpr_id for p in plans], field_name="hpr_id")
    by_registration = {
        (practitioner.registration_council, practitioner.registration_number): practitioner
        for practitioner in Practitioner.objects.filter(
            registration_number__in=[p.registration_number for p in plans if p.registration_number]
        )
    }

    def found(p: PractitionerPlan) -> Practitioner | None:
        if p.hpr_id in by_hpr:
            return by_hpr[p.hpr_id]
        if p.registration_number:
            return by_registration.get((p.council or "", p.registration_number))
        return None

    missing = [
        Practitioner(
            name=p.person.name[0],
            name_hi=p.person.name[1],
            gender=p.person.gender,
            hpr_id=p.hpr_id,
            qualification=p.qualification,
            registration_council=p.council or "",
            registration_number=p.registration_number,
            speciality=specialities[p.speciality] if p.speciality else None,
        )
        for p in plans
        if found(p) is None
    ]
    Practitioner.objects.bulk_create(missing)
    created["practitioners"] += len(missing)
    by_hpr = Practitioner.objects.in_bulk([p.hpr_id for p in plans], field_name="hpr_id")
    practitioners: dict[str, Practitioner] = {}
    for p in plans:
        practitioner = found(p)
        assert practitioner is not None
        practitioners[p.key] = practitioner

    existing = set(
        PractitionerRole.objects.filter(practitioner__in=practitioners.values()).values_list(
            "practitioner_id", "facility_id", "department_id", "role"
        )
    )
    roles: list[PractitionerRole] = []
    for p in plans:
        practitioner = practitioners[p.key]
        for facility_code, speciality in p.places:
            facility = facilities[facility_code]
            department = departments[(facility_code, speciality)] if speciality else None
            key = (practitioner.pk, facility.pk, department.pk if department else None, p.role)
            if key not in existing:
                roles.append(
                    PractitionerRole(
                        practitioner=practitioner,
                        facility=facility,
                        department=department,
                        role=p.role,
                        starts_on=p.starts_on,
                    )
                )
    PractitionerRole.objects.bulk_create(roles)
    created["practitioner roles"] += len(roles)
    return practitioners


# --- staff logins ---------------------------------------------------------------------


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
    plan_people = {p.key: p.person for p in _practitioner_plans()}
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


# --- patients -------------------------------------------------------------------------


def _abha_number(rng: random.Random) -> str:
    """A fictional ABHA number: 14 digits that pass the Luhn check, like the real ones."""
    prefix = rng.choice(("91", "91", "91", "14", "35", "56"))
    partial = prefix + f"{rng.randrange(10**11):011d}"
    return partial + luhn_check_digit(partial)


def _birth_date(rng: random.Random, *, age: int, today: date) -> tuple[date, bool]:
    """A birth date `age` years ago; some adults only know their year (recorded as 1 January)."""
    born = today - timedelta(days=int(age * 365.25) + rng.randrange(365))
    if age >= 30 and rng.random() < 0.2:
        return date(born.year, 1, 1), True
    return born, False


def _address(rng: random.Random, locality: data.Locality) -> str:
    pattern = rng.randrange(4)
    if pattern == 0:
        return f"House No. {rng.randint(1, 999)}, Gali No. {rng.randint(1, 24)}, {locality.name}"
    if pattern == 1:
        block = rng.choice("ABCDEFGHJK")
        return f"{block}-{rng.randint(1, 480)}, Block {block}, {locality.name}"
    if pattern == 2:
        return f"Flat {rng.randint(1, 40)}, Pocket {rng.randint(1, 12)}, {locality.name}"
    return f"{rng.randint(1, 250)}/{rng.randint(1, 30)}, Main Road, {locality.name}"


@dataclass
class _Member:
    female: bool
    age: int


def _family_members(rng: random.Random, size: int) -> list[_Member]:
    """Head of household, spouse, perhaps an elderly parent, then children."""
    head_female = rng.random() < 0.22
    head_age = rng.randint(24, 72) if size > 1 else rng.randint(18, 90)
    members = [_Member(head_female, head_age)]
    if len(members) < size and not head_female:
        members.append(_Member(True, max(19, head_age - rng.randint(0, 7))))
    if size - len(members) >= 2 and head_age <= 60 and rng.random() < 0.4:
        members.append(_Member(rng.random() < 0.6, min(90, head_age + rng.randint(22, 30))))
    eldest_child = max(0, min(head_age - 20, 30))
    while len(members) < size:
        members.append(_Member(rng.random() < 0.49, rng.randint(0, eldest_child)))
    return members


class _PatientStream:
    """An endless, deterministic stream of synthetic families, as unsaved Patient rows."""

    def __init__(self, *, facilities: dict[str, Facility], today: date, reserved: set[str]):
        self.rng = random.Random(SEED)
        self.today = today
        self.now = timezone.now()
        weighted = [(facilities[spec.code], spec.patient_weight) for spec in data.HOSPITALS]
        weighted += [
            (facility, 1)
            for facility in facilities.values()
            if facility.facility_type == FacilityType.AROGYA_MANDIR
        ]
        self.places = [facility for facility, weight in weighted if weight]
        self.weights = [weight for _facility, weight in weighted if weight]
        self.uhids: set[str] = set(reserved)
        self.abha_numbers: set[str] = set()
        self.abha_addresses: set[str] = set()
        self.mobiles: set[str] = {DEMO_MOBILE}

    @staticmethod
    def _unique(used: set[str], make: Callable[[], str]) -> str:
        while True:
            value = make()
            if value not in used:
                used.add(value)
                return value

    def _uhid(self) -> str:
        return self._unique(self.uhids, lambda: uhid_from_serial(self.rng.randrange(10**8, 10**9)))

    def _mobile(self) -> str:
        # Patterned numbers (70000 12345) that look made up but pass every mobile check.
        return self._unique(
            self.mobiles,
            lambda: (
                self.rng.choice(("70000", "80000", "90000")) + f"{self.rng.randrange(10**5):05d}"
            ),
        )

    def _abha_number(self) -> str | None:
        if self.rng.random() >= 0.6:
            return None
        return self._unique(self.abha_numbers, lambda: _abha_number(self.rng))

    def _abha_address(self, person: Person, born: date) -> str | None:
        # Local part: 8-18 characters, a letter first, ending in a letter or digit.
        name = f"{person.first[0]}.{person.last[0]}".lower()
        year = str(born.year)
        short = name[:12].rstrip(".") + year
        candidates = [name[:14].rstrip(".") + year, *(f"{short}_{n}" for n in range(1, 10))]
        for candidate in candidates:
            if candidate not in self.abha_addresses:
                self.abha_addresses.add(candidate)
                return f"{candidate}@abdm"
        return None

    def __iter__(self) -> Iterator[Patient]:
        rng = self.rng
        district_localities: dict[str, list[data.Locality]] = {}
        for locality in data.LOCALITIES:
            district_localities.setdefault(locality.district, []).append(locality)
        while True:
            facility = rng.choices(self.places, weights=self.weights)[0]
            if rng.random() < 0.75:
                locality = rng.choice(district_localities[facility.district])
            else:
                locality = rng.choice(data.LOCALITIES)
            group = _name_group(rng)
            surname_index = rng.randrange(len(group.surnames))
            size = rng.choices((1, 2, 3, 4, 5, 6), weights=(14, 18, 24, 26, 12, 6))[0]
            family_mobile = "" if rng.random() < 0.03 else self._mobile()
            address = _address(rng, locality)
            language = "hi" if rng.random() < 0.8 else "en"
            registered = self.now - timedelta(days=rng.randrange(900), minutes=rng.randrange(600))
            first_names: list[str] = []
            for member in _family_members(rng, size):
                person = _person(
                    rng,
                    female=member.female,
                    group=group,
                    surname_index=surname_index,
                    adult=member.age >= 18,
                    avoid=first_names,
                )
                first_names.append(person.first[0])
                born, estimated = _birth_date(rng, age=member.age, today=self.today)
                own_mobile = member.age >= 18 and size >= 3 and rng.random() < 0.25
                abha = self._abha_number()
                abha_address = (
                    self._abha_address(person, born) if abha and rng.random() < 0.6 else None
                )
                yield Patient(
                    uhid=self._uhid(),
                    abha_number=abha,
                    abha_address=abha_address,
                    name=person.name[0],
                    name_hi=person.name[1],
                    gender=person.gender,
                    birth_date=born,
                    birth_date_is_estimated=estimated,
                    mobile=self._mobile() if own_mobile else family_mobile,
                    address_line=address,
                    locality=locality.name,
                    district=locality.district,
                    pincode=locality.pincode,
                    preferred_language=language,
                    registered_at=facility,
                    created_at=registered + timedelta(minutes=len(first_names)),
                )


DEMO_FAMILY_UHIDS = tuple(uhid_from_serial(987654321 + n) for n in range(4))


def _demo_family(*, facility: Facility, today: date) -> list[Patient]:
    """The README's demo family: four patients on mobile 9876543210, registered at LNJP."""
    locality = data.LOCALITY_BY_KEY["daryaganj"]
    members = [
        (("Ramesh", "रमेश"), Gender.MALE, 38 * 365 + 40, True),
        (("Sunita", "सुनीता"), Gender.FEMALE, 35 * 365 + 200, True),
        (("Rahul", "राहुल"), Gender.MALE, 9 * 365 + 100, False),
        (("Priya", "प्रिया"), Gender.FEMALE, 250, False),  # an infant, for immunization demos
    ]
    family: list[Patient] = []
    for (first, gender, age_days, has_abha), uhid in zip(members, DEMO_FAMILY_UHIDS, strict=True):
        abha = None
        if has_abha:
            partial = f"9198765432{len(family):03d}"
            abha = partial + luhn_check_digit(partial)
        family.append(
            Patient(
                uhid=uhid,
                abha_number=abha,
                abha_address=f"{first[0].lower()}.sharma.demo@abdm" if abha else None,
                name=f"{first[0]} Sharma",
                name_hi=f"{first[1]} शर्मा",
                gender=gender,
                birth_date=today - timedelta(days=age_days),
                mobile=DEMO_MOBILE,
                address_line=f"House No. 14, Gali No. 3, {locality.name}",
                locality=locality.name,
                district=locality.district,
                pincode=locality.pincode,
                preferred_language="hi",
                registered_at=facility,
            )
        )
    return family


def _patients_insert(candidates: list[Patient]) -> list[Patient]:
    """Drop candidates whose UHID exists; clear ABHA details someone else already holds."""
    taken_uhids = set(
        Patient.objects.filter(uhid__in=[c.uhid for c in candidates]).values_list("uhid", flat=True)
    )
    abhas = [c.abha_number for c in candidates if c.abha_number]
    taken_abhas = set(
        Patient.objects.filter(abha_number__in=abhas).values_list("abha_number", flat=True)
    )
    addresses = [c.abha_address for c in candidates if c.abha_address]
    taken_addresses = set(
        Patient.objects.filter(abha_address__in=addresses).values_list("abha_address", flat=True)
    )
    fresh = []
    for candidate in candidates:
        if candidate.uhid in taken_uhids:
            continue
        if candidate.abha_number in taken_abhas:
            candidate.abha_number = None
            candidate.abha_address = None
        if candidate.abha_address in taken_addresses:
            candidate.abha_address = None
        # The phonetic key fuzzy search scans, as patient_register would set it.
        candidate.name_key = name_key(candidate.name) or name_key(candidate.name_hi)
        fresh.append(candidate)
    Patient.objects.bulk_create(fresh)
    keys = {candidate.name_key for candidate in fresh if candidate.name_key}
    PatientNameKey.objects.bulk_create(
        [PatientNameKey(key=key) for key in sorted(keys)], ignore_conflicts=True
    )
    return fresh


def demo_patients_seed(
    *,
    facilities: dict[str, Facility],
    count: int,
    created: Counter[str],
    progress: bool = False,
) -> int:
    """Top the demo patients up to `count` (the demo family included); return the family size."""
    today = timezone.localdate()
    if not Patient.objects.filter(mobile=DEMO_MOBILE).exists():
        family = _patients_insert(_demo_family(facility=facilities[data.FLAGSHIP], today=today))
        created["patients"] += len(family)
    family_size = Patient.objects.filter(mobile=DEMO_MOBILE).count()
    have = Patient.objects.filter(registered_at__in=facilities.values()).count()
    needed = count - have
    if needed <= 0:
        return family_size
    stream = iter(
        _PatientStream(facilities=facilities, today=today, reserved=set(DEMO_FAMILY_UHIDS))
    )
    with tqdm(total=needed, unit="patient", desc="Demo patients", disable=not progress) as bar:
        while needed > 0:
            batch = list(islice(stream, min(PATIENT_BATCH, needed)))
            inserted = len(_patients_insert(batch))
            needed -= inserted
            created["patients"] += inserted
            bar.update(inserted)
    return family_size


# --- the whole seed --------------------------------------------------------------------

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
        summary.demo_family_size = demo_patients_seed(
            facilities=facilities, count=patients, created=created, progress=progress
        )
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
