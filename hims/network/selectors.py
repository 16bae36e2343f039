"""Reads of the network registry."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from hims.network.models import Department, Facility, FacilityHours, Practitioner


def facility_list_public(
    *, query: str = "", district: str = "", facility_type: str = ""
) -> QuerySet[Facility]:
    """Facilities a patient may look up: active, joined or joining the network."""
    facilities = Facility.objects.active().exclude(rollout_status="planned")
    if district:
        facilities = facilities.filter(district=district)
    if facility_type:
        facilities = facilities.filter(facility_type=facility_type)
    if query:
        facilities = facilities.filter(
            Q(name__icontains=query)
            | Q(name_hi__icontains=query)
            | Q(locality__icontains=query)
            | Q(pincode=query)
        )
    return facilities.order_by("name")


def facility_get_public(*, code: str) -> Facility | None:
    return (
        Facility.objects.active()
        .filter(code=code)
        .prefetch_related(
            Prefetch("hours", queryset=FacilityHours.objects.order_by("weekday", "opens")),
            Prefetch(
                "departments",
                queryset=Department.objects.filter(is_active=True)
                .select_related("speciality")
                .order_by("speciality__name"),
            ),
        )
        .first()
    )


def practitioner_list_for_facility(*, facility: Facility) -> QuerySet[Practitioner]:
    return (
        Practitioner.objects.filter(is_active=True, roles__facility=facility, roles__is_active=True)
        .select_related("speciality")
        .distinct()
        .order_by("name")
    )
