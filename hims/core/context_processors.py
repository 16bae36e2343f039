from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def hims(request: HttpRequest) -> dict[str, Any]:
    return {"HIMS_DEMO": settings.HIMS_DEMO}
