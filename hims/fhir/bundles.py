"""Search results as a FHIR `searchset` Bundle with absolute self/next/previous links."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from hims.fhir.search import OFFSET_PARAM, SearchPage

PAGING_PARAMS = frozenset({"_count", OFFSET_PARAM})


def _page_url(request: HttpRequest, *, count: int, offset: int) -> str:
    pairs = [
        (key, value)
        for key, values in request.GET.lists()
        if key not in PAGING_PARAMS
        for value in values
    ]
    pairs += [("_count", str(count)), (OFFSET_PARAM, str(offset))]
    return request.build_absolute_uri(f"{request.path}?{urlencode(pairs)}")


def searchset(request: HttpRequest, page: SearchPage) -> dict[str, Any]:
    links = [{"relation": "self", "url": _page_url(request, count=page.count, offset=page.offset)}]
    if page.count:
        if page.offset + page.count < page.total:
            links.append(
                {
                    "relation": "next",
                    "url": _page_url(request, count=page.count, offset=page.offset + page.count),
                }
            )
        if page.offset > 0:
            previous = max(page.offset - page.count, 0)
            links.append(
                {
                    "relation": "previous",
                    "url": _page_url(request, count=page.count, offset=previous),
                }
            )
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": page.total,
        "link": links,
    }
    entries = [
        {
            "fullUrl": request.build_absolute_uri(
                reverse(
                    "fhir:read",
                    kwargs={
                        "resource_type": resource["resourceType"],
                        "resource_id": resource["id"],
                    },
                )
            ),
            "resource": resource,
            "search": {"mode": "match"},
        }
        for resource in page.resources
    ]
    if entries:
        bundle["entry"] = entries
    return bundle
