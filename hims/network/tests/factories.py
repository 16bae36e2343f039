from __future__ import annotations

import factory

from hims.network import choices
from hims.network.models import (
    Department,
    Facility,
    Practitioner,
    PractitionerRole,
    Room,
    Speciality,
)
from hims.network.specialities import speciality_list_ensure


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    code = factory.Sequence(lambda n: f"facility-{n}")
    name = factory.Sequence(lambda n: f"Test Hospital {n}")
    name_hi = factory.Sequence(lambda n: f"परीक्षण अस्पताल {n}")
    facility_type = choices.FacilityType.HOSPITAL
    hfr_id = factory.Sequence(lambda n: f"IN07{n:08d}")
    address_line = "Jawaharlal Nehru Marg"
    locality = "Daryaganj"
    district = choices.District.CENTRAL
    pincode = "110002"
    rollout_status = choices.RolloutStatus.LIVE


def speciality(code: str = "general-medicine") -> Speciality:
    # Transactional tests empty the database, data migrations included: ensure the master list.
    return speciality_list_ensure()[code]


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    facility = factory.SubFactory(FacilityFactory)
    speciality = factory.LazyFunction(speciality)


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    facility = factory.SubFactory(FacilityFactory)
    code = factory.Sequence(lambda n: f"R{n}")
    name = factory.Sequence(lambda n: f"Room {n}")
    kind = choices.RoomKind.CONSULTATION


class PractitionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practitioner

    name = factory.Sequence(lambda n: f"Dr. Test Practitioner {n}")
    hpr_id = factory.Sequence(lambda n: f"71{n:012d}")
    qualification = "MBBS"
    registration_council = choices.PractitionerCouncil.DMC
    registration_number = factory.Sequence(lambda n: f"DMC/{10000 + n}")


class PractitionerRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PractitionerRole

    practitioner = factory.SubFactory(PractitionerFactory)
    facility = factory.SubFactory(FacilityFactory)
    role = choices.PractitionerRoleCode.DOCTOR
