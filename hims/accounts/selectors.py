"""Reads about users: lockout state and the facilities a user may act for."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import QuerySet

from hims.accounts.choices import Role, UserKind
from hims.accounts.models import Membership, User
from hims.lib.db import string_agg

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


_MEMBERSHIPS_ATTR = "_hims_memberships"


def memberships_of(user: AnyUser) -> list[Membership]:
    """The user's active memberships, read once per user object (one query per request: the
    request's user is loaded afresh for every request). Call `memberships_forget` after changing
    a user's memberships in the same request."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return []
    cached = getattr(user, _MEMBERSHIPS_ATTR, None)
    if cached is None:
        cached = list(membership_list_for_user(user=user))
        setattr(user, _MEMBERSHIPS_ATTR, cached)
    return cached


def memberships_forget(user: AnyUser) -> None:
    for attr in (_MEMBERSHIPS_ATTR, _GRANTS_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


_GRANTS_ATTR = "_hims_role_grants"
GRANTS_SEPARATOR, GRANT_SEPARATOR = ",", ":"  # "role:facility_id,role:" (network-wide: no id)


def grants_sql(user_column: str, *, using: str = "default") -> str:
    """A scalar subquery giving the user's active grants as one string, for a hot path that reads
    the user anyway (the API token check) and so spares role checks their own query; read back
    with `grants_preload`."""
    grant = f"m.role || '{GRANT_SEPARATOR}' || COALESCE(CAST(m.facility_id AS TEXT), '')"
    return (
        f"(SELECT {string_agg(grant, GRANTS_SEPARATOR, using=using)} "  # noqa: S608
        f"FROM {Membership._meta.db_table} m WHERE m.user_id = {user_column} AND m.is_active)"
    )


def grants_preload(user: User, grants: str | None) -> None:
    """Keep the grants `grants_sql` read on the user object, as `_grants` would have read them."""
    parsed: list[tuple[str, int | None]] = []
    for grant in (grants or "").split(GRANTS_SEPARATOR):
        if grant:
            role, _sep, facility_id = grant.partition(GRANT_SEPARATOR)
            parsed.append((role, int(facility_id) if facility_id else None))
    setattr(user, _GRANTS_ATTR, parsed)


def _grants(user: AnyUser) -> list[tuple[str, int | None]]:
    """(role, facility id or None for network-wide) of each active membership: what role checks
    need, read once per user object in one query without joins (or taken from the memberships
    when a page has read them already). API calls check roles on every request."""
    if not user.is_authenticated or user.kind != UserKind.STAFF or not user.is_active:
        return []
    cached = getattr(user, _GRANTS_ATTR, None)
    if cached is None:
        loaded = getattr(user, _MEMBERSHIPS_ATTR, None)
        if loaded is not None:
            cached = [(m.role, m.facility_id) for m in loaded]
        else:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT role, facility_id FROM {Membership._meta.db_table} "  # noqa: S608
                    "WHERE user_id = %s AND is_active",
                    [user.pk],
                )
                cached = [(role, facility_id) for role, facility_id in cursor.fetchall()]
        setattr(user, _GRANTS_ATTR, cached)
    return cached


def _network_wide(user: AnyUser, roles: Collection[str] | None) -> bool:
    return bool(user.is_superuser) or any(
        facility_id is None and (roles is None or role in roles)
        for role, facility_id in _grants(user)
    )


def user_is_network_admin(*, user: AnyUser) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or any(
        role == Role.NETWORK_ADMIN and facility_id is None for role, facility_id in _grants(user)
    )


def user_roles(*, user: AnyUser) -> set[str]:
    return {role for role, _facility_id in _grants(user)}


def facility_list_for_user(
    *, user: AnyUser, roles: Collection[str] | None = None
) -> QuerySet[Facility]:
    """The facilities a staff user acts for: every one for network-wide roles, else their memberships.

    Every staff view and API call scopes its queries with this (or `facility_ids_for_user`).
    """
    from hims.network.models import Facility

    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return Facility.objects.none()
    if _network_wide(user, roles):
        return Facility.objects.all()
    return Facility.objects.filter(pk__in=_own_facility_ids(user, roles))


def _own_facility_ids(user: AnyUser, roles: Collection[str] | None) -> set[int]:
    return {
        facility_id
        for role, facility_id in _grants(user)
        if facility_id is not None and (roles is None or role in roles)
    }


def facility_ids_for_user(*, user: AnyUser, roles: Collection[str] | None = None) -> set[int]:
    if _network_wide(user, roles):
        return set(facility_list_for_user(user=user, roles=roles).values_list("pk", flat=True))
    return _own_facility_ids(user, roles)


def user_has_role_at(*, user: AnyUser, facility_id: int, roles: Collection[str]) -> bool:
    """Whether the user holds one of `roles` at the facility (or network-wide); no query once the
    user's memberships are read."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return False
    return _network_wide(user, roles) or facility_id in _own_facility_ids(user, roles)


def facility_for_user(
    *, user: AnyUser, roles: Collection[str], facility_id: int | None = None
) -> Facility | None:
    """The facility the user acts for with one of `roles`: `facility_id` if they may (else None),
    or their first such facility. Network-wide roles may act for any facility."""
    from hims.network.models import Facility

    own = sorted(
        (m for m in memberships_of(user) if m.facility is not None and m.role in roles),
        key=lambda m: m.facility_id or 0,
    )
    for m in own:
        if facility_id is None or m.facility_id == facility_id:
            return m.facility
    if facility_id is not None and _network_wide(user, roles):
        return Facility.objects.filter(pk=facility_id).first()
    return None


def membership_active(*, user: AnyUser, chosen_id: int | None) -> Membership | None:
    """The membership the user is working as now: the one chosen on the home page, else the first."""
    memberships = memberships_of(user)
    return next(
        (m for m in memberships if m.pk == chosen_id), memberships[0] if memberships else None
    )
