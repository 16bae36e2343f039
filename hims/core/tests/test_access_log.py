from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from hims.core.access import access_record
from hims.core.choices import AccessAction, AccessBasis, AccessOutcome
from hims.core.models import AccessEvent


def _entry(actor, facility):  # type: ignore[no-untyped-def]
    return access_record(
        actor=actor,
        action=AccessAction.READ,
        resource_type="Patient",
        resource_id=42,
        patient_id=42,
        basis=AccessBasis.TREATING,
        facility=facility,
        actor_role="doctor",
    )


def test_access_record_writes_one_entry_with_who_what_and_why(doctor, facility):
    entry = _entry(doctor, facility)
    assert AccessEvent.objects.count() == 1
    stored = AccessEvent.objects.get()
    assert (stored.actor, stored.facility, stored.patient_id, stored.action) == (
        doctor,
        facility,
        42,
        "read",
    )
    assert stored.outcome == AccessOutcome.ALLOWED
    assert stored.channel == "cli"
    assert entry.pk == stored.pk


def test_orm_cannot_update_or_delete_an_entry(doctor, facility):
    entry = _entry(doctor, facility)
    entry.reason = "rewritten"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AccessEvent.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(TypeError):
        AccessEvent.objects.all().delete()
    assert AccessEvent.objects.get(pk=entry.pk).reason == ""


@pytest.mark.parametrize(
    "statement", ["UPDATE core_accessevent SET reason = 'x'", "DELETE FROM core_accessevent"]
)
def test_raw_sql_update_and_delete_are_refused_by_the_database(
    doctor, facility, statement, monkeypatch
):
    monkeypatch.setattr("hims.core.db.allow_test_flush", False)  # as outside tests
    entry = _entry(doctor, facility)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL hims.test_database = off")
        cursor.execute(statement)
    assert AccessEvent.objects.get(pk=entry.pk).reason == ""


@pytest.mark.postgres
def test_postgres_trigger_refuses_update_delete_and_truncate(doctor, facility):
    entry = _entry(doctor, facility)
    for statement in (
        "UPDATE core_accessevent SET patient_id = 7",
        "DELETE FROM core_accessevent",
        "TRUNCATE core_accessevent",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET LOCAL hims.test_database = off")  # as in production
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred FK checks pending
            cursor.execute(statement)
    assert AccessEvent.objects.get(pk=entry.pk).patient_id == 42


@pytest.mark.postgres
def test_control_without_the_trigger_the_update_goes_through(doctor, facility):
    """Shows the guard is what stops the update: with the trigger dropped (and rolled back), it succeeds."""
    entry = _entry(doctor, facility)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER access_event_no_update ON core_accessevent")
            cursor.execute("UPDATE core_accessevent SET patient_id = 7 WHERE id = %s", [entry.pk])
            cursor.execute("SELECT patient_id FROM core_accessevent WHERE id = %s", [entry.pk])
            assert cursor.fetchone()[0] == 7
        transaction.set_rollback(True)
    assert AccessEvent.objects.get(pk=entry.pk).patient_id == 42
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_accessevent SET patient_id = 7")


def test_a_client_cannot_choose_its_address_with_x_forwarded_for(settings):
    from django.test import RequestFactory

    from hims.core.access import client_ip

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    settings.HIMS_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.9"
    settings.HIMS_PROXY_COUNT = 1  # behind nginx, which appends the real client address
    chained = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7"
    )
    assert client_ip(chained) == "203.0.113.7"
