from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hims.network.models import Facility, Practitioner
from hims.network.tests.factories import (
    DepartmentFactory,
    FacilityFactory,
    PractitionerFactory,
    RoomFactory,
)


@pytest.mark.parametrize("hfr", ["IN071000000", "in0710000001x", "XX0710000001", "IN07100000A1"])
def test_malformed_hfr_id_is_refused_by_validation(db, hfr):
    facility = FacilityFactory.build(hfr_id=hfr)
    with pytest.raises(ValidationError) as error:
        facility.full_clean()
    assert "hfr_id" in error.value.message_dict


def test_hfr_id_is_normalized_and_blank_means_none(db):
    facility = FacilityFactory.build(hfr_id="in0710000001")
    facility.full_clean()
    assert facility.hfr_id == "IN0710000001"
    blank = FacilityFactory.build(hfr_id="")
    blank.full_clean()
    assert blank.hfr_id is None


def test_database_refuses_a_malformed_hfr_id_even_past_validation(facility):
    with pytest.raises(IntegrityError), transaction.atomic():
        Facility.objects.filter(pk=facility.pk).update(hfr_id="IN12")


def test_hfr_id_is_unique(facility):
    with pytest.raises(IntegrityError), transaction.atomic():
        FacilityFactory(hfr_id=facility.hfr_id)


@pytest.mark.parametrize("hpr", ["71-1234-5678-901", "7112345678901A", "711234567890123"])
def test_malformed_hpr_id_is_refused(db, hpr):
    with pytest.raises(ValidationError):
        PractitionerFactory.build(hpr_id=hpr).full_clean()


def test_hpr_id_written_with_hyphens_is_stored_as_digits(db):
    practitioner = PractitionerFactory.build(hpr_id="71-1234-5678-9012")
    practitioner.full_clean()
    assert practitioner.hpr_id == "71123456789012"
    assert practitioner.hpr_id_display == "71-1234-5678-9012"


def test_database_refuses_a_malformed_hpr_id(db):
    practitioner = PractitionerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Practitioner.objects.filter(pk=practitioner.pk).update(hpr_id="123")


def test_pincode_must_be_six_digits(db):
    with pytest.raises(ValidationError):
        FacilityFactory.build(pincode="01100").full_clean()


def test_a_room_cannot_belong_to_another_facilitys_department(facility, other_facility):
    department = DepartmentFactory(facility=other_facility)
    room = RoomFactory.build(facility=facility, department=department)
    with pytest.raises(ValidationError):
        room.full_clean()


def test_one_department_per_speciality_per_facility(department):
    with pytest.raises(IntegrityError), transaction.atomic():
        DepartmentFactory(facility=department.facility, speciality=department.speciality)


def test_display_name_follows_the_active_language(facility):
    from django.utils import translation

    with translation.override("hi"):
        assert facility.display_name == "लोक नायक अस्पताल"
    with translation.override("en"):
        assert facility.display_name == "Lok Nayak Hospital"
