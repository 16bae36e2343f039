"""Seed the demo patients: the README's demo family, then deterministic synthetic families."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice

from django.utils import timezone
from tqdm import tqdm

from hims.core.demo import facilities as data
from hims.core.demo.people import SEED, Person, name_group_draw, person_draw, unique_draw
from hims.lib.identifiers import luhn_check_digit, uhid_from_serial
from hims.lib.phonetic import name_key
from hims.network.choices import FacilityType, Gender
from hims.network.models import Facility
from hims.patients.models import Patient, PatientNameKey

DEMO_MOBILE = "9876543210"
PATIENT_BATCH = 500


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

    def _uhid(self) -> str:
        return unique_draw(self.uhids, lambda: uhid_from_serial(self.rng.randrange(10**8, 10**9)))

    def _mobile(self) -> str:
        # Patterned numbers (70000 12345) that look made up but pass every mobile check.
        return unique_draw(
            self.mobiles,
            lambda: (
                self.rng.choice(("70000", "80000", "90000")) + f"{self.rng.randrange(10**5):05d}"
            ),
        )

    def _abha_number(self) -> str | None:
        if self.rng.random() >= 0.6:
            return None
        return unique_draw(self.abha_numbers, lambda: _abha_number(self.rng))

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
            group = name_group_draw(rng)
            surname_index = rng.randrange(len(group.surnames))
            size = rng.choices((1, 2, 3, 4, 5, 6), weights=(14, 18, 24, 26, 12, 6))[0]
            family_mobile = "" if rng.random() < 0.03 else self._mobile()
            address = _address(rng, locality)
            language = "hi" if rng.random() < 0.8 else "en"
            registered = self.now - timedelta(days=rng.randrange(900), minutes=rng.randrange(600))
            first_names: list[str] = []
            for member in _family_members(rng, size):
                person = person_draw(
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
