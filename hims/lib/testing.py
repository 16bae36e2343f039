"""Helpers for the concurrency tests (imported by tests only)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def race(work: Callable[[int], Any], workers: int) -> list[Any]:
    """Run `work(i)` in `workers` threads released at the same instant; collect results or
    errors. Each thread has its own database connection, closed at the end."""
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * workers

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except Exception as error:  # collected for the assertions
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
