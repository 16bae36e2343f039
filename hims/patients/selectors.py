"""Reads of the patient index. Every patient a user sees is written to the access log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.accounts.choices import Role
from hims.accounts.selectors import user_has_role_at, user_is_network_admin
from hims.core.access import access_record_listed, access_record_patient
from hims.core.choices import AccessAction, AccessBasis
from hims.core.errors import AccessDenied, NotFound
from hims.lib.db import columns, instances, select_one
from hims.lib.identifiers import digits_only
from hims.lib.phonetic import name_key
from hims.patients.matching import name_keys_like
from hims.patients.models import Patient, ScanShareToken

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hims.accounts.models import User
    from hims.network.models import Facility

# Staff who work with patient identity at a facility (search, register, view demographics).
PATIENT_ROLES = {
    Role.CLERK,
    Role.DOCTOR,
    Role.NURSE,
    Role.FACILITY_ADMIN,
    Role.LAB_TECHNICIAN,
    Role.PHARMACIST,
    Role.ANM,
}
MERGE_ROLES = {Role.FACILITY_ADMIN, Role.NETWORK_ADMIN}
SEARCH_LIMIT = 50


@dataclass
class PatientQuery:
    text: str = ""
    gender: str = ""
    age_min: int | None = None
    age_max: int | None = None
    district: str = ""


def _birth_bounds(age_min: int | None, age_max: int | None) -> tuple[date | None, date | None]:
    today = timezone.localdate()
    latest = today.replace(year=today.year - age_min) if age_min is not None else None
    earliest = (
        date(today.year - age_max - 1, today.month, min(today.day, 28))
        if age_max is not None
        else None
    )
    return earliest, latest


def patient_queryset_for_query(query: PatientQuery) -> tuple[str, QuerySet[Patient]]:
    """Decide what the text is (UHID, ABHA number or address, mobile, name) and build the query."""
    text = query.text.strip()
    patients = Patient.objects.active()
    compact = re.sub(r"[\s\-]", "", text)
    digits = digits_only(text)
    if re.fullmatch(r"(?i)DL\d{10}", compact):
        kind, patients = "uhid", patients.filter(uhid=compact.upper())
    elif "@" in text:
        kind, patients = "abha_address", patients.filter(abha_address=text.lower())
    elif re.fullmatch(r"\d{14}", digits):
        kind, patients = "abha_number", patients.filter(abha_number=digits)
    elif re.fullmatch(r"(\+?91|0)?[6-9]\d{9}", compact):
        kind, patients = "mobile", patients.filter(mobile=compact[-10:])
    elif text:
        key = name_key(text)
        keys = [key, *[k for k in name_keys_like(key=key) if k != key]]
        kind, patients = "name", patients.filter(name_key__in=keys)
    else:
        kind, patients = "none", patients.none()
    if query.gender:
        patients = patients.filter(gender=query.gender)
    if query.district:
        patients = patients.filter(district=query.district)
    earliest, latest = _birth_bounds(query.age_min, query.age_max)
    if earliest:
        patients = patients.filter(birth_date__gt=earliest)
    if latest:
        patients = patients.filter(birth_date__lte=latest)
    return kind, patients


def staff_facility_for_patients(*, user: User, facility: Facility | None) -> Facility | None:
    """The facility a staff member works at for patient work (None for a network administrator
    working network-wide); refuses users without such a role there."""
    if facility is None:
        if user_is_network_admin(user=user):
            return None
        raise AccessDenied(_("Your role does not include work with patient records here."))
    if not user_has_role_at(
        user=user, facility_id=facility.pk, roles=PATIENT_ROLES | {Role.NETWORK_ADMIN}
    ):
        raise AccessDenied(_("Your role does not include work with patient records here."))
    return facility


def patient_search(
    *,
    user: User,
    facility: Facility | None,
    query: PatientQuery,
    request: HttpRequest | None = None,
    limit: int = SEARCH_LIMIT,
) -> list[Patient]:
    """Search the network's patients; each record listed is logged as seen by this user."""
    staff_facility_for_patients(user=user, facility=facility)
    kind, patients = patient_queryset_for_query(query)
    if kind == "name":
        results = _name_results(patients, key=name_key(query.text), limit=limit)
    else:
        results = list(patients.order_by("name", "pk")[:limit])
    _log_listed(user=user, facility=facility, patients=results, request=request)
    return results


def _log_listed(
    *, user: User, facility: Facility | None, patients: list[Patient], request: HttpRequest | None
) -> None:
    access_record_listed(
        actor=user,
        patient_ids=[p.pk for p in patients],
        basis=AccessBasis.ADMINISTRATION,
        facility=facility,
        actor_role="staff",
        request=request,
    )


