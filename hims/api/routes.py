"""Registry endpoints, scoped to the facilities the caller acts for."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from hims.accounts.models import User
from hims.accounts.selectors import facility_list_for_user, memberships_of
from hims.api.schemas import (
    DepartmentOut,
    FacilityOut,
    MembershipOut,
    MeOut,
    PractitionerOut,
    RoomOut,
)
from hims.core.errors import AccessDenied, NotFound
from hims.network.models import Department, Facility, Practitioner, Room

router = Router()


class FacilityFilter(Schema):
    district: str | None = None
    facility_type: str | None = None
    rollout_status: str | None = None


def _signed_in_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise AccessDenied()
    return user


def _staff_facilities(request: HttpRequest) -> QuerySet[Facility]:
    user = _signed_in_user(request)
    if user.is_patient:
        raise AccessDenied(_("This API is for network staff."))
    return facility_list_for_user(user=user)


def _scoped_facility(request: HttpRequest, facility_id: int) -> Facility:
    facility = _staff_facilities(request).filter(pk=facility_id).first()
    if facility is None:
        raise NotFound(_("No facility with this id is open to you."))
    return facility


@router.get("/me", response=MeOut, tags=["accounts"])
def me(request: HttpRequest) -> MeOut:
    user = _signed_in_user(request)
    memberships = [
        MembershipOut(
            role=m.role,
            facility_id=m.facility_id,
            facility_name=m.facility.name if m.facility else None,
            department_id=m.department_id,
        )
        for m in memberships_of(user)
    ]
    return MeOut(
        username=user.username,
        kind=user.kind,
        preferred_language=user.preferred_language,
        memberships=memberships,
    )


@router.get("/facilities", response=list[FacilityOut], tags=["network"])
@paginate(LimitOffsetPagination)
def facility_list(request: HttpRequest, filters: Query[FacilityFilter]) -> QuerySet[Facility]:
    facilities = _staff_facilities(request).order_by("name")
    for field in ("district", "facility_type", "rollout_status"):
        value = getattr(filters, field)
        if value:
            facilities = facilities.filter(**{field: value})
    return facilities


@router.get("/facilities/{facility_id}", response=FacilityOut, tags=["network"])
def facility_detail(request: HttpRequest, facility_id: int) -> Facility:
    return _scoped_facility(request, facility_id)


@router.get("/facilities/{facility_id}/departments", response=list[DepartmentOut], tags=["network"])
def department_list(request: HttpRequest, facility_id: int) -> list[DepartmentOut]:
    facility = _scoped_facility(request, facility_id)
    departments = Department.objects.filter(facility=facility, is_active=True).select_related(
        "speciality"
    )
    return [
        DepartmentOut(
            id=d.pk,
            facility_id=d.facility_id,
            speciality_code=d.speciality.code,
            name=d.speciality.name,
            name_hi=d.speciality.name_hi,
        )
        for d in departments
    ]


@router.get("/facilities/{facility_id}/rooms", response=list[RoomOut], tags=["network"])
def room_list(request: HttpRequest, facility_id: int) -> QuerySet[Room]:
    return Room.objects.filter(
        facility=_scoped_facility(request, facility_id), is_active=True
    ).order_by("code")


@router.get(
    "/facilities/{facility_id}/practitioners", response=list[PractitionerOut], tags=["network"]
)
def practitioner_list(request: HttpRequest, facility_id: int) -> list[PractitionerOut]:
    facility = _scoped_facility(request, facility_id)
    practitioners = (
        Practitioner.objects.filter(roles__facility=facility, roles__is_active=True, is_active=True)
        .select_related("speciality")
        .distinct()
        .order_by("name")
    )
    return [
        PractitionerOut(
            id=p.pk,
            name=p.name,
            name_hi=p.name_hi,
            hpr_id=p.hpr_id,
            qualification=p.qualification,
            speciality_code=p.speciality.code if p.speciality else None,
        )
        for p in practitioners
    ]
