"""What each staff role's home page shows. Later issues add their own panels here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q

from hims.accounts.choices import Role
from hims.accounts.selectors import facility_list_for_user
from hims.network.choices import FacilityType, RolloutStatus

if TYPE_CHECKING:
    from hims.accounts.models import Membership, User


def home_context(*, user: User, membership: Membership | None) -> dict[str, Any]:
    from hims.network.models import Department, Facility, PractitionerRole

    role = membership.role if membership else Role.NETWORK_ADMIN
    context: dict[str, Any] = {"membership": membership, "role": role}
    facility = membership.facility if membership else None
    if facility is not None:
        context["facility"] = facility
        context["departments"] = (
            Department.objects.filter(facility=facility, is_active=True)
            .select_related("speciality")
            .annotate(
                doctors=Count("practitioner_roles", filter=Q(practitioner_roles__is_active=True))
            )
        )
        context["rooms"] = facility.rooms.filter(is_active=True).select_related(
            "department__speciality"
        )
        context["practitioner_roles"] = (
            PractitionerRole.objects.filter(facility=facility, is_active=True)
            .select_related("practitioner", "department__speciality")
            .order_by("practitioner__name")[:50]
        )
    if role in {Role.NETWORK_ADMIN, Role.AUDITOR}:
        facilities = facility_list_for_user(user=user)
        types, statuses = dict(FacilityType.choices), dict(RolloutStatus.choices)
        context["network_counts"] = [
            {
                "facility_type": types.get(row["facility_type"], row["facility_type"]),
                "rollout_status": statuses.get(row["rollout_status"], row["rollout_status"]),
                "n": row["n"],
            }
            for row in Facility.objects.filter(pk__in=facilities.values("pk"))
            .values("facility_type", "rollout_status")
            .annotate(n=Count("pk"))
            .order_by("facility_type", "rollout_status")
        ]
        context["facility_total"] = facilities.count()
    return context
