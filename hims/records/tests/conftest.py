from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _lists(clinical_lists: None) -> None:
    """Every test here has the code lists (hims/conftest.py)."""
