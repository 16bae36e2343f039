"""Bulk import of existing patient registers (CSV), row by row, safe to re-run.

Columns (header row, any order; unknown columns are ignored):
    name, name_hi, gender (male/female/other or M/F/O), birth_date (YYYY-MM-DD, DD-MM-YYYY or
    DD/MM/YYYY), age, birth_year, mobile, abha_number, abha_address, address, locality, district
    (code or name), pincode, facility_code, facility_number
Each row ends as one of: created, existing (imported before, or the same ABHA or facility
number), duplicate (likely the same person as an existing record: not created, listed for
review), rejected (invalid, with the reasons).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction

from hims.accounts.models import User
from hims.core.errors import ValidationFailed
from hims.network.choices import District
from hims.network.models import Facility
from hims.patients.choices import RegistrationChannel
from hims.patients.matching import candidate_list
from hims.patients.models import Patient, PatientFacilityNumber, PatientImportRow
from hims.patients.services import patient_data_clean, patient_register

GENDERS = {
    "m": "male",
    "male": "male",
    "f": "female",
    "female": "female",
    "o": "other",
    "other": "other",
    "t": "other",
    "पुरुष": "male",
    "महिला": "female",
}
DISTRICTS = {
    **{v: v for v in District.values},
    **{label.lower().replace(" delhi", "").strip(): v for v, label in District.choices},
    **{label.lower(): v for v, label in District.choices},
}


@dataclass
class RowResult:
    line: int
    status: str  # created, existing, duplicate, rejected
    uhid: str = ""
    reason: str = ""


def _date(value: str) -> str:
    value = value.strip()
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, pattern).date().isoformat()
        except ValueError:
            continue
    return value  # let validation explain


def row_to_data(row: dict[str, str]) -> dict[str, Any]:
    get = lambda key: (row.get(key) or "").strip()  # noqa: E731
    data: dict[str, Any] = {
        "name": get("name"),
        "name_hi": get("name_hi"),
        "gender": GENDERS.get(get("gender").lower(), get("gender")),
        "mobile": get("mobile"),
        "abha_number": get("abha_number"),
        "abha_address": get("abha_address"),
        "address_line": get("address"),
        "locality": get("locality"),
        "district": DISTRICTS.get(get("district").lower(), get("district")),
        "pincode": get("pincode"),
    }
    if get("birth_date"):
        data["birth_date"] = _date(get("birth_date"))
    if get("age"):
        data["age_years"] = get("age")
    if get("birth_year"):
        data["birth_year"] = get("birth_year")
    return data


def _fingerprint(facility_code: str, cleaned: dict[str, Any]) -> str:
    parts = [
        facility_code,
        cleaned["name"].lower(),
        str(cleaned["birth_date"]),
        cleaned["gender"],
        cleaned["mobile"],
        cleaned.get("abha_number") or "",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def import_rows(
    *,
    path: Path,
    default_facility: Facility | None,
    actor: User | None,
    register_duplicates: bool = False,
) -> Iterator[RowResult]:
    facilities: dict[str, Facility | None] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "name" not in [f.strip() for f in reader.fieldnames]:
            raise ValidationFailed("the file has no header row with a 'name' column")
        for line, raw in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "") for k, v in raw.items()}
            yield _import_one(
                line=line,
                row=row,
                facilities=facilities,
                default_facility=default_facility,
                actor=actor,
                register_duplicates=register_duplicates,
                source=path.name,
            )


def _import_one(
    *,
    line: int,
    row: dict[str, str],
    facilities: dict[str, Facility | None],
    default_facility: Facility | None,
    actor: User | None,
    register_duplicates: bool,
    source: str,
) -> RowResult:
    code = (row.get("facility_code") or "").strip()
    if code and code not in facilities:
        facilities[code] = Facility.objects.filter(code=code).first()
    facility = facilities.get(code) if code else default_facility
    if code and facility is None:
        return RowResult(line, "rejected", reason=f"unknown facility_code {code!r}")
    number = re.sub(r"\s+", "", row.get("facility_number") or "")
    data = row_to_data(row)
    try:
        cleaned = patient_data_clean(data)
    except ValidationFailed as error:
        reasons = "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.errors.items()
        )
        return RowResult(line, "rejected", reason=reasons or str(error))
    fingerprint = _fingerprint(facility.code if facility else "", cleaned)
    seen = (
        PatientImportRow.objects.filter(fingerprint=fingerprint).select_related("patient").first()
    )
    if seen:
        return RowResult(line, "existing", seen.patient.uhid, "imported before")
    if facility and number:
        known = (
            PatientFacilityNumber.objects.filter(facility=facility, number=number)
            .select_related("patient")
            .first()
        )
        if known:
            return RowResult(line, "existing", known.patient.uhid, "facility number already known")
    if cleaned.get("abha_number"):
        same = Patient.objects.filter(abha_number=cleaned["abha_number"]).first()
        if same:
            with transaction.atomic():
                _link(same, facility, number, fingerprint, source)
            return RowResult(line, "existing", same.uhid, "same ABHA number")
    if not register_duplicates:
        candidates = candidate_list(data=cleaned, limit=1)
        if candidates:
            best = candidates[0]
            reasons = ", ".join(str(r) for r in best.reasons)
            return RowResult(
                line, "duplicate", best.patient.uhid, f"likely the same person ({reasons})"
            )
    try:
        with transaction.atomic():
            patient = patient_register(
                data=data,
                actor=actor,
                facility=facility,
                channel=RegistrationChannel.IMPORT,
                confirm_new=True,
            )
            _link(patient, facility, number, fingerprint, source)
    except ValidationFailed as error:
        return RowResult(line, "rejected", reason=str(error))
    return RowResult(line, "created", patient.uhid)


def _link(
    patient: Patient, facility: Facility | None, number: str, fingerprint: str, source: str
) -> None:
    if facility and number:
        PatientFacilityNumber.objects.get_or_create(
            facility=facility, number=number, defaults={"patient": patient}
        )
    PatientImportRow.objects.get_or_create(
        fingerprint=fingerprint, defaults={"patient": patient, "source": source}
    )


def import_summary(results: list[RowResult]) -> Counter[str]:
    return Counter(result.status for result in results)
