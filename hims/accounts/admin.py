from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hims.accounts.choices import NETWORK_ROLES, Role, UserKind
from hims.accounts.models import ApiToken, Membership, User
from hims.core.admin_scoping import FacilityScopedAdmin, admin_facility_ids

ADMIN_ROLES = {Role.NETWORK_ADMIN, Role.FACILITY_ADMIN, Role.AUDITOR}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["role", "facility", "department", "is_active"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        queryset = super().get_queryset(request)
        ids = admin_facility_ids(request)
        return queryset if ids is None else queryset.filter(facility__in=ids)

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role" and admin_facility_ids(request) is not None:
            kwargs["choices"] = [c for c in Role.choices if c[0] not in NETWORK_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        ids = admin_facility_ids(request)
        if ids is not None and db_field.name == "facility":
            kwargs["queryset"] = db_field.related_model.objects.filter(pk__in=ids)
        if ids is not None and db_field.name == "department":
            kwargs["queryset"] = db_field.related_model.objects.filter(facility__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin_facility_ids(request) != set()

    has_change_permission = has_delete_permission = has_view_permission = has_add_permission  # type: ignore[assignment]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "kind",
        "is_active",
        "locked_until",
        "last_login",
    ]
    list_filter = ["kind", "is_active", "memberships__role"]
    search_fields = ["username", "first_name", "last_name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["username", "password", "kind"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email", "preferred_language"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "failed_logins", "locked_until"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    readonly_fields = ["last_login", "date_joined", "kind"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        queryset = super().get_queryset(request)
        ids = admin_facility_ids(request)
        if ids is None:
            return queryset
        # A facility administrator sees the staff of their facilities, and staff not yet placed.
        return queryset.filter(
            Q(memberships__facility__in=ids)
            | Q(memberships__isnull=True, kind=UserKind.STAFF, is_superuser=False)
        ).distinct()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if admin_facility_ids(request) is not None:
            fields += ["is_staff"]
        return fields

    def _is_admin(self, request: HttpRequest) -> bool:
        return admin_facility_ids(request) != set()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_admin(request)

    has_change_permission = has_add_permission = has_view_permission  # type: ignore[assignment]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin_facility_ids(request) is None  # facility admins switch accounts off instead

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user = form.instance
        # Administrators reach the admin site; nobody else needs is_staff.
        wants_admin = (
            user.is_superuser
            or user.memberships.filter(role__in=ADMIN_ROLES, is_active=True).exists()
        )
        if user.is_staff != wants_admin:
            User.objects.filter(pk=user.pk).update(is_staff=wants_admin)


@admin.register(Membership)
class MembershipAdmin(FacilityScopedAdmin):
    list_display = ["user", "role", "facility", "department", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "facility__name"]
    list_select_related = ["user", "facility", "department__speciality"]
    raw_id_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    search_fields = ["name", "prefix", "user__username"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return admin_facility_ids(request) is None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created with `hims api-token create`, which shows the secret once

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin_facility_ids(request) is None

    has_change_permission = has_view_permission  # type: ignore[assignment]
