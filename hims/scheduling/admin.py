from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from hims.core.admin_scoping import FacilityScopedAdmin
from hims.scheduling.models import ScheduleSession, Slot, SlotQuota


@admin.register(ScheduleSession)
class ScheduleSessionAdmin(FacilityScopedAdmin):
    facility_lookup = "department__facility"
    list_display = [
        "department",
        "practitioner",
        "weekdays",
        "starts",
        "ends",
        "slot_minutes",
        "online_places",
        "counter_places",
        "is_active",
    ]
    list_filter = ["is_active"]
    list_select_related = ["department__speciality", "department__facility", "practitioner"]
    raw_id_fields = ["practitioner"]


class SlotQuotaInline(admin.TabularInline):
    model = SlotQuota
    extra = 0
    readonly_fields = ["booked"]  # only bookings change it

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Slot)
class SlotAdmin(FacilityScopedAdmin):
    list_display = ["starts_at", "department", "practitioner", "is_blocked"]
    list_filter = ["is_blocked", "day"]
    date_hierarchy = "day"
    list_select_related = ["department__speciality", "practitioner"]
    inlines = [SlotQuotaInline]
    readonly_fields = [
        "facility",
        "department",
        "practitioner",
        "session",
        "starts_at",
        "ends_at",
        "day",
    ]
    facility_admin_may_add = False
