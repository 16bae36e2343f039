"""The day-before reminder, sent by a real Celery worker through the outbox."""

from __future__ import annotations

import json
import re
import threading

import pytest

from hims.notifications import services
from hims.notifications.choices import MessageStatus
from hims.notifications.models import OutboxMessage
from hims.patients.tests.factories import make_patient
from hims.scheduling.notices import reminders_queue
from hims.scheduling.services import appointment_book
from hims.scheduling.tests.factories import at, make_slot


def test_reminders_go_once_per_booking_for_the_next_day(department):
    tomorrow = make_slot(department, starts_at=at(1, 9))
    later = make_slot(department, starts_at=at(3, 9))
    appointment_book(slot=tomorrow, patient=make_patient(), notify=False)
    appointment_book(slot=later, patient=make_patient(mobile="9811100002"), notify=False)
    assert reminders_queue(day=tomorrow.day) == 1
    reminders_queue(day=tomorrow.day)  # the job ran twice: still one message
    assert OutboxMessage.objects.filter(template="appointment_reminder").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_tomorrows_reminder_in_hindi(department, sms_file, real_celery_worker):
    from hims.network.specialities import speciality_list_ensure
    from hims.scheduling.tasks import send_reminders

    speciality_list_ensure()
    slot = make_slot(department, starts_at=at(1, 10))
    booking = appointment_book(
        slot=slot, patient=make_patient(preferred_language="hi"), notify=False
    )
    send_reminders.delay()
    message = None
    for _ in range(300):  # up to 30 s on a loaded machine
        message = OutboxMessage.objects.filter(template="appointment_reminder").first()
        if message is not None and message.status == MessageStatus.SENT:
            break
        threading.Event().wait(0.1)
    assert message is not None and message.status == MessageStatus.SENT
    sent = json.loads(sms_file.read_text(encoding="utf-8").splitlines()[-1])
    assert booking.reference in sent["body"]
    assert re.search("[\u0900-\u097f]", sent["body"])  # in Hindi, the patient's language


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_bookings_is_handed_to_the_worker_in_one_sweep(
    department, sms_file, real_celery_worker, settings
):
    from celery.signals import before_task_publish

    settings.HIMS_OUTBOX_COALESCE_SECONDS = 1
    services._sweep_covers_until = 0.0  # no sweep pending from an earlier test
    published: list[str] = []

    def count(sender: str, **kwargs: object) -> None:
        published.append(sender)

    before_task_publish.connect(count)
    try:
        slot = make_slot(department, starts_at=at(1, 10), online=5)
        for n in range(3):
            appointment_book(slot=slot, patient=make_patient(mobile=f"981110000{n}"))
        for _ in range(300):  # the sweep runs 1.5 s after the first booking
            sent = OutboxMessage.objects.filter(status=MessageStatus.SENT).count()
            if sent == 3:
                break
            threading.Event().wait(0.1)
    finally:
        before_task_publish.disconnect(count)
    assert sent == 3  # every booking's SMS delivered
    assert published == ["notifications.deliver_pending"]  # by one task, not three
    assert len(sms_file.read_text(encoding="utf-8").splitlines()) == 3
