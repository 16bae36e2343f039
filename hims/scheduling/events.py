"""Server-sent events for queue boards and a patient's own page.

Each change to a queue bumps `QueueDay.version` in the transaction that made it. A stream reads
that one integer (a primary-key lookup) every HIMS_SSE_POLL_SECONDS and, when it has moved,
sends the freshly rendered fragment: a call shows on the board within about half a second, with
no page reload. A stream ends after HIMS_SSE_MAX_SECONDS; the browser's EventSource reconnects
by itself (the `retry` field), which also frees the worker thread and its database connection
regularly. In production these long responses are served by their own workers (docs/deploy.md).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import StreamingHttpResponse

from hims.scheduling.selectors import queue_version

KEEPALIVE_SECONDS = 15.0


def _event(name: str, data: dict[str, object]) -> str:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {name}\ndata: {payload}\n\n"


def queue_stream(
    *, queue_id: int, render: Callable[[], dict[str, object]], since: int | None = None
) -> StreamingHttpResponse:
    """Stream `render()` (a dict with at least `html`) whenever the queue's version changes."""

    def events() -> Iterator[str]:
        last = since
        deadline = time.monotonic() + settings.HIMS_SSE_MAX_SECONDS
        quiet_since = time.monotonic()
        yield "retry: 1500\n\n"
        while time.monotonic() < deadline:
            version = queue_version(queue_id=queue_id)
            if version != last:
                last = version
                yield _event("update", {"version": version, **render()})
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
                yield ": keepalive\n\n"
                quiet_since = time.monotonic()
            # Autocommit between polls: each read sees the latest commit. Django closes the
            # connection when the response ends (request_finished), as for any request.
            time.sleep(settings.HIMS_SSE_POLL_SECONDS)

    response = StreamingHttpResponse(events(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass events through at once
    return response
