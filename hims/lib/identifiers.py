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
