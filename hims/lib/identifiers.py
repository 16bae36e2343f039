"""Checks and display rules for Indian health identifiers (see shared/reference/india-health.md).

Domain-free: raises django ValidationError with translated messages, imports no app.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

HFR_RE = re.compile(r"^IN\d{10}$")
PINCODE_RE = re.compile(r"^[1-9]\d{5}$")
MOBILE_RE = re.compile(r"^[6-9]\d{9}$")

ABHA_SYSTEM = "https://healthid.ndhm.gov.in"
HFR_SYSTEM = "https://facility.ndhm.gov.in"
HPR_SYSTEM = "https://doctor.ndhm.gov.in"


def digits_only(value: str) -> str:
    return re.sub(r"[\s\-]", "", value or "")


def luhn_valid(number: str) -> bool:
    """Luhn mod-10 over a string of digits."""
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def luhn_check_digit(partial: str) -> str:
    """The digit that makes `partial + digit` pass Luhn."""
    for candidate in "0123456789":
        if luhn_valid(partial + candidate):
            return candidate
    raise AssertionError("unreachable")


def normalize_hfr_id(value: str) -> str:
    hfr = (value or "").strip().upper()
    if not HFR_RE.match(hfr):
        raise ValidationError(
            _("An HFR ID is IN followed by 10 digits, for example IN0710000001."), code="hfr_id"
        )
    return hfr


def normalize_hpr_id(value: str) -> str:
    hpr = digits_only(value)
    if not re.fullmatch(r"\d{14}", hpr):
        raise ValidationError(
            _("An HPR ID has 14 digits, written like 71-1234-5678-9012."), code="hpr_id"
        )
    return hpr


def format_14_digits(value: str) -> str:
    """71123456789012 -> 71-1234-5678-9012 (ABHA numbers and HPR IDs)."""
    if len(value) != 14:
        return value
    return f"{value[:2]}-{value[2:6]}-{value[6:10]}-{value[10:]}"


def normalize_mobile(value: str) -> str:
    """Accept 98xxxxxxxx, +91 98xxx xxxxx, 098xxxxxxxx; return the 10 digits."""
    mobile = re.sub(r"[\s\-()]", "", value or "")
    if mobile.startswith("+91"):
        mobile = mobile[3:]
    elif len(mobile) == 12 and mobile.startswith("91"):
        mobile = mobile[2:]
    elif len(mobile) == 11 and mobile.startswith("0"):
        mobile = mobile[1:]
    if not MOBILE_RE.match(mobile):
        raise ValidationError(
            _("Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9."), code="mobile"
        )
    return mobile


def mask_mobile(mobile: str) -> str:
    """9876543210 -> ******3210. Used in every list and log line."""
    if not mobile:
        return ""
    return "*" * max(len(mobile) - 4, 0) + mobile[-4:]


def normalize_pincode(value: str) -> str:
    pincode = digits_only(value)
    if not PINCODE_RE.match(pincode):
        raise ValidationError(
            _("A PIN code has 6 digits and does not start with 0."), code="pincode"
        )
    return pincode


def mask_name(name: str) -> str:
    """Ramesh Kumar -> R***** K****: for logs; lists show full names only to authorized staff."""
    return " ".join(part[:1] + "*" * (len(part) - 1) for part in (name or "").split())


# --- ABHA --------------------------------------------------------------------------------

ABHA_ADDRESS_RE = re.compile(r"^(?![0-9.])[A-Za-z0-9._]*[A-Za-z0-9_]@(abdm|sbx|ndhm)$")


def normalize_abha_number(value: str, *, luhn: bool = True) -> str:
    """Accept 91-5487-2361-7072 or 91548723617072; return the 14 digits."""
    abha = digits_only(value)
    if not re.fullmatch(r"\d{14}", abha):
        raise ValidationError(
            _("An ABHA number has 14 digits, written like 91-5487-2361-7072."), code="abha_number"
        )
    if luhn and not luhn_valid(abha):
        raise ValidationError(
            _("The ABHA number looks mistyped: please check each digit."), code="abha_checksum"
        )
    return abha


def mask_abha_number(abha: str) -> str:
    """91548723617072 -> XX-XXXX-XXXX-7072."""
    return f"XX-XXXX-XXXX-{abha[-4:]}" if abha else ""


def normalize_abha_address(value: str, *, new: bool = False) -> str:
    """name@abdm (sandbox @sbx, older @ndhm). New addresses 8-18 characters, existing from 4."""
    address = (value or "").strip().lower()
    local = address.split("@", 1)[0]
    minimum = 8 if new else 4
    if not ABHA_ADDRESS_RE.match(address) or not (minimum <= len(local) <= 18 or local.isdigit()):
        raise ValidationError(
            _(
                "An ABHA address looks like name@abdm: letters, digits, dot or underscore, "
                "not starting with a digit or dot."
            ),
            code="abha_address",
        )
    return address


# --- UHID: the network's own patient number ---------------------------------------------
# Format: "DL" + 9 random digits + 1 Luhn check digit over those 9, e.g. DL4821937065.
# Random (not sequential) so it neither reveals registration volume nor contends on one
# sequence; uniqueness is the database's job (unique index, retry on collision).

UHID_RE = re.compile(r"^DL\d{10}$")


def uhid_from_serial(serial: int) -> str:
    body = f"{serial:09d}"
    return f"DL{body}{luhn_check_digit(body)}"


def normalize_uhid(value: str) -> str:
    uhid = re.sub(r"[\s\-]", "", value or "").upper()
    if not UHID_RE.match(uhid) or not luhn_valid(uhid[2:]):
        raise ValidationError(_("A UHID looks like DL4821937065 (DL and 10 digits)."), code="uhid")
    return uhid


def format_uhid(uhid: str) -> str:
    """DL4821937065 -> DL-4821-9370-65, easier to read aloud at a counter."""
    return f"{uhid[:2]}-{uhid[2:6]}-{uhid[6:10]}-{uhid[10:]}" if len(uhid) == 12 else uhid
