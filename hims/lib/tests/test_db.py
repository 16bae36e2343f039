"""The hand-written statements of the hot paths give what the ORM would."""

from __future__ import annotations

from hims.core.models import IdempotencyKey
from hims.lib.db import columns, insert_unless_conflict, instances, select_one
from hims.patients.models import Patient
from hims.patients.selectors import patient_by_uhid
from hims.patients.tests.factories import make_patient
from hims.scheduling.models import Slot
from hims.scheduling.services import slot_get
from hims.scheduling.tests.factories import at, make_slot


def _fields(instance: object) -> dict[str, object]:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_a_repeated_insert_writes_nothing_and_leaves_the_transaction_usable(clerk):
    first = IdempotencyKey(user=clerk, key="k-1", fingerprint="a")
    assert insert_unless_conflict(first) and first.pk is not None
    again = IdempotencyKey(user=clerk, key="k-1", fingerprint="b")
    assert not insert_unless_conflict(again) and again.pk is None
    # No error was raised inside the test's transaction: it still answers queries.
    assert IdempotencyKey.objects.get(pk=first.pk).fingerprint == "a"
    assert IdempotencyKey.objects.count() == 1


def test_rows_read_by_hand_equal_what_the_orm_reads(department):
    slot = make_slot(department, starts_at=at(1, 9))
    lean = slot_get(slot_id=slot.pk)
    orm = Slot.objects.select_related("facility", "department__speciality").get(pk=slot.pk)
    assert _fields(lean) == _fields(orm)  # aware datetimes and dates, on SQLite as on PostgreSQL
    assert _fields(lean.facility) == _fields(orm.facility)
    assert _fields(lean.department.speciality) == _fields(orm.department.speciality)
    assert lean.department.display_name == orm.department.display_name


def test_the_lean_slot_read_is_one_query(department, django_assert_num_queries):
    slot = make_slot(department, starts_at=at(1, 9))
    with django_assert_num_queries(1):
        lean = slot_get(slot_id=slot.pk)
        assert lean.facility.display_name and lean.department.display_name  # joined, not fetched


def test_a_patient_read_by_uhid_is_the_orm_patient_and_missing_is_none(db):
    patient = make_patient()
    found = patient_by_uhid(f"  {patient.uhid.lower()} ")
    assert found is not None and _fields(found) == _fields(Patient.objects.get(pk=patient.pk))
    assert patient_by_uhid("DL000000000") is None


def test_a_missing_left_join_side_reads_as_none(department):
    slot = make_slot(department, starts_at=at(1, 9))  # no practitioner
    row = select_one(
        f"SELECT {columns(Slot, 's')}, {columns(type(department), 'd')} FROM scheduling_slot s "  # noqa: S608
        "LEFT JOIN network_department d ON d.id = -1 WHERE s.id = %s",
        [slot.pk],
    )
    assert row is not None
    read, missing = instances(row, Slot, type(department))
    assert isinstance(read, Slot) and read.pk == slot.pk and missing is None