@dataclass
class PatientPage:
    """One page of a long list, without counting the whole list: `total` is exact up to CAP,
    else None ("more than 10,000")."""

    rows: list[Patient]
    number: int
    has_next: bool
    total: int | None

    CAP = 10_000

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def patient_list_recent(
    *,
    user: User,
    facility: Facility | None,
    page: str | None,
    request: HttpRequest | None = None,
    per_page: int = SEARCH_LIMIT,
) -> PatientPage:
    """Patients registered at this facility, newest first, a page at a time (each listed row logged)."""
    staff_facility_for_patients(user=user, facility=facility)
    number = max(int(page), 1) if page and page.isdigit() and len(page) < 6 else 1
    patients = (
        Patient.objects.active().filter(registered_at=facility).order_by("-created_at", "-pk")
    )
    offset = (number - 1) * per_page
    rows = list(patients[offset : offset + per_page + 1])
    total = patients[: PatientPage.CAP + 1].count()  # COUNT over a LIMIT subquery: bounded work
    result = PatientPage(
        rows=rows[:per_page],
        number=number,
        has_next=len(rows) > per_page,
        total=total if total <= PatientPage.CAP else None,
    )
    _log_listed(user=user, facility=facility, patients=result.rows, request=request)
    return result


def _name_results(patients: QuerySet[Patient], *, key: str, limit: int) -> list[Patient]:
    """Exact-sounding names first, then the similar keys in their ranking, each through the
    (name_key, birth_date) index. A common name (Sunita Devi: 92,000 of a crore) fills the page
    from its own key; rarer ones take a few more short index scans. Ordered as the index is
    (name_key, birth_date): ordering by name would sort all 92,000 rows of a common key."""
    ranked = [key, *[k for k in name_keys_like(key=key) if k != key]]
    results: list[Patient] = []
    for position, candidate in enumerate(ranked):
        if len(results) >= limit:
            break
        if position >= 6:  # the long tail in one query
            results.extend(patients.filter(name_key__in=ranked[position:])[: limit - len(results)])
            break
        results.extend(
            patients.filter(name_key=candidate).order_by("birth_date", "pk")[: limit - len(results)]
        )
    return results


def patient_by_uhid(uhid: str) -> Patient | None:
    """The record with this UHID (any case, spaces around), or None: one hand-written SELECT, for
    the booking hot path. Callers check access; this reads, it does not log."""
    row = select_one(
        f"SELECT {columns(Patient, 'p')} FROM {Patient._meta.db_table} p "  # noqa: S608
        "WHERE p.uhid = %s",
        [uhid.strip().upper()],
    )
    if row is None:
        return None
    (patient,) = instances(row, Patient)
    assert isinstance(patient, Patient)
    return patient


def patient_get_for_staff(
    *, user: User, facility: Facility | None, uhid: str, request: HttpRequest | None = None
) -> Patient:
    """One patient's demographics for a staff member, logged. A merged record redirects."""
    staff_facility_for_patients(user=user, facility=facility)
    patient = (
        Patient.objects.select_related("merged_into", "registered_at")
        .filter(uhid=uhid.upper())
        .first()
    )
    if patient is None:
        raise NotFound(_("No patient has this UHID."))
    with transaction.atomic():
        access_record_patient(
            actor=user,
            patient_id=patient.pk,
            action=AccessAction.READ,
            facility=facility,
            request=request,
        )
    return patient


def patient_list_for_account(*, user: User, request: HttpRequest | None = None) -> list[Patient]:
    """The patients (a family) registered with a patient login's mobile; each view is logged."""
    with transaction.atomic():
        patients = list(Patient.objects.active().filter(mobile=user.mobile).order_by("birth_date"))
        for patient in patients:
            access_record_patient(
                actor=user,
                patient_id=patient.pk,
                action=AccessAction.READ,
                basis=AccessBasis.SELF,
                actor_role="patient",
                request=request,
            )
    return patients


def patient_record_ids(*, patient: Patient) -> list[int]:
    """The patient's id and the ids of every record merged into it (for the access log view)."""
    ids, frontier = [patient.pk], [patient.pk]
    while frontier:
        frontier = list(
            Patient.objects.filter(merged_into__in=frontier).values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def scan_share_list_today(
    *, user: User, facility: Facility | None, counter: str = "", request: HttpRequest | None = None
) -> tuple[list[ScanShareToken], list[str]]:
    """Today's Scan and Share tokens at the facility (optionally one counter), each patient shown
    logged; and the facility's counters."""
    staff_facility_for_patients(user=user, facility=facility)
    tokens = ScanShareToken.objects.filter(
        facility=facility, issued_on=timezone.localdate()
    ).select_related("patient")
    if counter:
        tokens = tokens.filter(counter=counter)
    rows = list(tokens.order_by("-issued_at")[:100])
    _log_listed(user=user, facility=facility, patients=[t.patient for t in rows], request=request)
    counters = sorted(
        set(ScanShareToken.objects.filter(facility=facility).values_list("counter", flat=True))
    )
    return rows, counters
