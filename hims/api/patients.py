"""Patient endpoints: search, read, register (with Idempotency-Key), duplicate candidates."""

import json
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from hims.accounts.models import User
from hims.accounts.selectors import facility_for_user, user_is_network_admin
from hims.core.errors import AccessDenied
from hims.core.idempotency import idempotent_call
from hims.network.models import Facility
from hims.patients.choices import RegistrationChannel
from hims.patients.matching import candidate_list
from hims.patients.models import Patient
from hims.patients.selectors import (
    PATIENT_ROLES,
    PatientQuery,
    patient_get_for_staff,
    patient_search,
)
from hims.patients.services import DuplicateSuspected, patient_data_clean, patient_register

router = Router(tags=["patients"])
FACILITY_HEADER = "X-HIMS-Facility"


class PatientOut(Schema):
    """Masked by default: the mobile and ABHA number show their last four digits only."""

    uhid: str
    name: str
    name_hi: str
    gender: str
    birth_date: date
    birth_date_is_estimated: bool
    age_years: int
    mobile_masked: str
    abha_masked: str
    abha_address: str | None
    district: str
    pincode: str
    merged_into: str | None


class PatientIn(Schema):
    name: str
    name_hi: str = ""
    gender: str
    birth_date: str = ""
    age_years: int | None = None
    birth_year: int | None = None
    mobile: str = ""
    abha_number: str = ""
    abha_address: str = ""
    address_line: str = ""
    locality: str = ""
    district: str = ""
    pincode: str = ""
    emergency_contact_name: str = ""
    emergency_contact_mobile: str = ""
    emergency_contact_relation: str = ""
    preferred_language: str = "hi"
    confirm_new: bool = False


class CandidateOut(Schema):
    patient: PatientOut
    score: int
    reasons: list[str]


class SearchFilter(Schema):
    q: str
    gender: str = ""
    age_min: int | None = None
    age_max: int | None = None
    district: str = ""


def patient_out(patient: Patient) -> dict[str, Any]:
    return {
        "uhid": patient.uhid,
        "name": patient.name,
        "name_hi": patient.name_hi,
        "gender": patient.gender,
        "birth_date": patient.birth_date,
        "birth_date_is_estimated": patient.birth_date_is_estimated,
        "age_years": patient.age_years,
        "mobile_masked": patient.mobile_masked,
        "abha_masked": patient.abha_masked,
        "abha_address": patient.abha_address,
        "district": patient.district,
        "pincode": patient.pincode,
        "merged_into": patient.merged_into.uhid
        if patient.merged_into_id and patient.merged_into
        else None,
    }


def _staff(request: HttpRequest) -> tuple[User, Facility | None]:
    """The caller and the facility they act for: X-HIMS-Facility (a facility id) or their first
    facility with a patient role; network administrators may act network-wide."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated or user.is_patient:
        raise AccessDenied(_("This API is for network staff."))
    wanted = request.headers.get(FACILITY_HEADER, "").strip()
    if wanted:
        facility = (
            facility_for_user(user=user, roles=PATIENT_ROLES, facility_id=int(wanted))
            if wanted.isdigit()
            else None
        )
        if facility is None:
            raise AccessDenied(_("You do not work with patient records at that facility."))
        return user, facility
    facility = facility_for_user(user=user, roles=PATIENT_ROLES)
    if facility is None and not user_is_network_admin(user=user):
        raise AccessDenied(_("Your role does not include work with patient records."))
    return user, facility


@router.get("/patients", response=list[PatientOut])
def patient_list(request: HttpRequest, filters: Query[SearchFilter]) -> list[dict[str, Any]]:
    user, facility = _staff(request)
    query = PatientQuery(
        text=filters.q,
        gender=filters.gender,
        age_min=filters.age_min,
        age_max=filters.age_max,
        district=filters.district,
    )
    return [
        patient_out(p)
        for p in patient_search(user=user, facility=facility, query=query, request=request)
    ]


@router.post("/patients/candidates", response=list[CandidateOut])  # before /patients/{uhid}
def patient_candidates(request: HttpRequest, payload: PatientIn) -> list[dict[str, Any]]:
    """Likely existing records of the person described, scored and explained."""
    _staff(request)
    data = patient_data_clean(
        {k: ("" if v is None else v) for k, v in payload.dict(exclude={"confirm_new"}).items()}
    )
    return [
        {
            "patient": patient_out(c.patient),
            "score": c.score,
            "reasons": [str(r) for r in c.reasons],
        }
        for c in candidate_list(data=data)
    ]


@router.get("/patients/{uhid}", response=PatientOut)
def patient_detail(request: HttpRequest, uhid: str) -> dict[str, Any]:
    user, facility = _staff(request)
    return patient_out(
        patient_get_for_staff(user=user, facility=facility, uhid=uhid, request=request)
    )


@router.post("/patients", response={201: PatientOut, 409: dict[str, Any]})
def patient_create(request: HttpRequest, payload: PatientIn) -> HttpResponse:
    """Register a patient. Likely duplicates answer 409 with the candidates unless confirm_new is
    true. Send an Idempotency-Key header so that a retry never registers twice."""
    user, facility = _staff(request)

    def act() -> HttpResponse:
        data = payload.dict(exclude={"confirm_new"})
        data = {k: ("" if v is None else v) for k, v in data.items()}
        try:
            patient = patient_register(
                data=data,
                actor=user,
                facility=facility,
                channel=RegistrationChannel.API,
                confirm_new=payload.confirm_new,
                request=request,
            )
        except DuplicateSuspected as duplicate:
            body = {
                "type": "urn:hims:error:duplicate_suspected",
                "title": "duplicate_suspected",
                "status": 409,
                "detail": str(duplicate),
                "candidates": [
                    {
                        "uhid": c.patient.uhid,
                        "score": c.score,
                        "reasons": [str(r) for r in c.reasons],
                    }
                    for c in duplicate.candidates
                ],
            }
            return JsonResponse(body, status=409, content_type="application/problem+json")
        response = HttpResponse(
            json.dumps(patient_out(patient), default=str, ensure_ascii=False),
            status=201,
            content_type="application/json",
        )
        response["Location"] = f"/api/v1/patients/{patient.uhid}"
        return response

    return idempotent_call(request, act)
