"""HTMX helpers: choosing the partial or the full page."""

from __future__ import annotations

from django.http import HttpRequest


def template_for(request: HttpRequest, *, page: str, partial: str) -> str:
    """The partial for an HTMX request (which swaps part of the page), else the whole page."""
    htmx = getattr(request, "htmx", None)
    return partial if htmx else page
