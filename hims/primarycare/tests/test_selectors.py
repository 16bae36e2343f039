"""Immunization and pregnancy status on fixed days: what is given, due, overdue and next."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from hims.core.choices import AccessBasis
from hims.patients.tests.factories import make_patient
from hims.primarycare.models import Immunization, Pregnancy
from hims.primarycare.selectors import (
    immunization_status,
    pregnancy_current,
    primarycare_summary_get,
)
from hims.primarycare.services import immunization_record, pregnancy_end, pregnancy_register
from hims.primarycare.tests.conftest import NOW, TODAY, child, dose, woman
from hims.records.access import RecordAccess
from hims.records.models import Consent

pytestmark = pytest.mark.django_db

SIX_WEEKS = ["opv-1", "penta-1", "rvv-1", "fipv-1", "pcv-1"]


def _give(patient, codes, day, nurse, facility):  # type: ignore[no-untyped-def]
    for code in codes:
        immunization_record(
            patient=patient,
            vaccine_dose=dose(code),
            given_on=day,
            batch_number="B-1",
            actor=nurse,
            facility=facility,
            now=NOW,
        )


def _codes(entries):  # type: ignore[no-untyped-def]
    return [entry.dose.code for entry in entries]


def test_a_seven_week_old_with_no_doses_is_due_the_six_week_doses_and_overdue_bcg():
    status = immunization_status(child(49), TODAY)
    assert status.relevant and status.given == []
    assert _codes(status.due) == SIX_WEEKS
    assert _codes(status.overdue) == ["bcg"]  # due at birth, 7 weeks ago; given up to 1 year
    # Hepatitis B (24 hours) and OPV-0 (15 days) are past their limit: not offered.
    offered = {d.dose.code for d in [*status.due, *status.overdue, *status.upcoming]}
    assert not {"hepb-0", "opv-0"} & offered
    assert _codes(status.upcoming) == ["mr-1", "vita-1"]  # the next that no dose holds up
    assert status.next_on == TODAY - timedelta(days=49) + timedelta(days=274)


def test_a_seven_week_old_with_her_doses_waits_for_the_ten_week_doses(nurse, facility):
    baby = child(49)
    born = baby.birth_date
    _give(baby, ["bcg", "hepb-0", "opv-0"], born, nurse, facility)
    _give(baby, SIX_WEEKS, born + timedelta(days=42), nurse, facility)
    status = immunization_status(baby, TODAY)
    assert len(status.given) == 8 and status.due == [] and status.overdue == []
    assert _codes(status.upcoming) == ["opv-2", "penta-2", "rvv-2"]
    assert status.next_on == born + timedelta(days=70)


def test_the_next_dose_waits_the_minimum_interval_after_a_late_dose(nurse, facility):
    baby = child(75)
    _give(baby, SIX_WEEKS, TODAY - timedelta(days=10), nurse, facility)  # at 65 days, late
    status = immunization_status(baby, TODAY)
    assert "penta-2" not in _codes(status.due)  # due by age (70 days), not by interval
    assert _codes(status.upcoming)[:3] == ["opv-2", "penta-2", "rvv-2"]
    assert status.next_on == TODAY + timedelta(days=18)  # 28 days after the 6-week doses


def test_doses_past_their_given_up_to_age_are_no_longer_offered():
    status = immunization_status(child(400), TODAY)  # 13 months, nothing recorded
    offered = {d.dose.code for d in [*status.due, *status.overdue, *status.upcoming]}
    assert not {"bcg", "penta-1", "rvv-1", "pcv-1", "fipv-1"} & offered  # up to 1 year
    assert {"opv-1", "mr-1", "vita-1"} <= offered  # up to 5 years: still given, overdue


def test_an_adult_man_has_no_schedule_and_no_pregnancy():
    status = immunization_status(make_patient(), TODAY)
    assert not status.relevant and status.due == status.overdue == status.upcoming == []
    assert pregnancy_current(make_patient(), TODAY) is None


def test_a_pregnant_woman_is_due_td_1_then_td_2_four_weeks_later(nurse, facility):
    mother = woman()
    pregnancy_register(
        patient=mother, lmp=TODAY - timedelta(days=70), actor=nurse, facility=facility, now=NOW
    )
    status = immunization_status(mother, TODAY)
    assert status.relevant and _codes(status.due) == ["td-pw-1"]
    _give(mother, ["td-pw-1"], TODAY, nurse, facility)
    status = immunization_status(mother, TODAY)
    assert status.due == [] and _codes(status.upcoming) == ["td-pw-2"]
    assert status.next_on == TODAY + timedelta(days=28)


def test_two_td_doses_in_a_pregnancy_within_three_years_make_one_booster_due(nurse, facility):
    mother = woman()
    earlier = NOW - timedelta(days=700)
    first = pregnancy_register(
        patient=mother,
        lmp=earlier.date() - timedelta(days=60),
        actor=nurse,
        facility=facility,
        now=earlier,
    )
    for code, days in (("td-pw-1", 0), ("td-pw-2", 30)):
        immunization_record(
            patient=mother,
            vaccine_dose=dose(code),
            given_on=earlier.date() + timedelta(days=days),
            batch_number="T-7",
            actor=nurse,
            facility=facility,
            now=earlier + timedelta(days=days),
        )
    pregnancy_end(
        patient=mother,
        ended_on=first.edd,
        outcome="live_birth",
        actor=nurse,
        facility=facility,
        now=NOW,
    )
    pregnancy_register(
        patient=mother, lmp=TODAY - timedelta(days=50), actor=nurse, facility=facility, now=NOW
    )
    assert _codes(immunization_status(mother, TODAY).due) == ["td-pw-b"]


def test_pregnancy_current_gives_weeks_trimester_edd_and_the_anc_window(nurse, facility):
    mother = woman()
    lmp = date(2025, 9, 21)
    pregnancy_register(patient=mother, lmp=lmp, actor=nurse, facility=facility, now=NOW)
    now = pregnancy_current(mother, lmp + timedelta(days=170))
    assert now is not None
    assert (now.weeks, now.days, now.trimester) == (24, 2, 2)
    assert now.edd == date(2026, 6, 28)  # Naegele: LMP + 280 days
    assert now.anc_visit == 2 and now.next_anc_visit == 3
    assert now.next_anc_from == lmp + timedelta(weeks=28)
    early = pregnancy_current(mother, lmp + timedelta(weeks=10))
    assert early and (early.trimester, early.anc_visit, early.next_anc_visit) == (1, 1, 2)
    between = pregnancy_current(mother, lmp + timedelta(weeks=13, days=3))
    assert between and between.anc_visit is None and between.next_anc_visit == 2
    late = pregnancy_current(mother, lmp + timedelta(weeks=41))
    assert late and late.trimester == 3 and late.anc_visit == 4 and late.past_edd


def test_status_reads_take_a_fixed_number_of_queries(nurse, facility, django_assert_num_queries):
    baby = child(120)
    _give(baby, ["bcg", "opv-0"], baby.birth_date, nurse, facility)
    _give(baby, SIX_WEEKS, baby.birth_date + timedelta(days=42), nurse, facility)
    with django_assert_num_queries(3):
        immunization_status(baby, TODAY)
    with django_assert_num_queries(1):
        pregnancy_current(baby, TODAY)
    with django_assert_num_queries(3):
        summary = primarycare_summary_get(patient=baby, today=TODAY)
    assert len(summary.shown) == Immunization.objects.filter(patient=baby).count() == 7


def test_under_a_consent_only_the_covered_doses_show_and_nothing_is_computed(nurse, facility):
    baby = child(120)
    _give(baby, ["bcg"], baby.birth_date, nurse, facility)
    _give(baby, SIX_WEEKS, baby.birth_date + timedelta(days=42), nurse, facility)
    consent = Consent(
        hi_types=["ImmunizationRecord"],
        records_from=baby.birth_date + timedelta(days=30),
        records_to=TODAY,
        expires_at=timezone.now() + timedelta(days=1),
    )
    access = RecordAccess(baby.pk, AccessBasis.CONSENT, "CAREMGT", (consent,))
    summary = primarycare_summary_get(patient=baby, today=TODAY, access=access)
    assert summary.immunization is not None
    assert {i.vaccine_dose.code for i in summary.immunization.given} == set(SIX_WEEKS)
    assert not summary.immunization.relevant and summary.immunization.due == []
    assert summary.pregnancy is None
    other = Consent(hi_types=["Prescription"], records_from=TODAY, records_to=TODAY, expires_at=NOW)
    refused = RecordAccess(baby.pk, AccessBasis.CONSENT, "CAREMGT", (other,))
    assert primarycare_summary_get(patient=baby, today=TODAY, access=refused).is_empty
    assert not Pregnancy.objects.exists()
