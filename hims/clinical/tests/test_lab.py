"""Lab orders and results: the catalogue, flags for the patient's sex, the order's steps, checks
on every value, sign-off as final, amendments that keep the old value, and the access log."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from hims.clinical.choices import LabFlag
from hims.clinical.lab import (
    LabOrderMoved,
    lab_order_cancel,
    lab_order_place,
    lab_report_sign,
    lab_result_amend,
    lab_results_enter,
    lab_sample_collect,
)
from hims.clinical.lab_catalogue import lab_catalogue_load, lab_catalogue_rows
from hims.clinical.models import LabOrder, LabPanel, LabParameter, LabResult
from hims.clinical.selectors import lab_report_rows, lab_reports_for_patient
from hims.clinical.services import EncounterClosed, encounter_close, encounter_notes_save
from hims.clinical.tests.conftest import CBC_NORMAL
from hims.core.errors import Conflict, ValidationFailed
from hims.core.models import AccessEvent
from hims.patients.tests.factories import make_patient


def _close(visit, doctor):  # type: ignore[no-untyped-def]
    encounter_notes_save(
        encounter=visit, actor=doctor, chief_complaint="Tiredness", examination="", advice=""
    )
    return encounter_close(encounter=visit, actor=doctor)


def _collected(visit, doctor, lab_technician, panel="CBC"):  # type: ignore[no-untyped-def]
    (order,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=[panel])
    return lab_sample_collect(order=order, actor=lab_technician)


def _signed(visit, doctor, lab_technician, **values):  # type: ignore[no-untyped-def]
    order = _collected(visit, doctor, lab_technician)
    lab_results_enter(order=order, actor=lab_technician, values=CBC_NORMAL | values)
    return lab_report_sign(order=order, actor=lab_technician)


def _current(order, code):  # type: ignore[no-untyped-def]
    return LabResult.objects.get(order=order, parameter__code=code, is_current=True)


# --- the catalogue --------------------------------------------------------------------------


def test_the_shipped_catalogue_has_the_common_panels_with_hindi_units_and_ranges(db):
    panels = set(LabPanel.objects.values_list("code", flat=True))
    assert panels == {"CBC", "FBS", "PPBS", "RBS", "LIPID", "LFT", "KFT", "URINE", "HBA1C"}
    rows = lab_catalogue_rows()
    assert LabParameter.objects.count() == len(rows)
    assert all(r["name_hi"] and r["panel_name_hi"] for r in rows)
    hb = LabParameter.objects.get(panel__code="CBC", code="HB")
    assert (hb.loinc, hb.unit, hb.low, hb.high, hb.low_female, hb.high_female) == (
        "718-7",
        "g/dL",
        Decimal("13.0"),
        Decimal("17.0"),
        Decimal("12.0"),
        Decimal("15.0"),
    )
    colour = LabParameter.objects.get(panel__code="URINE", code="COLOUR")
    assert colour.kind == "text" and "Pale yellow" in colour.answers()
    assert colour.answer_in("Pale yellow", "hi") == "हल्का पीला"


def test_loading_the_catalogue_again_changes_nothing_and_puts_a_changed_range_back(db):
    assert lab_catalogue_load(LabPanel, LabParameter) == 0
    LabParameter.objects.filter(code="HB").update(low=Decimal(1))
    assert lab_catalogue_load(LabPanel, LabParameter) == 1
    assert LabParameter.objects.get(code="HB").low == Decimal("13.0")


@pytest.mark.parametrize(
    ("code", "value", "sex", "flag"),
    [
        ("HB", "12.5", "male", LabFlag.LOW),
        ("HB", "12.5", "female", LabFlag.NORMAL),
        ("HB", "12.5", "other", LabFlag.NORMAL),  # spans both ranges: low for neither
        ("HB", "11.5", "other", LabFlag.LOW),
        ("HB", "16.0", "female", LabFlag.HIGH),
        ("HB", "16.0", "male", LabFlag.NORMAL),
        ("HB", "6.5", "female", LabFlag.CRITICAL_LOW),
        ("HDL", "45", "female", LabFlag.LOW),
        ("HDL", "45", "male", LabFlag.NORMAL),
        ("K", "6.8", "male", LabFlag.CRITICAL_HIGH),
        ("GLU_F", "126", "female", LabFlag.HIGH),
        ("CREAT", "1.20", "female", LabFlag.HIGH),
        ("CREAT", "1.20", "male", LabFlag.NORMAL),
    ],
)
def test_flags_follow_the_reference_range_for_the_patients_sex(db, code, value, sex, flag):
    parameter = LabParameter.objects.get(code=code)
    assert parameter.flag_for(number=Decimal(value), text="", sex=sex) == flag


def test_a_text_answer_outside_the_normal_ones_is_flagged_abnormal(db):
    protein = LabParameter.objects.get(code="U_PROT")
    assert protein.flag_for(number=None, text="Nil", sex="male") == LabFlag.NORMAL
    assert protein.flag_for(number=None, text="2+", sex="male") == LabFlag.ABNORMAL


# --- ordering ---------------------------------------------------------------------------------


def test_the_doctor_orders_tests_and_each_order_is_logged_once(visit, doctor):
    before = AccessEvent.objects.count()
    orders = lab_order_place(encounter=visit, actor=doctor, panel_codes=["cbc", "LIPID", "CBC"])
    assert [o.panel.code for o in orders] == ["CBC", "LIPID"]
    assert all(
        (o.status, o.patient_id, o.facility_id) == ("ordered", visit.patient_id, visit.facility_id)
        for o in orders
    )
    events = AccessEvent.objects.order_by("pk")[before:]
    assert [(e.action, e.resource_type, e.basis, e.purpose) for e in events] == [
        ("create", "ServiceRequest", "treating", "treatment")
    ] * 2
    assert {e.resource_id for e in events} == {str(o.pk) for o in orders}


def test_a_test_already_ordered_in_the_visit_is_refused_and_nothing_is_ordered(visit, doctor):
    lab_order_place(encounter=visit, actor=doctor, panel_codes=["CBC"])
    with pytest.raises(Conflict) as refused:
        lab_order_place(encounter=visit, actor=doctor, panel_codes=["KFT", "CBC"])
    assert "Complete blood count" in str(refused.value)
    assert list(LabOrder.objects.values_list("panel__code", flat=True)) == ["CBC"]
    with pytest.raises(ValidationFailed):
        lab_order_place(encounter=visit, actor=doctor, panel_codes=["XRAY"])
    with pytest.raises(ValidationFailed):
        lab_order_place(encounter=visit, actor=doctor, panel_codes=[])
    with pytest.raises(IntegrityError), transaction.atomic():  # the database says so too
        LabOrder.objects.create(
            encounter=visit,
            patient_id=visit.patient_id,
            facility_id=visit.facility_id,
            panel=LabPanel.objects.get(code="CBC"),
            ordered_by=doctor,
        )


def test_a_cancelled_test_may_be_ordered_again(visit, doctor):
    (order,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=["FBS"])
    with pytest.raises(ValidationFailed):
        lab_order_cancel(order=order, actor=doctor, reason="  ")
    lab_order_cancel(order=order, actor=doctor, reason="Patient had eaten")
    (again,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=["FBS"])
    assert again.pk != order.pk
    order.refresh_from_db()
    assert order.status == "cancelled" and order.cancel_reason == "Patient had eaten"


def test_ordering_on_a_closed_visit_is_refused_but_its_results_still_come_in(
    visit, doctor, lab_technician
):
    (order,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=["CBC"])
    _close(visit, doctor)
    with pytest.raises(EncounterClosed):
        lab_order_place(encounter=visit, actor=doctor, panel_codes=["KFT"])
    with pytest.raises(DatabaseError), transaction.atomic():  # whatever code path tries
        LabOrder.objects.create(
            encounter=visit,
            patient_id=visit.patient_id,
            facility_id=visit.facility_id,
            panel=LabPanel.objects.get(code="KFT"),
            ordered_by=doctor,
        )
    lab_sample_collect(order=order, actor=lab_technician)
    lab_results_enter(order=order, actor=lab_technician, values=CBC_NORMAL | {"HB": "11.1"})
    signed = lab_report_sign(order=order, actor=lab_technician)
    assert signed.status == "signed" and signed.signed_by == lab_technician
    assert _current(order, "HB").flag == LabFlag.LOW
    assert LabOrder.objects.count() == 1


# --- results ----------------------------------------------------------------------------------


def test_results_are_stored_with_unit_range_and_flag_for_the_patients_sex(
    visit, doctor, lab_technician
):
    order = _collected(visit, doctor, lab_technician)
    before = AccessEvent.objects.count()
    rows = lab_results_enter(
        order=order, actor=lab_technician, values=CBC_NORMAL | {"HB": "12.5", "PLT": "15"}
    )
    assert len(rows) == len(CBC_NORMAL)
    hb = _current(order, "HB")
    assert (hb.value_numeric, hb.unit, hb.reference_low, hb.reference_high, hb.flag) == (
        Decimal("12.5"),
        "g/dL",
        Decimal("13.0"),
        Decimal("17.0"),
        "L",  # low for a man
    )
    assert _current(order, "PLT").flag == "LL"
    assert _current(order, "WBC").flag == "N"
    order.refresh_from_db()
    assert order.status == "resulted" and order.resulted_by == lab_technician
    (event,) = AccessEvent.objects.order_by("pk")[before:]
    assert (event.action, event.resource_type, event.resource_id) == (
        "update",
        "DiagnosticReport",
        str(order.pk),
    )


def test_the_same_value_is_flagged_by_the_womans_range_for_a_woman(db, doctor, lab_technician):
    from hims.clinical.models import Encounter

    woman = make_patient(name="Sunita Devi", gender="female", mobile="9811100055")
    visit = Encounter.objects.create(
        patient=woman, facility=doctor.memberships.get().facility, practitioner=doctor
    )
    order = _collected(visit, doctor, lab_technician)
    lab_results_enter(order=order, actor=lab_technician, values=CBC_NORMAL | {"HB": "12.5"})
    hb = _current(order, "HB")
    assert (hb.flag, hb.reference_low, hb.reference_high) == ("N", Decimal(12), Decimal(15))


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"HB": "130"}, "HB", "between 1 and 25"),  # a missed decimal point
        ({"HB": "13.45"}, "HB", "at most 1 decimal places"),
        ({"PLT": "250.5"}, "PLT", "whole number"),
        ({"HB": "high"}, "HB", "Enter a number"),
        ({"HB": "NaN"}, "HB", "between"),
        ({"HB": ""}, "HB", "Enter this value"),
        ({"NEUT": "70"}, "NEUT", "adds up to 110"),
        ({"GLUCOSE": "90"}, "GLUCOSE", "Not a parameter"),
    ],
)
def test_a_wrong_value_is_refused_against_its_parameter_and_nothing_is_written(
    visit, doctor, lab_technician, values, field, words
):
    order = _collected(visit, doctor, lab_technician)
    before = AccessEvent.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        lab_results_enter(order=order, actor=lab_technician, values=CBC_NORMAL | values)
    assert words in " ".join(refused.value.errors[field])
    assert not LabResult.objects.exists()
    order.refresh_from_db()
    assert order.status == "collected" and AccessEvent.objects.count() == before


def test_every_wrong_value_is_reported_at_once(visit, doctor, lab_technician):
    order = _collected(visit, doctor, lab_technician)
    with pytest.raises(ValidationFailed) as refused:
        lab_results_enter(
            order=order, actor=lab_technician, values=CBC_NORMAL | {"HB": "130", "WBC": "x"}
        )
    assert set(refused.value.errors) == {"HB", "WBC"}


def test_urine_answers_are_chosen_from_the_list_and_optional_ones_may_be_left_out(
    visit, doctor, lab_technician
):
    order = _collected(visit, doctor, lab_technician, panel="URINE")
    urine = {
        "COLOUR": "pale yellow",
        "APPEAR": "Clear",
        "PH": "6.0",
        "SG": "1.020",
        "U_PROT": "2+",
        "U_GLU": "Nil",
        "U_KET": "Nil",
        "U_WBC": "8",
        "U_RBC": "1",
    }
    with pytest.raises(ValidationFailed) as refused:
        lab_results_enter(order=order, actor=lab_technician, values=urine | {"U_GLU": "lots"})
    assert refused.value.errors["U_GLU"] == ["Choose one of the answers."]
    lab_results_enter(order=order, actor=lab_technician, values=urine)
    assert _current(order, "COLOUR").value_text == "Pale yellow"  # as the list spells it
    assert _current(order, "U_PROT").flag == "A" and _current(order, "U_WBC").flag == "H"
    assert not LabResult.objects.filter(order=order, parameter__code="U_CAST").exists()


def test_results_need_a_collected_sample(visit, doctor, lab_technician):
    (order,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=["CBC"])
    with pytest.raises(LabOrderMoved):
        lab_results_enter(order=order, actor=lab_technician, values=CBC_NORMAL)
    with pytest.raises(DatabaseError), transaction.atomic():
        LabResult.objects.create(
            order=order,
            patient_id=order.patient_id,
            parameter=LabParameter.objects.get(code="HB"),
            value_numeric=Decimal(14),
            flag="N",
            entered_by=lab_technician,
        )
    lab_sample_collect(order=order, actor=lab_technician)
    with pytest.raises(LabOrderMoved):
        lab_sample_collect(order=order, actor=lab_technician)  # collected once


def test_correcting_before_sign_off_keeps_the_first_values_as_superseded(
    visit, doctor, lab_technician
):
    order = _collected(visit, doctor, lab_technician)
    lab_results_enter(order=order, actor=lab_technician, values=CBC_NORMAL | {"HB": "4.2"})
    lab_results_enter(order=order, actor=lab_technician, values=CBC_NORMAL | {"HB": "14.2"})
    assert LabResult.objects.filter(order=order, parameter__code="HB").count() == 2
    current = _current(order, "HB")
    assert current.value_numeric == Decimal("14.2")
    assert current.supersedes is not None and current.supersedes.value_numeric == Decimal("4.2")
    assert LabResult.objects.filter(order=order, is_current=True).count() == len(CBC_NORMAL)


# --- sign-off and amendments ------------------------------------------------------------------


def test_a_signed_report_is_final(visit, doctor, lab_technician):
    order = _signed(visit, doctor, lab_technician)
    with pytest.raises(LabOrderMoved):
        lab_report_sign(order=order, actor=doctor)
    with pytest.raises(LabOrderMoved):
        lab_results_enter(order=order, actor=lab_technician, values=CBC_NORMAL)
    with pytest.raises(LabOrderMoved):
        lab_order_cancel(order=order, actor=doctor, reason="Wrong patient")
    order.refresh_from_db()
    assert order.signed_by == lab_technician and order.status == "signed"
    hb = _current(order, "HB")
    # whatever code path tries, the database keeps it
    with pytest.raises(DatabaseError), transaction.atomic():
        LabOrder.objects.filter(pk=order.pk).update(signed_by=doctor)
    with pytest.raises(DatabaseError), transaction.atomic():
        LabOrder.objects.filter(pk=order.pk).update(status="resulted", signed_at=None)
    with pytest.raises(DatabaseError), transaction.atomic():
        LabResult.objects.filter(pk=hb.pk).update(value_numeric=Decimal(9))
    with pytest.raises(DatabaseError), transaction.atomic():
        LabResult.objects.create(
            order=order,
            patient_id=order.patient_id,
            parameter=hb.parameter,
            value_numeric=Decimal(9),
            flag="L",
            entered_by=doctor,
        )  # a new value without an amendment's reason
    assert _current(order, "HB").value_numeric == Decimal("14.2")


def test_the_database_ties_each_status_to_its_times(visit, doctor):
    (order,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=["CBC"])
    with pytest.raises(IntegrityError), transaction.atomic():
        LabOrder.objects.filter(pk=order.pk).update(status="signed")  # no times, no signature
    with pytest.raises(IntegrityError), transaction.atomic():
        LabOrder.objects.filter(pk=order.pk).update(status="cancelled")  # no reason


def test_an_amendment_keeps_the_old_value_with_who_when_and_why(visit, doctor, lab_technician):
    order = _signed(visit, doctor, lab_technician)
    old = _current(order, "HB")
    with pytest.raises(ValidationFailed):
        lab_result_amend(
            order=order, actor=lab_technician, parameter_code="HB", value="10.1", reason=""
        )
    with pytest.raises(ValidationFailed):
        lab_result_amend(
            order=order, actor=lab_technician, parameter_code="HB", value="14.2", reason="Typo"
        )
    with pytest.raises(ValidationFailed) as implausible:
        lab_result_amend(
            order=order, actor=lab_technician, parameter_code="HB", value="101", reason="Typo"
        )
    assert implausible.value.field == "value"
    before = AccessEvent.objects.count()
    new = lab_result_amend(
        order=order,
        actor=doctor,
        parameter_code="HB",
        value="10.1",
        reason="Rerun on a fresh sample",
    )
    assert (new.value_numeric, new.flag, new.amend_reason, new.supersedes_id) == (
        Decimal("10.1"),
        "L",
        "Rerun on a fresh sample",
        old.pk,
    )
    old.refresh_from_db()
    assert old.value_numeric == Decimal("14.2") and not old.is_current
    order.refresh_from_db()
    assert order.status == "signed" and order.amended_at is not None
    assert order.signed_by == lab_technician  # the original sign-off stands
    (event,) = AccessEvent.objects.order_by("pk")[before:]
    assert (event.resource_type, event.resource_id) == ("Observation", str(new.pk))
    (order,) = lab_reports_for_patient(patient_ids=[visit.patient_id])
    hb_row = next(r for r in lab_report_rows(order) if r.parameter.code == "HB")
    assert hb_row.result.pk == new.pk and [e.pk for e in hb_row.earlier] == [old.pk]
    (amendment,) = hb_row.amendments
    assert (amendment["was"], amendment["reason"], amendment["by"]) == (
        "14.2",
        "Rerun on a fresh sample",
        doctor,
    )


def test_only_a_signed_report_is_amended(visit, doctor, lab_technician):
    order = _collected(visit, doctor, lab_technician)
    lab_results_enter(order=order, actor=lab_technician, values=CBC_NORMAL)
    with pytest.raises(LabOrderMoved):
        lab_result_amend(
            order=order, actor=doctor, parameter_code="HB", value="10.1", reason="Rerun"
        )


def test_each_step_writes_exactly_one_access_log_entry(visit, doctor, lab_technician):
    def logged(step):  # type: ignore[no-untyped-def]
        before = AccessEvent.objects.count()
        step()
        events = list(AccessEvent.objects.order_by("pk")[before:])
        assert all(e.patient_id == visit.patient_id and e.basis == "treating" for e in events)
        return [(e.action, e.resource_type) for e in events]

    orders: list[LabOrder] = []
    assert logged(
        lambda: orders.extend(lab_order_place(encounter=visit, actor=doctor, panel_codes=["CBC"]))
    ) == [("create", "ServiceRequest")]
    order = orders[0]
    assert logged(lambda: lab_sample_collect(order=order, actor=lab_technician)) == [
        ("update", "ServiceRequest")
    ]
    assert logged(
        lambda: lab_results_enter(order=order, actor=lab_technician, values=CBC_NORMAL)
    ) == [("update", "DiagnosticReport")]
    assert logged(lambda: lab_report_sign(order=order, actor=lab_technician)) == [
        ("update", "DiagnosticReport")
    ]
    assert logged(
        lambda: lab_result_amend(
            order=order, actor=doctor, parameter_code="PLT", value="140", reason="Clumped"
        )
    ) == [("update", "Observation")]
    before = AccessEvent.objects.count()
    with pytest.raises(LabOrderMoved):  # a refused step logs nothing: nothing was read or written
        lab_order_cancel(order=order, actor=doctor, reason="Wrong patient")
    assert AccessEvent.objects.count() == before


# --- reading ----------------------------------------------------------------------------------


def test_reports_for_a_patient_are_signed_ones_newest_first_in_two_queries(
    visit, doctor, lab_technician, django_assert_num_queries
):
    signed = _signed(visit, doctor, lab_technician)
    (pending,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=["KFT"])
    (cancelled,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=["LFT"])
    lab_order_cancel(order=cancelled, actor=doctor, reason="Not needed")
    with django_assert_num_queries(2):
        reports = lab_reports_for_patient(patient_ids=[visit.patient_id])
        rows = [lab_report_rows(r, "hi") for r in reports]
        names = [(r.panel.code, r.signed_by.username, r.facility.code) for r in reports]
        values = [(row.name, row.value, row.range) for row in rows[0]]
    assert names == [("CBC", "lena", "lnjp")] and [r.pk for r in reports] == [signed.pk]
    assert values[0] == ("हीमोग्लोबिन", "14.2", "13.0\u201317.0") and len(values) == len(CBC_NORMAL)
    everything = lab_reports_for_patient(patient_ids=[visit.patient_id], signed_only=False)
    assert {r.pk for r in everything} == {signed.pk, pending.pk}
    assert lab_reports_for_patient(patient_ids=[]) == []


def test_merging_two_records_of_one_person_moves_their_signed_reports(
    visit, doctor, lab_technician, facility
):
    from hims.patients.services import patient_merge

    order = _signed(visit, doctor, lab_technician)
    survivor = make_patient(mobile="9811100077", name="Ramesh Kumar")
    patient_merge(
        survivor_id=survivor.pk,
        loser_id=visit.patient_id,
        actor=doctor,
        facility=facility,
        reason="Registered twice",
    )
    (moved,) = lab_reports_for_patient(patient_ids=[survivor.pk])
    assert moved.pk == order.pk and moved.status == "signed"
    assert set(LabResult.objects.values_list("patient_id", flat=True)) == {survivor.pk}
