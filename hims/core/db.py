"""Database connection set-up.

SQLite has no session settings, so the append-only trigger on the access log asks a function
we register on every connection whether the test runner is emptying the database. Outside
tests it answers 0 and DELETE is refused; on PostgreSQL the same rule uses a session setting.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

# Tests flip this off to prove the trigger refuses deletes.
allow_test_flush = bool(getattr(settings, "TESTING", False))


def _flush_allowed() -> int:
    return 1 if allow_test_flush else 0


def connection_prepare(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "hims_test_flush_allowed", 0, _flush_allowed, deterministic=False
        )
