"""Admin scoping: network administrators see everything; facility administrators their own."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from hims.accounts.choices import Role
from hims.accounts.selectors import facility_ids_for_user, user_is_network_admin


def admin_facility_ids(request: HttpRequest) -> set[int] | None:
    """None means every facility (network admin); otherwise the facilities this admin runs."""
    cached = getattr(request, "_hims_admin_facilities", "unset")
    if cached != "unset":
        return cached  # type: ignore[return-value]
    user = request.user
    ids = (
        None
        if user_is_network_admin(user=user)
        else facility_ids_for_user(user=user, roles={Role.FACILITY_ADMIN})
    )  # type: ignore[arg-type]
    request._hims_admin_facilities = ids  # type: ignore[attr-defined]
    return ids


class FacilityScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows belong to a facility through `facility_lookup`."""

    facility_lookup = "facility"
    facility_admin_may_add = True
    facility_admin_may_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        ids = admin_facility_ids(request)
        if ids is None:
            return queryset
        return queryset.filter(**{f"{self.facility_lookup}__in": ids})

    def _is_admin(self, request: HttpRequest) -> bool:
        ids = admin_facility_ids(request)
        return ids is None or bool(ids)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and self._is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request) and self._owns(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request) and self._owns(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        if admin_facility_ids(request) is None:
            return self.has_module_permission(request)
        return self.facility_admin_may_add and self._is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if admin_facility_ids(request) is None:
            return self.has_module_permission(request)
        return self.facility_admin_may_delete and self._owns(request, obj)

    def _owns(self, request: HttpRequest, obj: Model | None) -> bool:
        ids = admin_facility_ids(request)
        if ids is None or obj is None:
            return True
        value: Any = obj
        for part in self.facility_lookup.split("__"):
            value = getattr(value, part, None)
        facility_id = value if isinstance(value, int) else getattr(value, "pk", None)
        return facility_id in ids

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        ids = admin_facility_ids(request)
        if ids is not None:
            model_name = db_field.related_model._meta.model_name
            if model_name == "facility":
                kwargs["queryset"] = db_field.related_model.objects.filter(pk__in=ids)
            elif model_name in {"department", "room"}:
                kwargs["queryset"] = db_field.related_model.objects.filter(facility__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
