"""Writes to the master patient index."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction

from hims.lib.identifiers import uhid_from_serial
from hims.patients.models import Patient

UHID_ATTEMPTS = 5


def uhid_new() -> str:
    return uhid_from_serial(secrets.randbelow(10**9))


def patient_create(**fields: Any) -> Patient:
    """Insert a patient with a fresh random UHID, retrying on the rare collision."""
    for _attempt in range(UHID_ATTEMPTS):
        try:
            with transaction.atomic():
                return Patient.objects.create(uhid=uhid_new(), **fields)
        except IntegrityError as error:
            if "uhid" not in str(error).lower():
                raise
    raise RuntimeError("could not allocate a UHID")
