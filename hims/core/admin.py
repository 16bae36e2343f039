from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from hims.accounts.choices import Role
from hims.accounts.selectors import facility_ids_for_user, user_is_network_admin
from hims.core.models import AccessEvent


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """Read-only for network administrators and auditors; the log cannot be edited anyway."""

    list_display = [
        "at",
        "actor",
        "actor_role",
        "facility",
        "patient_id",
        "action",
        "resource_type",
        "basis",
        "outcome",
    ]
    list_filter = ["action", "outcome", "basis", "channel"]
    search_fields = ["patient_id", "actor__username", "resource_id"]
    date_hierarchy = "at"
    list_select_related = ["actor", "facility"]

    def _may_read(self, request: HttpRequest) -> bool:
        user = request.user
        return user_is_network_admin(user=user) or bool(
            facility_ids_for_user(user=user, roles={Role.AUDITOR})
        )  # type: ignore[arg-type]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_read(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_read(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
