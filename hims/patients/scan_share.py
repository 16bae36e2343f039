"""ABDM Scan and Share: a patient scans the counter's QR with an ABHA app; the gateway posts
their profile here; we match or register them and answer with a short token and its expiry.

Payload (ABDM v3 `POST /v3/hip/patient/share`, as published):
    {"intent": "PROFILE_SHARE",
     "metaData": {"hipId": "IN0710000001", "context": "counter-1", "hprId": "...", "latitude": ..., "longitude": ...},
     "profile": {"patient": {"abhaNumber": "91-5487-2361-7072", "abhaAddress": "name@sbx", "name": "...",
                 "gender": "M|F|O", "dayOfBirth": 1, "monthOfBirth": 2, "yearOfBirth": 1990,
                 "address": {"line": "...", "district": "...", "state": "...", "pincode": "110002"},
                 "phoneNumber": "9876543210"}}}
Answer (and the on-share callback body):
    {"acknowledgement": {"abhaAddress": "...", "status": "SUCCESS",
                         "profile": {"context": "counter-1", "tokenNumber": "12", "expiry": "1800"}},
     "response": {"requestId": "<REQUEST-ID of the share>"}}
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hims.core.errors import NotFound, ValidationFailed
from hims.lib.identifiers import mask_abha_number
from hims.lib.phonetic import name_key
from hims.network.choices import District
from hims.network.models import Facility
from hims.patients.abdm import abdm_gateway
from hims.patients.choices import RegistrationChannel
from hims.patients.models import Patient, ScanShareRequest, ScanShareToken
from hims.patients.services import patient_data_clean, patient_register
from hims.scheduling.queues import registration_token

GENDERS = {"M": "male", "F": "female", "O": "other", "T": "other"}
DISTRICT_NAMES = {
    label.lower().replace(" delhi", "").strip(): value for value, label in District.choices
}


def _district(name: str) -> str:
    cleaned = re.sub(
        r"\s+", " ", (name or "").lower().replace("district", "").replace(" delhi", "")
    ).strip()
    return DISTRICT_NAMES.get(cleaned, "")


def profile_to_patient_data(profile: dict[str, Any]) -> dict[str, Any]:
    """Map the ABDM profile to our registration fields (then validated as every other channel)."""
    address = profile.get("address") or {}
    year, month, day = (
        profile.get("yearOfBirth"),
        profile.get("monthOfBirth"),
        profile.get("dayOfBirth"),
    )
    data: dict[str, Any] = {
        "name": profile.get("name") or "",
        "gender": GENDERS.get(str(profile.get("gender") or "").upper(), ""),
        "mobile": profile.get("phoneNumber") or "",
        "abha_number": profile.get("abhaNumber") or "",
        "abha_address": profile.get("abhaAddress") or "",
        "address_line": (address.get("line") or "")[:300],
        "district": _district(address.get("district") or ""),
        "pincode": address.get("pincode") or "",
    }
    try:
        if year and month and day:
            data["birth_date"] = date(int(year), int(month), int(day)).isoformat()
        elif year:
            data["birth_year"] = int(year)
    except (TypeError, ValueError):
        data["birth_year"] = year
    return data


def _match(cleaned: dict[str, Any]) -> Patient | None:
    """The same person: same ABHA number; or, for a record without one, the same mobile, a name
    that sounds the same and the same year of birth (the ABHA number is then attached)."""
    if cleaned.get("abha_number"):
        found = Patient.objects.active().filter(abha_number=cleaned["abha_number"]).first()
        if found:
            return found
    if cleaned.get("mobile"):
        key = name_key(cleaned["name"])
        for patient in Patient.objects.active().filter(
            mobile=cleaned["mobile"], name_key=key, abha_number__isnull=True
        ):
            if (
                patient.birth_date.year == cleaned["birth_date"].year
                and patient.gender == cleaned["gender"]
            ):
                return patient
    return None


def scan_share_receive(
    *, payload: dict[str, Any], request_id: str, hip_id_header: str = ""
) -> dict[str, Any]:
    """Handle one profile share. Idempotent by REQUEST-ID; a rescan while a token is valid
    returns the same token."""
    if payload.get("intent") != "PROFILE_SHARE":
        raise ValidationFailed(
            _("Unknown intent: only PROFILE_SHARE is handled here."), field="intent"
        )
    meta = payload.get("metaData") or {}
    profile = ((payload.get("profile") or {}).get("patient")) or {}
    if not request_id:
        raise ValidationFailed(_("The REQUEST-ID header is missing."), field="REQUEST-ID")
    hip_id = (meta.get("hipId") or "").strip().upper()
    if hip_id_header and hip_id_header.strip().upper() != hip_id:
        raise ValidationFailed(_("X-HIP-ID does not match metaData.hipId."), field="metaData.hipId")
    counter = (meta.get("context") or "").strip()[:50]
    if not counter:
        raise ValidationFailed(
            _("metaData.context (the counter) is missing."), field="metaData.context"
        )
    facility = Facility.objects.active().filter(hfr_id=hip_id).first()
    if facility is None:
        raise NotFound(_("No facility of this network has this HFR ID."))

    seen = (
        ScanShareRequest.objects.filter(request_id=request_id)
        .select_related("token__patient")
        .first()
    )
    if seen:
        return _acknowledgement(seen.token, request_id)

    cleaned = patient_data_clean(profile_to_patient_data(profile))
    now = timezone.now()
    with transaction.atomic():
        patient = _match(cleaned)
        new_patient = patient is None
        if patient is None:
            try:
                with transaction.atomic():
                    patient = patient_register(
                        data=profile_to_patient_data(profile),
                        actor=None,
                        facility=facility,
                        channel=RegistrationChannel.SCAN_SHARE,
                        confirm_new=True,
                    )
            except ValidationFailed as taken:
                # A simultaneous scan registered this ABHA number a moment ago: use that record.
                patient = _match(cleaned)
                if patient is None:
                    raise taken from None
                new_patient = False
        elif cleaned.get("abha_number") and not patient.abha_number:
            Patient.objects.filter(pk=patient.pk).update(
                abha_number=cleaned["abha_number"], abha_address=cleaned.get("abha_address")
            )
        # Serialise scans of one person so a double scan cannot draw two tokens.
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        token = (
            ScanShareToken.objects.filter(facility=facility, patient=patient, expires_at__gt=now)
            .order_by("-issued_at")
            .first()
        )
        if token is None:
            # A real token in the registration counter's queue: numbered with the rest of the
            # day's counter tokens, called like them, shown on the counter's board.
            queued = registration_token(facility=facility, patient=patient, now=now)
            token = ScanShareToken.objects.create(
                facility=facility,
                counter=counter,
                patient=patient,
                queue_token=queued,
                token_number=str(queued.number),
                issued_on=timezone.localdate(),
                issued_at=now,
                expires_at=now + timedelta(minutes=settings.HIMS_SCAN_SHARE_TOKEN_MINUTES),
                profile=_safe_profile(profile),
                new_patient=new_patient,
            )
        try:
            with transaction.atomic():
                ScanShareRequest.objects.create(request_id=request_id, token=token)
        except IntegrityError:  # the same request arrived twice at once: answer with the first
            token = (
                ScanShareRequest.objects.select_related("token").get(request_id=request_id).token
            )
    answer = _acknowledgement(token, request_id)
    transaction.on_commit(
        lambda: abdm_gateway().patient_share_on_share(request_id=request_id, body=answer)
    )
    return answer


def _safe_profile(profile: dict[str, Any]) -> dict[str, Any]:
    """What we keep of the shared profile: enough to audit the intake, with the ABHA masked."""
    kept = {k: profile.get(k) for k in ("gender", "yearOfBirth")}
    kept["abhaNumber"] = mask_abha_number(re.sub(r"\D", "", profile.get("abhaNumber") or ""))
    return kept


def _acknowledgement(token: ScanShareToken, request_id: str) -> dict[str, Any]:
    seconds = max(int((token.expires_at - timezone.now()).total_seconds()), 0)
    return {
        "acknowledgement": {
            "abhaAddress": token.patient.abha_address or "",
            "status": "SUCCESS",
            "profile": {
                "context": token.counter,
                "tokenNumber": token.token_number,
                "expiry": str(seconds),
            },
        },
        "response": {"requestId": request_id},
    }
