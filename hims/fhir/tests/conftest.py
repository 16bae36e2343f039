from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def api(client: Client, doctor: Any) -> Client:
    """A client signed in as bob, a doctor at Lok Nayak Hospital."""
    client.force_login(doctor)
    return client
