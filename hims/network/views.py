from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from hims.core.errors import NotFound
from hims.lib.htmx import template_for
from hims.network.choices import District, FacilityType
from hims.network.selectors import (
    facility_get_public,
    facility_list_public,
    practitioner_list_for_facility,
)


def facility_list(request: HttpRequest) -> HttpResponse:
    """Public directory of the network's facilities, filterable by district and type."""
    query = request.GET.get("q", "").strip()[:100]
    district = request.GET.get("district", "")
    facility_type = request.GET.get("type", "")
    district = district if district in District.values else ""
    facility_type = facility_type if facility_type in FacilityType.values else ""
    facilities = facility_list_public(query=query, district=district, facility_type=facility_type)
    page = Paginator(facilities, 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": query,
        "district": district,
        "facility_type": facility_type,
        "districts": District.choices,
        "facility_types": FacilityType.choices,
    }
    template = template_for(
        request,
        page="network/facility_list.html",
        partial="network/partials/_facility_results.html",
    )
    return render(request, template, context)


def facility_detail(request: HttpRequest, code: str) -> HttpResponse:
    facility = facility_get_public(code=code)
    if facility is None:
        raise NotFound(_("No facility has this code."))
    context = {
        "facility": facility,
        "practitioners": practitioner_list_for_facility(facility=facility),
    }
    return render(request, "network/facility_detail.html", context)
