from __future__ import annotations

from datetime import date
from typing import Any

from hims.lib.identifiers import luhn_check_digit
from hims.patients.models import Patient
from hims.patients.services import patient_create


def abha(prefix: str) -> str:
    """A valid 14-digit ABHA number (Luhn) starting with `prefix` (up to 13 digits)."""
    body = (prefix + "0" * 13)[:13]
    return body + luhn_check_digit(body)


def make_patient(**fields: Any) -> Patient:
    defaults: dict[str, Any] = {
        "name": "Ramesh Kumar",
        "name_hi": "रमेश कुमार",
        "gender": "male",
        "birth_date": date(1980, 5, 17),
        "mobile": "9811100001",
    }
    defaults.update(fields)
    return patient_create(**defaults)


def registration(**fields: Any) -> dict[str, Any]:
    """Form data for a registration, as a clerk would type it."""
    data: dict[str, Any] = {
        "name": "Sunita Devi",
        "gender": "female",
        "birth_date": "1985-03-12",
        "mobile": "9811100002",
        "district": "central",
        "pincode": "110002",
    }
    data.update(fields)
    return data
