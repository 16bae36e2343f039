"""Seed the demo practitioners (doctors, nurses, pharmacists, lab staff, ANMs) and their roles."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache

from hims.core.demo import facilities as data
from hims.core.demo.names import DOCTOR_TITLE
from hims.core.demo.people import SEED, Person, person_draw, unique_draw
from hims.network.choices import District, PractitionerCouncil, PractitionerRoleCode
from hims.network.models import Department, Facility, Practitioner, PractitionerRole
from hims.network.specialities import speciality_list_ensure

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
def practitioner_plans() -> tuple[PractitionerPlan, ...]:
    """The demo's practitioners, the same every run: their own seeded stream of randomness."""
    rng = random.Random(SEED)
    hpr_ids: set[str] = set()
    registrations: set[str] = set()

    def hpr_id() -> str:
        return unique_draw(hpr_ids, lambda: "71" + f"{rng.randrange(10**12):012d}")

    def registration(council: PractitionerCouncil | None) -> str:
        if council is None:
            return ""
        prefix = COUNCIL_PREFIX[council]
        return unique_draw(registrations, lambda: f"{prefix}{rng.randrange(10000, 99999)}")

    def plan(
        key: str,
        role: PractitionerRoleCode,
        places: Iterable[tuple[str, str | None]],
        *,
        female_share: float,
        speciality: str | None = None,
    ) -> PractitionerPlan:
        person = person_draw(rng, female=rng.random() < female_share)
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
    plans = practitioner_plans()
    specialities = speciality_list_ensure()
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
