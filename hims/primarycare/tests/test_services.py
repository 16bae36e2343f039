"""Recording doses and pregnancies: the rules an ANM expects, the log, the database's guards."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from hims.clinical.models import Encounter
from hims.clinical.services import EncounterClosed
from hims.core.errors import Conflict, ValidationFailed
from hims.core.models import AccessEvent
from hims.patients.tests.factories import make_patient
from hims.primarycare.models import Immunization, Pregnancy
from hims.primarycare.services import (
    AlreadyRecorded,
    immunization_record,
    pregnancy_end,
    pregnancy_register,
)
from hims.primarycare.tests.conftest import NOW, TODAY, child, dose, woman

pytestmark = pytest.mark.django_db


def _record(patient, code, given_on, nurse, facility, **extra):  # type: ignore[no-untyped-def]
    return immunization_record(
        patient=patient,
        vaccine_dose=dose(code),
        given_on=given_on,
        batch_number=extra.pop("batch_number", "PV-2026-118"),
        actor=nurse,
        facility=facility,
        now=NOW,
        **extra,
    )


def test_a_dose_given_is_recorded_and_logged(nurse, facility):
    baby = child(49)
    given = _record(baby, "penta-1", TODAY, nurse, facility, batch_number="  PV 118 ")
    assert given.batch_number == "PV 118" and given.given_by == nurse
    assert (
        AccessEvent.objects.filter(
            patient_id=baby.pk,
            resource_type="Immunization",
            resource_id=str(given.pk),
            action="create",
            basis="treating",
        ).count()
        == 1
    )


def test_the_same_dose_twice_is_refused_with_the_day_it_was_given(nurse, facility):
    baby = child(49)
    _record(baby, "penta-1", TODAY - timedelta(days=3), nurse, facility)
    with pytest.raises(AlreadyRecorded) as refused:
        _record(baby, "penta-1", TODAY, nurse, facility)
    assert "already recorded" in str(refused.value) and "7 Mar 2026" in str(refused.value)
    assert Immunization.objects.filter(patient=baby).count() == 1
    assert AccessEvent.objects.filter(resource_type="Immunization").count() == 1


def test_a_dose_sooner_than_four_weeks_after_the_previous_one_is_refused(nurse, facility):
    baby = child(90)
    _record(baby, "penta-1", TODAY - timedelta(days=20), nurse, facility)
    with pytest.raises(ValidationFailed) as refused:
        _record(baby, "penta-2", TODAY, nurse, facility)
    assert refused.value.field == "given_on" and "28 days" in str(refused.value)
    assert "18 Mar 2026" in str(refused.value)  # the earliest day it may be given
    assert not Immunization.objects.filter(vaccine_dose__code="penta-2").exists()


def test_a_dose_entered_from_the_card_must_also_be_four_weeks_before_the_next(nurse, facility):
    baby = child(150)
    _record(baby, "penta-2", TODAY - timedelta(days=10), nurse, facility)
    with pytest.raises(ValidationFailed):
        _record(baby, "penta-1", TODAY - timedelta(days=30), nurse, facility)
    _record(baby, "penta-1", TODAY - timedelta(days=38), nurse, facility)  # exactly 28 days
    assert Immunization.objects.filter(patient=baby).count() == 2


def test_a_dose_past_its_given_up_to_age_is_refused_in_the_users_language(nurse, facility):
    toddler = child(400)
    with pytest.raises(ValidationFailed) as refused:
        _record(toddler, "penta-1", TODAY, nurse, facility)
    assert "only up to the age of 1 year" in str(refused.value)
    assert "13 months" in str(refused.value)
    # The same dose given within the limit, entered now from the card, is fine.
    _record(toddler, "penta-1", toddler.birth_date + timedelta(days=45), nurse, facility)
    with translation.override("hi"):
        assert str(refused.value)  # rendered lazily in the language of the page


@pytest.mark.parametrize(
    ("given_on", "batch", "field"),
    [
        (TODAY + timedelta(days=1), "B1", "given_on"),  # the future
        (TODAY - timedelta(days=60), "B1", "given_on"),  # before birth
        (TODAY, "   ", "batch_number"),
    ],
)
def test_bad_dates_and_an_empty_batch_are_refused(nurse, facility, given_on, batch, field):
    with pytest.raises(ValidationFailed) as refused:
        _record(child(49), "penta-1", given_on, nurse, facility, batch_number=batch)
    assert refused.value.field == field
    assert not Immunization.objects.exists() and not AccessEvent.objects.exists()


def test_je_is_refused_while_it_is_switched_off(nurse, facility):
    with pytest.raises(ValidationFailed):
        _record(child(300), "je-1", TODAY, nurse, facility)


def test_the_database_refuses_a_duplicate_a_future_day_and_an_empty_batch(nurse, facility):
    baby = child(49)
    given = _record(baby, "bcg", TODAY, nurse, facility)
    row = {
        "patient": baby,
        "facility": facility,
        "given_by": nurse,
        "given_on": TODAY,
        "batch_number": "X",
        "recorded_at": NOW,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Immunization.objects.create(vaccine_dose=given.vaccine_dose, **row)
    with pytest.raises(IntegrityError), transaction.atomic():
        Immunization.objects.create(
            vaccine_dose=dose("opv-0"), **{**row, "given_on": TODAY + timedelta(days=1)}
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Immunization.objects.create(vaccine_dose=dose("opv-0"), **{**row, "batch_number": ""})
    # Late in the evening in India is already the next day in UTC terms: still allowed.
    late = NOW.replace(hour=23, minute=50)
    Immunization.objects.create(vaccine_dose=dose("opv-0"), **{**row, "recorded_at": late})


def test_td_in_pregnancy_needs_a_pregnancy_and_is_given_again_in_the_next(nurse, facility):
    mother = woman()
    with pytest.raises(ValidationFailed):
        _record(mother, "td-pw-1", TODAY, nurse, facility)
    earlier = NOW - timedelta(days=400)
    first = pregnancy_register(
        patient=mother, lmp=earlier.date(), actor=nurse, facility=facility, now=earlier
    )
    immunization_record(
        patient=mother,
        vaccine_dose=dose("td-pw-1"),
        given_on=earlier.date() + timedelta(days=20),
        batch_number="T1",
        actor=nurse,
        facility=facility,
        now=earlier + timedelta(days=20),
    )
    pregnancy_end(
        patient=mother,
        ended_on=first.edd,
        outcome="live_birth",
        actor=nurse,
        facility=facility,
        now=NOW,
    )
    second = pregnancy_register(
        patient=mother, lmp=TODAY - timedelta(days=30), actor=nurse, facility=facility, now=NOW
    )
    again = _record(mother, "td-pw-1", TODAY, nurse, facility)
    assert again.pregnancy == second
    with pytest.raises(Conflict):  # a booster as well as Td-1 in one pregnancy
        _record(mother, "td-pw-b", TODAY, nurse, facility)


def test_a_closed_visit_takes_no_new_dose(nurse, doctor, facility):
    baby = child(49)
    visit = Encounter.objects.create(
        patient=baby, facility=facility, practitioner=doctor, status="closed", closed_at=NOW
    )
    with pytest.raises(EncounterClosed):
        _record(baby, "bcg", TODAY, nurse, facility, encounter=visit)
    assert not Immunization.objects.exists()


# --- pregnancy ---------------------------------------------------------------------------


def test_a_pregnancy_is_registered_with_the_edd_by_naegele_and_logged(nurse, facility):
    mother = woman()
    pregnancy = pregnancy_register(
        patient=mother, lmp=date(2026, 1, 1), actor=nurse, facility=facility, now=NOW
    )
    assert pregnancy.edd == date(2026, 10, 8) and pregnancy.is_ongoing
    assert AccessEvent.objects.filter(
        resource_type="EpisodeOfCare", resource_id=str(pregnancy.pk), action="create"
    ).exists()


@pytest.mark.parametrize(
    "lmp", [TODAY + timedelta(days=1), TODAY - timedelta(weeks=44, days=1)], ids=["future", "old"]
)
def test_an_lmp_in_the_future_or_more_than_44_weeks_ago_is_refused(nurse, facility, lmp):
    with pytest.raises(ValidationFailed) as refused:
        pregnancy_register(patient=woman(), lmp=lmp, actor=nurse, facility=facility, now=NOW)
    assert refused.value.field == "lmp" and not Pregnancy.objects.exists()


def test_only_a_female_patient_can_have_a_pregnancy_registered(nurse, facility):
    with pytest.raises(ValidationFailed) as refused:
        pregnancy_register(
            patient=make_patient(),
            lmp=TODAY - timedelta(days=50),
            actor=nurse,
            facility=facility,
            now=NOW,
        )
    assert "female" in str(refused.value) and not Pregnancy.objects.exists()
    with pytest.raises(ValidationFailed):  # a baby girl: the wrong patient's page
        pregnancy_register(
            patient=child(300),
            lmp=TODAY - timedelta(days=50),
            actor=nurse,
            facility=facility,
            now=NOW,
        )


def test_one_ongoing_pregnancy_per_woman_in_the_service_and_in_the_database(nurse, facility):
    mother = woman()
    first = pregnancy_register(
        patient=mother, lmp=TODAY - timedelta(days=50), actor=nurse, facility=facility, now=NOW
    )
    with pytest.raises(Conflict):
        pregnancy_register(
            patient=mother,
            lmp=TODAY - timedelta(days=20),
            actor=nurse,
            facility=facility,
            now=NOW,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Pregnancy.objects.create(
            patient=mother,
            lmp=TODAY - timedelta(days=20),
            edd=TODAY + timedelta(days=260),
            facility=facility,
            registered_by=nurse,
        )
    ended = pregnancy_end(
        patient=mother,
        ended_on=TODAY,
        outcome="miscarriage",
        actor=nurse,
        facility=facility,
        now=NOW,
    )
    assert ended.pk == first.pk and not ended.is_ongoing and ended.ended_by == nurse
    with pytest.raises(Conflict):  # nothing ongoing any more
        pregnancy_end(
            patient=mother,
            ended_on=TODAY,
            outcome="live_birth",
            actor=nurse,
            facility=facility,
            now=NOW,
        )
    pregnancy_register(  # a new pregnancy after the loss
        patient=mother, lmp=TODAY - timedelta(days=5), actor=nurse, facility=facility, now=NOW
    )
    assert Pregnancy.objects.filter(patient=mother).count() == 2


def test_ending_checks_the_outcome_and_the_day(nurse, facility):
    mother = woman()
    pregnancy_register(
        patient=mother, lmp=TODAY - timedelta(days=50), actor=nurse, facility=facility, now=NOW
    )
    for ended_on, outcome in (
        (TODAY, "twins"),
        (TODAY + timedelta(days=1), "live_birth"),
        (TODAY - timedelta(days=51), "miscarriage"),
    ):
        with pytest.raises(ValidationFailed):
            pregnancy_end(
                patient=mother,
                ended_on=ended_on,
                outcome=outcome,
                actor=nurse,
                facility=facility,
                now=NOW,
            )
    assert Pregnancy.objects.get(patient=mother).is_ongoing
    with pytest.raises(IntegrityError), transaction.atomic():  # an end with no outcome
        Pregnancy.objects.filter(patient=mother).update(status="ended", ended_on=TODAY)
