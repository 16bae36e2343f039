"""The Celery app. Broker from CELERY_BROKER_URL or REDIS_URL; eager when neither is set."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hims.settings")

app = Celery("hims")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "outbox-sweep": {"task": "notifications.deliver_pending", "schedule": 60.0},
    "sign-in-records-prune": {"task": "accounts.prune_sign_in_records", "schedule": 3600.0},
    "idempotency-keys-expire": {"task": "core.expire_idempotency_keys", "schedule": 3600.0},
    "consents-expire": {"task": "records.expire_consents", "schedule": 3600.0},
    "slots-generate": {"task": "scheduling.generate_slots", "schedule": 3600.0},
    "online-places-release": {"task": "scheduling.release_online_places", "schedule": 300.0},
    # 18:00 in Delhi (CELERY_TIMEZONE follows TIME_ZONE).
    "appointment-reminders": {
        "task": "scheduling.send_reminders",
        "schedule": crontab(hour=18, minute=0),
    },
}
