"""Shared fixtures: personas, facilities, the SMS file, and a real Chromium for browser tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from hims.accounts.choices import Role
from hims.accounts.tests.factories import MembershipFactory, UserFactory
from hims.network.tests.factories import DepartmentFactory, FacilityFactory

CHROMIUM = os.environ.get("HIMS_CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # PostgreSQL-only tests (triggers, concurrency) run in the PostgreSQL pass of `make test`.
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    skip = pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL pass of make test")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _sms_file(settings: pytest.FixtureRequest, tmp_path: Path) -> Path:
    settings.HIMS_SMS_FILE = tmp_path / "sms.log"  # type: ignore[attr-defined]
    settings.HIMS_SMS_BACKEND = "hims.notifications.sms.FileBackend"  # type: ignore[attr-defined]
    return settings.HIMS_SMS_FILE  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def sms_file(_sms_file: Path) -> Path:
    return _sms_file


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache (similar-name keys, throttles)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_by_default() -> Iterator[None]:
    """Each test starts in English: a page rendered in Hindi must not leak into the next test."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def abdm_outbox(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """Where the local ABDM gateway adapter records outbound calls in this test."""
    settings.HIMS_ABDM_OUTBOX = tmp_path / "abdm-outbox.log"
    return settings.HIMS_ABDM_OUTBOX  # type: ignore[no-any-return]


@pytest.fixture
def clinical_lists(db):  # type: ignore[no-untyped-def]
    """The ICD-10 list, medicine master and lab catalogue the migrations load. A transactional
    test elsewhere empties every table after itself, so tests that need them load them again
    (loading is idempotent)."""
    from hims.clinical.icd10 import icd10_load
    from hims.clinical.lab_catalogue import lab_catalogue_load
    from hims.clinical.medicines import medicines_load
    from hims.clinical.models import Icd10Code, LabPanel, LabParameter, Medicine

    icd10_load(Icd10Code)
    medicines_load(Medicine)
    lab_catalogue_load(LabPanel, LabParameter)


@pytest.fixture
def daytime(settings):  # type: ignore[no-untyped-def]
    """Run the test in a time zone where it is about 10:00 now. A test that books "in two
    hours" and checks in today would otherwise fail when the suite runs late in the evening
    in India (the booking falls on tomorrow)."""
    from datetime import UTC, datetime

    offset = (10 - datetime.now(UTC).hour) % 24
    offset = offset - 24 if offset > 12 else offset
    # POSIX-style names: Etc/GMT-5 is five hours ahead of UTC.
    settings.TIME_ZONE = f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"
    return settings.TIME_ZONE


@pytest.fixture
def facility(db):  # type: ignore[no-untyped-def]
    return FacilityFactory(code="lnjp", name="Lok Nayak Hospital", name_hi="लोक नायक अस्पताल")


@pytest.fixture
def other_facility(db):  # type: ignore[no-untyped-def]
    return FacilityFactory(
        code="gtb",
        name="Guru Teg Bahadur Hospital",
        name_hi="गुरु तेग बहादुर अस्पताल",
        district="shahdara",
        pincode="110095",
    )


@pytest.fixture
def department(facility):  # type: ignore[no-untyped-def]
    return DepartmentFactory(facility=facility)


def _staff(username: str, role: str, facility=None):  # type: ignore[no-untyped-def]
    user = UserFactory(username=username, first_name=username.title())
    MembershipFactory(user=user, role=role, facility=facility)
    return user


@pytest.fixture
def clerk(facility):  # type: ignore[no-untyped-def]
    return _staff("alice", Role.CLERK, facility)


@pytest.fixture
def doctor(facility):  # type: ignore[no-untyped-def]
    return _staff("bob", Role.DOCTOR, facility)


@pytest.fixture
def other_facility_doctor(other_facility):  # type: ignore[no-untyped-def]
    return _staff("charlie", Role.DOCTOR, other_facility)


@pytest.fixture
def facility_admin(facility):  # type: ignore[no-untyped-def]
    user = _staff("dinesh", Role.FACILITY_ADMIN, facility)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def network_admin(db):  # type: ignore[no-untyped-def]
    user = _staff("esha", Role.NETWORK_ADMIN, None)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def on_postgres(db) -> bool:  # type: ignore[no-untyped-def]
    return connection.vendor == "postgresql"


# --- real Chromium through Playwright ------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
    # body are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def phone(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="en-IN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone_hi(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="hi-IN",
        is_mobile=True,
        has_touch=True,
        extra_http_headers={"Accept-Language": "hi-IN,hi;q=0.9"},
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def desktop(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-IN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def real_celery_worker(settings):  # type: ignore[no-untyped-def]
    """A Celery worker (solo pool, in this process) on the real Redis broker; yields the app.
    Tasks sent during the test are run by it, not eagerly."""
    from celery.contrib.testing.worker import start_worker

    import hims.notifications.tasks
    import hims.scheduling.tasks  # noqa: F401 (registers the tasks the worker runs)
    from hims.celery import app

    broker = os.environ.get("HIMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def fresh_connections() -> None:
        # Earlier tests may have made producer pools for the in-memory broker; drop them.
        app.close()
        app.amqp._producer_pool = None

    fresh_connections()
    app.conf.update(
        broker_url=broker,
        result_backend=None,
        task_always_eager=False,
        broker_connection_retry=False,
        broker_connection_max_retries=1,
    )
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
        ):
            yield app
    finally:
        app.conf.update(task_always_eager=True, broker_url="memory://")
        fresh_connections()
