from __future__ import annotations

from celery import shared_task

from hims.notifications.services import message_deliver, message_deliver_pending


@shared_task(name="notifications.deliver_message", acks_late=True)
def deliver_message(message_id: int) -> bool:
    return message_deliver(message_id=message_id)


@shared_task(name="notifications.deliver_pending")
def deliver_pending() -> int:
    return message_deliver_pending()
