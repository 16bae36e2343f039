"""Two sign-offs of one report at the same moment, on PostgreSQL: one signature, one refusal.
And the control: without the conditional UPDATE both "win" (the second signature silently
replaces the first) unless the database trigger stops it."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from hims.clinical.lab import (
    LabOrderMoved,
    lab_order_place,
    lab_report_sign,
    lab_results_enter,
    lab_sample_collect,
)
from hims.clinical.models import LabOrder
from hims.clinical.tests.conftest import CBC_NORMAL
from hims.conftest import _staff
from hims.core.models import AccessEvent
from hims.lib.testing import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _resulted(visit, doctor, lab_technician):  # type: ignore[no-untyped-def]
    (order,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=["CBC"])
    lab_sample_collect(order=order, actor=lab_technician)
    lab_results_enter(order=order, actor=lab_technician, values=CBC_NORMAL)
    return order


def test_two_sign_offs_at_once_give_exactly_one_signed_report(visit, doctor, lab_technician):
    order = _resulted(visit, doctor, lab_technician)
    signers = [doctor, lab_technician] + [
        _staff(f"tech{i}", "lab_technician", visit.facility) for i in range(4)
    ]

    def work(i: int) -> object:
        return lab_report_sign(order=order, actor=signers[i])

    results = race(work, len(signers))
    won = [r for r in results if isinstance(r, LabOrder)]
    refused = [r for r in results if isinstance(r, LabOrderMoved)]
    assert len(won) == 1 and len(refused) == len(signers) - 1, results
    stored = LabOrder.objects.get(pk=order.pk)
    assert stored.status == "signed" and stored.signed_by_id == won[0].signed_by_id
    signed_logs = AccessEvent.objects.filter(
        resource_type="DiagnosticReport", resource_id=str(order.pk), action="update"
    )
    assert signed_logs.count() == 2  # the results entry and the one sign-off, no more


@pytest.mark.parametrize("trigger", ["off", "on"])
def test_control_a_sign_off_without_the_conditional_update_signs_twice_unless_the_trigger_stops_it(
    visit, doctor, lab_technician, trigger
):
    """Both read "resulted", then both write by primary key. With the trigger off the second
    signature replaces the first (two people were told they signed it); with it on, the
    database refuses the second."""
    order = _resulted(visit, doctor, lab_technician)
    both_read = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def naive_sign(name: str, actor) -> None:  # type: ignore[no-untyped-def]
        try:
            with transaction.atomic():
                seen = LabOrder.objects.get(pk=order.pk)  # no lock, no condition
                both_read.wait(10)
                assert seen.status == "resulted"
                LabOrder.objects.filter(pk=order.pk).update(
                    status="signed", signed_at=timezone.now(), signed_by=actor
                )
            outcome[name] = "signed"
        except DatabaseError as refused:
            outcome[name] = refused
        finally:
            connection.close()

    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE clinical_laborder {'DISABLE' if trigger == 'off' else 'ENABLE'} "
            "TRIGGER clinical_laborder_final"
        )
    try:
        threads = [
            threading.Thread(target=naive_sign, args=("doctor", doctor)),
            threading.Thread(target=naive_sign, args=("technician", lab_technician)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE clinical_laborder ENABLE TRIGGER clinical_laborder_final")
    told_signed = [name for name, result in outcome.items() if result == "signed"]
    if trigger == "off":
        assert len(told_signed) == 2  # the race: two sign-offs, the first silently overwritten
    else:
        assert len(told_signed) == 1
        assert sum(isinstance(r, DatabaseError) for r in outcome.values()) == 1
    assert LabOrder.objects.get(pk=order.pk).status == "signed"
