from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from hims.core.admin_scoping import admin_facility_ids
from hims.primarycare.models import VaccineDose


@admin.register(VaccineDose)
class VaccineDoseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The schedule is network-wide reference data: network administrators correct it here.
    Doses given and pregnancies are patient records and have no admin page (they are written,
    and logged, by the services only)."""

    list_display = [
        "code",
        "name",
        "dose_label",
        "due_basis",
        "due_age_days",
        "min_interval_days",
        "given_up_to_days",
        "sort_order",
        "is_active",
    ]
    list_filter = ["is_active", "due_basis", "series"]
    search_fields = ["code", "name", "name_hi", "series"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and admin_facility_ids(request) is None

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # doses given point at it; switch a dose off instead
