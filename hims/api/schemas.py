from decimal import Decimal

from ninja import Schema


class MembershipOut(Schema):
    role: str
    facility_id: int | None
    facility_name: str | None
    department_id: int | None


class MeOut(Schema):
    username: str
    kind: str
    preferred_language: str
    memberships: list[MembershipOut]


class FacilityOut(Schema):
    id: int
    code: str
    name: str
    name_hi: str
    facility_type: str
    hfr_id: str | None
    district: str
    pincode: str
    latitude: Decimal | None
    longitude: Decimal | None
    rollout_phase: int
    rollout_status: str
    is_active: bool


class DepartmentOut(Schema):
    id: int
    facility_id: int
    speciality_code: str
    name: str
    name_hi: str


class RoomOut(Schema):
    id: int
    facility_id: int
    department_id: int | None
    code: str
    name: str
    kind: str


class PractitionerOut(Schema):
    id: int
    name: str
    name_hi: str
    hpr_id: str | None
    qualification: str
    speciality_code: str | None
