from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from hims.accounts.choices import NETWORK_ROLES, Role
from hims.accounts.models import Membership, User
from hims.core.demo.names import DOCTOR_TITLE, NAME_GROUPS
from hims.core.demo.seed import DEFAULT_PASSWORD, DEMO_MOBILE
from hims.lib.identifiers import (
    MOBILE_RE,
    normalize_abha_address,
    normalize_abha_number,
    normalize_hfr_id,
    normalize_hpr_id,
    normalize_uhid,
)
from hims.network.choices import District, FacilityType, PractitionerRoleCode
from hims.network.models import (
    Department,
    Facility,
    FacilityHours,
    Practitioner,
    PractitionerRole,
    Room,
)
from hims.patients.models import Patient

pytestmark = pytest.mark.django_db

DEVANAGARI = re.compile(r"[\u0900-\u097F]")
MALE_FIRST = {pair[0] for group in NAME_GROUPS for pair in group.male}
FEMALE_FIRST = {pair[0] for group in NAME_GROUPS for pair in group.female}
# A family's surname as the men carry it: Kaur -> Singh, Devi and Kumari -> Kumar.
FAMILY_SURNAME = {
    form[0]: surname.name
    for group in NAME_GROUPS
    for surname in group.surnames
    for form in (surname.female, surname.girl, (surname.name, surname.name_hi))
    if form
}


