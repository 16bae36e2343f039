"""Seed the demo network's facilities, their opening hours, departments and rooms."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

from hims.core.demo import facilities as data
from hims.core.demo.names import Pair
from hims.network.choices import FacilityType, RolloutStatus, RoomKind
from hims.network.models import Department, Facility, FacilityHours, Room
from hims.network.specialities import speciality_list_ensure


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
    specialities = speciality_list_ensure()
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
