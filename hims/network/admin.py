from __future__ import annotations

from django.contrib import admin

from hims.core.admin_scoping import FacilityScopedAdmin, admin_facility_ids
from hims.network.models import (
    Department,
    Facility,
    FacilityHours,
    Practitioner,
    PractitionerRole,
    Room,
    Speciality,
)


class FacilityHoursInline(admin.TabularInline):
    model = FacilityHours
    extra = 0


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0


@admin.register(Facility)
class FacilityAdmin(FacilityScopedAdmin):
    facility_lookup = "pk"
    facility_admin_may_add = False
    list_display = [
        "name",
        "facility_type",
        "district",
        "hfr_id",
        "rollout_phase",
        "rollout_status",
        "is_active",
    ]
    list_filter = ["facility_type", "district", "rollout_status", "rollout_phase", "is_active"]
    search_fields = ["name", "name_hi", "code", "hfr_id", "pincode", "locality"]
    inlines = [FacilityHoursInline, DepartmentInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "name_hi", "facility_type", "hfr_id", "is_active"]}),
        (
            "Address",
            {
                "fields": [
                    "address_line",
                    "locality",
                    "district",
                    "pincode",
                    "latitude",
                    "longitude",
                    "phone",
                ]
            },
        ),
        ("Rollout", {"fields": ["rollout_phase", "rollout_status"]}),
    ]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # A facility administrator runs their facility but does not re-register or re-phase it.
        if admin_facility_ids(request) is not None:
            return [
                "code",
                "facility_type",
                "hfr_id",
                "rollout_phase",
                "rollout_status",
                "is_active",
            ]
        return []


@admin.register(Speciality)
class SpecialityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_hi"]
    search_fields = ["code", "name", "name_hi"]

    def has_module_permission(self, request):  # type: ignore[no-untyped-def]
        return admin_facility_ids(request) is None

    has_view_permission = has_change_permission = has_add_permission = has_delete_permission = (  # type: ignore[assignment]
        lambda self, request, obj=None: admin_facility_ids(request) is None
    )


@admin.register(Department)
class DepartmentAdmin(FacilityScopedAdmin):
    list_display = ["speciality", "facility", "is_active"]
    list_filter = ["speciality", "is_active"]
    search_fields = ["facility__name", "speciality__name"]
    list_select_related = ["speciality", "facility"]


@admin.register(Room)
class RoomAdmin(FacilityScopedAdmin):
    list_display = ["code", "name", "kind", "facility", "department", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "facility__name"]
    list_select_related = ["facility", "department__speciality"]


class PractitionerRoleInline(admin.TabularInline):
    model = PractitionerRole
    extra = 0


@admin.register(Practitioner)
class PractitionerAdmin(FacilityScopedAdmin):
    facility_lookup = "roles__facility"
    list_display = ["name", "hpr_id", "speciality", "qualification", "is_active"]
    list_filter = ["speciality", "is_active", "registration_council"]
    search_fields = ["name", "name_hi", "hpr_id", "registration_number"]
    inlines = [PractitionerRoleInline]
    raw_id_fields = ["user"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).distinct()

    def _owns(self, request, obj):  # type: ignore[no-untyped-def]
        ids = admin_facility_ids(request)
        if ids is None or obj is None:
            return True
        return obj.roles.filter(facility__in=ids).exists()


@admin.register(PractitionerRole)
class PractitionerRoleAdmin(FacilityScopedAdmin):
    list_display = ["practitioner", "role", "facility", "department", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["practitioner__name", "facility__name"]
    list_select_related = ["practitioner", "facility", "department__speciality"]
    raw_id_fields = ["practitioner"]