def _seed(patients: int = 200) -> str:
    out = StringIO()
    call_command("seed_demo", patients=patients, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _plain(first: str) -> str:
    return first.removeprefix(f"{DOCTOR_TITLE[0]} ")


def test_seed_creates_the_demo_network():
    _seed()
    by_type = {t: Facility.objects.filter(facility_type=t).count() for t in FacilityType}
    assert by_type[FacilityType.HOSPITAL] + by_type[FacilityType.POLYCLINIC] == 10
    assert by_type[FacilityType.POLYCLINIC] >= 1
    assert by_type[FacilityType.AROGYA_MANDIR] == 34
    assert by_type[FacilityType.JAN_AUSHADHI] == 8
    aam_districts = set(
        Facility.objects.filter(facility_type=FacilityType.AROGYA_MANDIR).values_list(
            "district", flat=True
        )
    )
    assert aam_districts == set(District.values)
    statuses = list(Facility.objects.values_list("rollout_status", flat=True))
    assert statuses.count("planned") == 1 and statuses.count("onboarding") >= 2
    assert 90 <= Practitioner.objects.count() <= 120
    assert Patient.objects.count() == 200


def test_live_opds_have_weekly_sessions_and_bookable_slots():
    from hims.scheduling.models import ScheduleSession, Slot, SlotQuota

    _seed()
    lnjp_departments = Department.objects.filter(facility__code="lnjp").count()
    # Hospitals run a morning and an afternoon session in every department.
    assert (
        ScheduleSession.objects.filter(department__facility__code="lnjp").count()
        == 2 * lnjp_departments
    )
    assert not ScheduleSession.objects.filter(
        department__facility__facility_type=FacilityType.JAN_AUSHADHI
    ).exists()
    assert not ScheduleSession.objects.exclude(department__facility__rollout_status="live").exists()
    slot = Slot.objects.filter(facility__code="lnjp").order_by("starts_at").first()
    assert slot is not None and slot.ends_at - slot.starts_at == timedelta(minutes=15)
    assert set(SlotQuota.objects.filter(slot=slot).values_list("channel", flat=True)) == {
        "online",
        "counter",
        "priority",
        "follow_up",
    }


def test_facilities_have_departments_rooms_and_hours():
    _seed()
    for facility in Facility.objects.all():
        departments = facility.departments.count()
        rooms = set(facility.rooms.values_list("kind", flat=True))
        assert facility.hours.filter(weekday=0).exists()
        assert not facility.hours.filter(closes__lte="08:00").exists()
        if facility.facility_type == FacilityType.HOSPITAL:
            assert 8 <= departments <= 10
            assert {"consultation", "registration", "pharmacy", "laboratory"} <= rooms
        elif facility.facility_type == FacilityType.POLYCLINIC:
            assert 4 <= departments <= 6
        elif facility.facility_type == FacilityType.AROGYA_MANDIR:
            codes = set(facility.departments.values_list("speciality__code", flat=True))
            assert codes == {"primary-care", "immunization", "antenatal-care"}
            assert {"consultation", "vaccination", "wellness"} <= rooms
        else:
            assert departments == 0 and rooms == {"pharmacy"}
        assert 28.4 <= float(facility.latitude or 0) <= 28.9
        assert 76.8 <= float(facility.longitude or 0) <= 77.35
        assert facility.pincode.startswith("110")
    # Jan Aushadhi pharmacists work at their Kendra, ANMs at the Arogya Mandirs.
    jak_roles = PractitionerRole.objects.filter(facility__facility_type=FacilityType.JAN_AUSHADHI)
    assert set(jak_roles.values_list("role", flat=True)) == {PractitionerRoleCode.PHARMACIST}
    assert jak_roles.values("facility").distinct().count() == 8
    aam_roles = PractitionerRole.objects.filter(facility__facility_type=FacilityType.AROGYA_MANDIR)
    assert aam_roles.values("facility").distinct().count() == 34


def test_every_identifier_is_valid_and_unique():
    _seed()
    hfr_ids = list(Facility.objects.values_list("hfr_id", flat=True))
    assert all(normalize_hfr_id(h) == h and h.startswith("IN07") for h in hfr_ids)
    assert len(set(hfr_ids)) == len(hfr_ids)
    hpr_ids = [normalize_hpr_id(h) for h in Practitioner.objects.values_list("hpr_id", flat=True)]
    assert len(set(hpr_ids)) == len(hpr_ids)
    patients = list(Patient.objects.all())
    for patient in patients:
        assert normalize_uhid(patient.uhid) == patient.uhid
        if patient.abha_number:
            assert normalize_abha_number(patient.abha_number, luhn=True) == patient.abha_number
        if patient.abha_address:
            assert normalize_abha_address(patient.abha_address, new=True)
        assert patient.mobile == "" or MOBILE_RE.match(patient.mobile)
        assert patient.pincode.startswith("110") and patient.district
    share = sum(1 for patient in patients if patient.abha_number) / len(patients)
    assert 0.45 <= share <= 0.75
    ages = [patient.age_years for patient in patients]
    assert min(ages) == 0 and max(ages) >= 70
    assert any(patient.birth_date_is_estimated for patient in patients)


def test_full_clean_passes_on_a_sample_of_each_model():
    _seed()
    for model in (
        Facility,
        FacilityHours,
        Department,
        Room,
        Practitioner,
        PractitionerRole,
        User,
        Membership,
        Patient,
    ):
        for obj in model._default_manager.order_by("?")[:15]:
            obj.full_clean()


def test_names_are_in_both_scripts_and_match_gender():
    _seed()
    people = [
        (name, name_hi, gender)
        for model in (Patient, Practitioner)
        for name, name_hi, gender in model._default_manager.values_list("name", "name_hi", "gender")
    ]
    for name, name_hi, gender in people:
        assert name.isascii() and DEVANAGARI.search(name_hi), (name, name_hi)
        assert len(name.split()) == len(name_hi.split())
        first = _plain(name).split()[0]
        assert first in (FEMALE_FIRST if gender == "female" else MALE_FIRST), name
    assert Practitioner.objects.filter(name__startswith="Dr. ", name_hi__startswith="डॉ. ").exists()
    # Singh and Kumar are men's surnames here; women of those families are Kaur, Devi or Kumari.
    assert not Patient.objects.filter(gender="female", name__endswith=" Singh").exists()
    assert not Patient.objects.filter(gender="male", name__endswith=" Kaur").exists()


def test_families_share_a_mobile_surname_and_address():
    _seed()
    families: dict[str, list[Patient]] = defaultdict(list)
    for patient in Patient.objects.exclude(mobile=""):
        families[patient.mobile].append(patient)
    shared = [members for members in families.values() if len(members) >= 2]
    assert len(shared) >= 20
    for members in shared:
        assert len({FAMILY_SURNAME[p.name.split()[-1]] for p in members}) == 1
        assert len({(p.address_line, p.pincode) for p in members}) == 1
    assert len(families[DEMO_MOBILE]) == 4


def test_a_second_run_creates_nothing():
    _seed()
    before = _counts()
    output = _seed()
    assert _counts() == before
    assert "nothing to create" in output


def test_a_larger_count_tops_the_patients_up_without_duplicates():
    _seed(patients=120)
    first = set(Patient.objects.values_list("uhid", flat=True))
    _seed(patients=180)
    assert Patient.objects.count() == 180
    assert first <= set(Patient.objects.values_list("uhid", flat=True))


def test_every_role_has_a_login_and_network_roles_have_no_facility():
    _seed()
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    for membership in Membership.objects.select_related("user"):
        assert (membership.facility_id is None) == (membership.role in NETWORK_ROLES)
        staff_role = membership.role in {*NETWORK_ROLES, Role.FACILITY_ADMIN}
        assert membership.user.is_staff == staff_role
        assert membership.user.first_name and membership.user.last_name
    lnjp_roles = set(
        Membership.objects.filter(facility__code="lnjp").values_list("role", flat=True)
    )
    assert lnjp_roles >= {
        Role.CLERK,
        Role.DOCTOR,
        Role.NURSE,
        Role.PHARMACIST,
        Role.LAB_TECHNICIAN,
        Role.FACILITY_ADMIN,
    }
    doctor = User.objects.get(username="doctor.lnjp")
    assert doctor.practitioner.roles.filter(facility__code="lnjp").exists()
    assert Membership.objects.get(user__username="doctor.gtb").facility.code == "gtb"  # type: ignore[union-attr]
    assert set(User.objects.values_list("preferred_language", flat=True)) == {"hi", "en"}


def test_demo_clerk_signs_in_with_the_demo_password(client):
    _seed()
    assert client.login(username="clerk.lnjp", password=DEFAULT_PASSWORD)
    client.logout()
    assert not client.login(username="clerk.lnjp", password="wrong-password-1")


def test_the_demo_password_comes_from_the_environment(client, monkeypatch):
    monkeypatch.setenv("HIMS_DEMO_PASSWORD", "another-demo-secret")
    output = _seed(patients=10)
    assert "another-demo-secret" in output
    assert client.login(username="auditor", password="another-demo-secret")


def test_output_shows_logins_and_the_demo_mobile_but_no_patient_details():
    output = _seed()
    assert "clerk.lnjp" in output and "network.admin" in output and DEMO_MOBILE in output
    assert "/accounts/demo/sms/" in output
    for patient in Patient.objects.all():
        assert patient.name not in output
        assert not patient.abha_number or patient.abha_number not in output
        assert patient.mobile == DEMO_MOBILE or not patient.mobile or patient.mobile not in output
