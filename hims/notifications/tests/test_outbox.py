from __future__ import annotations

import json
import threading

import pytest
from django.db import connection

from hims.notifications.choices import MessageStatus
from hims.notifications.models import OutboxMessage
from hims.notifications.services import message_deliver, message_deliver_pending, message_queue
from hims.notifications.sms import SMSError

MOBILE = "9876501234"


def _queue(key: str = "k1", sensitive: bool = False) -> OutboxMessage:
    return message_queue(
        to=MOBILE,
        template="otp",
        context={"code": "123456", "minutes": 5},
        dedupe_key=key,
        sensitive=sensitive,
    )


def test_queuing_the_same_event_twice_keeps_one_message(db):
    first = _queue()
    second = _queue()
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1


def test_message_is_rendered_in_the_requested_language(db):
    message = message_queue(
        to=MOBILE,
        template="otp",
        context={"code": "123456", "minutes": 5},
        dedupe_key="hi",
        language="hi",
    )
    assert message.language == "hi"
    assert "123456" in message.body


def test_a_message_is_delivered_once_however_often_delivery_runs(db, sms_file):
    message = _queue()
    assert message_deliver(message_id=message.pk) is True
    assert message_deliver(message_id=message.pk) is False
    assert message_deliver_pending() == 0
    lines = sms_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["to"] == MOBILE
    assert (
        json.loads(lines[0])["reference"] == f"outbox-{message.pk}"
    )  # lets a gateway drop repeats
    message.refresh_from_db()
    assert (
        message.status == MessageStatus.SENT
        and message.sent_at is not None
        and message.attempts == 1
    )


def test_a_failed_send_stays_pending_and_is_retried_then_given_up(db, settings, monkeypatch):
    message = _queue()

    def refuse(self, *, to, body, reference=""):  # type: ignore[no-untyped-def]
        raise SMSError("gateway down")

    monkeypatch.setattr("hims.notifications.sms.FileBackend.send", refuse)
    for _ in range(5):
        message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert (
        message.status == MessageStatus.FAILED
        and message.attempts == 5
        and "gateway down" in message.last_error
    )


def test_sensitive_text_is_blanked_after_delivery(db):
    message = _queue(sensitive=True)
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.body == ""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_send_a_message_once(sms_file):
    """Four workers racing on one message: the conditional claim lets only one send."""
    message = OutboxMessage.objects.create(
        to=MOBILE, template="otp", language="en", body="race", dedupe_key="race"
    )
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def work() -> None:
        barrier.wait()
        try:
            results.append(message_deliver(message_id=message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert len(sms_file.read_text().splitlines()) == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_delivers_the_outbox_message(sms_file, real_celery_worker):
    """A Celery worker on a real Redis broker picks the task up after commit and sends the SMS."""
    from hims.notifications import tasks

    assert tasks.deliver_message.name in real_celery_worker.tasks
    message = _queue("celery")  # no surrounding transaction: on_commit fires now
    for _ in range(300):  # up to 30 s on a loaded machine
        message.refresh_from_db()
        if message.status == MessageStatus.SENT:
            break
        threading.Event().wait(0.1)
    assert message.status == MessageStatus.SENT
    assert json.loads(sms_file.read_text().splitlines()[0])["to"] == MOBILE


def test_a_message_whose_worker_died_mid_send_is_sent_by_the_sweep(db, sms_file):
    from datetime import timedelta

    from django.utils import timezone

    message = OutboxMessage.objects.create(
        to=MOBILE,
        template="otp",
        language="en",
        body="x",
        dedupe_key="stuck",
        status=MessageStatus.SENDING,
        attempts=1,
        claimed_at=timezone.now() - timedelta(minutes=6),
    )
    fresh = OutboxMessage.objects.create(
        to=MOBILE,
        template="otp",
        language="en",
        body="y",
        dedupe_key="busy",
        status=MessageStatus.SENDING,
        attempts=1,
        claimed_at=timezone.now(),
    )
    assert message_deliver_pending() == 1
    message.refresh_from_db()
    fresh.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2
    assert fresh.status == MessageStatus.SENDING  # its worker may still be sending
