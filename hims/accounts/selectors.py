"""Reads about users: lockout state and the facilities a user may act for."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from hims.accounts.choices import Role, UserKind
from hims.accounts.models import Membership, User

if TYPE_CHECKING:
    from hims.network.models import Facility

# What request.user may be: every check here copes with anonymous users.
AnyUser = User | AnonymousUser


def login_is_locked(*, username: str, client_ip: str | None) -> bool:
    from hims.accounts.services import login_ip_blocked

    if login_ip_blocked(client_ip=client_ip):
        return True
    user = User.objects.filter(username=username, kind=UserKind.STAFF).only("locked_until").first()
    return bool(user and user.is_locked)


def membership_list_for_user(*, user: AnyUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.active()
        .filter(user=user, user__is_active=True)
        .select_related("facility", "department__speciality")
        .order_by("facility__name", "role")
    )


def user_is_network_admin(*, user: AnyUser) -> bool:
    if not user.is_authenticated:
        return False
    return (
        user.is_superuser
        or Membership.objects.active()
        .filter(user=user, role=Role.NETWORK_ADMIN, facility__isnull=True)
        .exists()
    )


def user_roles(*, user: AnyUser) -> set[str]:
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return set()
    return set(Membership.objects.active().filter(user=user).values_list("role", flat=True))


def facility_list_for_user(
    *, user: AnyUser, roles: Collection[str] | None = None
) -> QuerySet[Facility]:
    """The facilities a staff user acts for: every one for network-wide roles, else their memberships.

    Every staff view and API call scopes its queries with this (or `facility_ids_for_user`).
    """
    from hims.network.models import Facility

    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return Facility.objects.none()
    memberships = Membership.objects.active().filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    if user.is_superuser or memberships.filter(facility__isnull=True).exists():
        return Facility.objects.all()
    return Facility.objects.filter(pk__in=memberships.values("facility_id"))


def facility_ids_for_user(*, user: AnyUser, roles: Collection[str] | None = None) -> set[int]:
    return set(facility_list_for_user(user=user, roles=roles).values_list("pk", flat=True))


def user_has_role_at(*, user: AnyUser, facility_id: int, roles: set[str]) -> bool:
    return facility_id in facility_ids_for_user(user=user, roles=roles)


def membership_active(*, user: AnyUser, chosen_id: int | None) -> Membership | None:
    """The membership the user is working as now: the one chosen on the home page, else the first."""
    memberships = list(membership_list_for_user(user=user))
    return next(
        (m for m in memberships if m.pk == chosen_id), memberships[0] if memberships else None
    )
