"""The health-information provider (HIP) side of ABDM: care-context linking, consent
notifications, and health-information requests answered with encrypted NRCES bundles.

The gateway calls go through the adapter in hims.abdm.gateway, whose local implementation only
records them (the national gateway cannot be reached from here). The data push is real HTTP to
the requester's dataPushUrl. Shapes follow the ABDM gateway API v0.5 (docs/abdm.md).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from hims.abdm import crypto
from hims.abdm.choices import HI_TYPES, PURPOSES, ConsentStatus, TransferStatus
from hims.abdm.gateway import gateway_envelope, hip_gateway
from hims.abdm.models import (
    CareContext,
    ConsentArtefact,
    ConsentNotification,
    HealthInformationRequest,
)
from hims.clinical.models import Encounter
from hims.core.access import access_record, client_ip
from hims.core.choices import AccessAction, AccessBasis
from hims.core.errors import Conflict, DomainError, ValidationFailed
from hims.records.documents import DocumentNotReady, documents_for_encounter

if TYPE_CHECKING:
    from hims.accounts.models import User

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/fhir+json"
KEY_MATERIAL_MINUTES = 30
# What each shared document is called in the access log (the patient's page labels these).
LOGGED_RECORD_TYPE = {"OPConsultation": "Encounter", "Prescription": "MedicationRequest"}


def _exported(hi_type: str, encounter: Encounter, bundle: dict[str, Any]) -> list[tuple[str, str]]:
    """(resource type, id) of the access-log entries a sent document writes: one per lab report
    (by its order number, the id the pages and the FHIR API log) for DiagnosticReportRecord,
    else one for the visit."""
    if hi_type == "DiagnosticReport":
        return [
            ("DiagnosticReport", identifier["value"])
            for entry in bundle["entry"]
            if entry["resource"]["resourceType"] == "DiagnosticReport"
            for identifier in entry["resource"].get("identifier", [])[:1]
        ]
    return [(LOGGED_RECORD_TYPE.get(hi_type, "Encounter"), str(encounter.pk))]


class BadGatewayMessage(DomainError):
    """A gateway message that is not in the shape ABDM publishes: nothing is changed."""

    status = 400
    code = "bad_request"
    default_message = _("The message is not in the expected ABDM shape.")


class GatewayUnauthenticated(DomainError):
    status = 401
    code = "unauthenticated"
    fhir_code = "login"
    default_message = _("Only the ABDM gateway may call this endpoint.")


class ConsentNotUsable(Conflict):
    """The consent does not (or no longer) allow this request: nothing is sent."""

    code = "consent_not_usable"
    default_message = _("The consent does not allow this request.")


# --- reading gateway messages --------------------------------------------------------------


def _field(payload: Any, path: str, kind: type = str) -> Any:
    """The value at a dotted path, of the given type, or a 400 naming the path."""
    value = payload
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            raise BadGatewayMessage(_("%(field)s is missing."), field=path, params={"field": path})
        value = value[key]
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise BadGatewayMessage(_("%(field)s is not valid."), field=path, params={"field": path})
    return value.strip() if isinstance(value, str) else value


def _moment(payload: Any, path: str) -> datetime:
    """An ABDM timestamp; one without a zone is UTC (the gateway's convention)."""
    text = _field(payload, path)
    try:
        moment = parse_datetime(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None:
        raise BadGatewayMessage(
            _("%(field)s is not a date and time."), field=path, params={"field": path}
        )
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def _identifier(payload: Any, path: str) -> str:
    value = _field(payload, path)
    if len(value) > 64:
        raise BadGatewayMessage(_("%(field)s is too long."), field=path, params={"field": path})
    return str(value)


# --- care-context linking --------------------------------------------------------------------


def care_context_reference(encounter: Encounter) -> str:
    return f"hims-opd-{encounter.pk}"


def _care_context_display(encounter: Encounter) -> str:
    day = date_format(timezone.localtime(encounter.started_at).date(), "j M Y")
    return f"OPD visit, {encounter.facility.name}, {day}"[:200]


def care_context_link(
    *, encounter: Encounter, actor: User | None = None, request: HttpRequest | None = None
) -> CareContext:
    """Make a closed visit known to the patient's ABHA (add-contexts through the gateway
    adapter). Linking again returns the same care context and sends nothing."""
    encounter = Encounter.objects.select_related("patient", "facility").get(pk=encounter.pk)
    if not encounter.is_closed:
        raise DocumentNotReady()
    patient, facility = encounter.patient, encounter.facility
    if not patient.abha_number:
        raise ValidationFailed(
            _("The patient has no ABHA number, so the visit cannot be linked to ABDM."),
            field="abha_number",
        )
    if not facility.hfr_id:
        raise ValidationFailed(
            _("The facility has no HFR ID, so it cannot share records through ABDM."),
            field="hfr_id",
        )
    existing = CareContext.objects.filter(encounter=encounter).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            care_context = CareContext.objects.create(
                patient=patient,
                encounter=encounter,
                reference=care_context_reference(encounter),
                display=_care_context_display(encounter),
                abha_number=patient.abha_number,
            )
            access_record(
                actor=actor,
                action=AccessAction.EXPORT,
                resource_type="Encounter",
                resource_id=encounter.pk,
                patient_id=patient.pk,
                facility=facility,
                basis=AccessBasis.ADMINISTRATION,
                purpose="abdm-link",
                reason="Visit linked to the patient's ABHA as a care context",
                request=request,
            )
    except IntegrityError:  # linked by a racing call: that one told the gateway
        return CareContext.objects.get(encounter=encounter)
    gateway = hip_gateway()
    token = gateway.link_token(abha_number=patient.abha_number, hip_id=facility.hfr_id)
    gateway.links_add_contexts(
        body=gateway_envelope(
            body={
                "link": {
                    "accessToken": token,
                    "patient": {
                        "referenceNumber": patient.uhid,
                        "display": patient.name,
                        "careContexts": [
                            {
                                "referenceNumber": care_context.reference,
                                "display": care_context.display,
                            }
                        ],
                    },
                }
            }
        )
    )
    return care_context


# --- consent notifications ---------------------------------------------------------------


def _granted_fields(notification: dict[str, Any]) -> dict[str, Any]:
    """Everything a GRANTED notification must say, checked before anything is written."""
    detail = _field(notification, "consentDetail", dict)
    prefix = "notification.consentDetail"
    contexts = detail.get("careContexts")
    if not isinstance(contexts, list) or not contexts:
        raise BadGatewayMessage(
            _("%(field)s is missing."),
            field=f"{prefix}.careContexts",
            params={"field": f"{prefix}.careContexts"},
        )
    references = [_identifier(context, "careContextReference") for context in contexts]
    patient_references = {_identifier(context, "patientReference") for context in contexts}
    hi_types = _field(detail, "hiTypes", list)
    if not hi_types or any(hi_type not in HI_TYPES for hi_type in hi_types):
        raise BadGatewayMessage(
            _("%(field)s is not valid."),
            field=f"{prefix}.hiTypes",
            params={"field": f"{prefix}.hiTypes"},
        )
    purpose = _field(detail, "purpose.code")
    if purpose not in PURPOSES:
        raise BadGatewayMessage(
            _("%(field)s is not valid."),
            field=f"{prefix}.purpose.code",
            params={"field": f"{prefix}.purpose.code"},
        )
    date_from = _moment(detail, "permission.dateRange.from")
    date_to = _moment(detail, "permission.dateRange.to")
    expires_at = _moment(detail, "permission.dataEraseAt")
    if date_from > date_to:
        raise BadGatewayMessage(
            _("The date range ends before it starts."), field=f"{prefix}.permission.dateRange"
        )
    care_contexts = list(
        CareContext.objects.filter(reference__in=references).select_related(
            "patient", "encounter__facility"
        )
    )
    if len(care_contexts) != len(set(references)):
        raise BadGatewayMessage(
            _("The consent names a care context this provider does not know."),
            field=f"{prefix}.careContexts",
        )
    patients = {context.patient for context in care_contexts}
    hip_id = _identifier(detail, "hip.id")
    if len(patients) != 1 or patient_references != {next(iter(patients)).uhid}:
        raise BadGatewayMessage(
            _("The care contexts of the consent are not all of the one patient it names."),
            field=f"{prefix}.careContexts",
        )
    if any(context.encounter.facility.hfr_id != hip_id for context in care_contexts):
        raise BadGatewayMessage(
            _("The consent names care contexts of another health facility."),
            field=f"{prefix}.hip.id",
        )
    consent_manager = detail.get("consentManager")
    return {
        "patient": next(iter(patients)),
        "care_contexts": care_contexts,
        "hi_types": list(dict.fromkeys(hi_types)),
        "purpose": purpose,
        "date_from": date_from,
        "date_to": date_to,
        "expires_at": expires_at,
        "hip_id": hip_id,
        "consent_manager_id": str(consent_manager.get("id", ""))[:64]
        if isinstance(consent_manager, dict)
        else "",
    }


def consent_notification_accept(
    *, payload: dict[str, Any], request: HttpRequest | None = None
) -> dict[str, Any]:
    """Take a consent manager's notification (/v0.5/consents/hip/notify). A grant stores the
    artefact; a revocation, expiry or denial takes effect at once (no request is answered from
    it afterwards, and a transfer not yet sent is stopped). A replay changes nothing."""
    request_id = _identifier(payload, "requestId")
    notification = _field(payload, "notification", dict)
    status = _field(notification, "status")
    if status not in ConsentStatus.values:
        raise BadGatewayMessage(
            _("%(field)s is not valid."),
            field="notification.status",
            params={"field": "notification.status"},
        )
    if "consentId" in notification:
        artefact_id = _identifier(notification, "consentId")
    else:
        artefact_id = _identifier(notification, "consentDetail.consentId")
    granted = _granted_fields(notification) if status == ConsentStatus.GRANTED else None
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                ConsentNotification.objects.create(
                    request_id=request_id, artefact_id=artefact_id, status=status
                )
            replay = False
        except IntegrityError:
            replay = True
        if not replay and granted is not None:
            care_contexts = granted.pop("care_contexts")
            try:
                with transaction.atomic():
                    artefact = ConsentArtefact.objects.create(
                        artefact_id=artefact_id, status=status, **granted
                    )
                    artefact.care_contexts.set(care_contexts)
            except IntegrityError:
                pass  # known already (granted before, or revoked first): it stays as it is
        elif not replay:
            changed = ConsentArtefact.objects.filter(
                artefact_id=artefact_id, status=ConsentStatus.GRANTED
            ).update(status=status, status_changed_at=now)
            if not changed:
                try:
                    with transaction.atomic():
                        # Heard of only now: kept so that a late grant cannot revive it.
                        ConsentArtefact.objects.create(artefact_id=artefact_id, status=status)
                except IntegrityError:
                    pass  # revoked, expired or denied already: final
    acknowledgement = {"status": "OK", "consentId": artefact_id}
    # A replay means the gateway missed our answer: answer again (nothing else happens).
    hip_gateway().consents_on_notify(
        body=gateway_envelope(body={"acknowledgement": acknowledgement}, in_reply_to=request_id),
        in_reply_to=request_id,
    )
    return {"acknowledgement": acknowledgement, "replay": replay}


# --- health-information requests --------------------------------------------------------


def _refusal(
    artefact: ConsentArtefact, *, date_from: datetime, date_to: datetime, key_expiry: datetime
) -> str:
    """Why a request against this artefact must be refused ("" when it may be answered)."""
    now = timezone.now()
    if artefact.status != ConsentStatus.GRANTED:
        return str(
            _("The consent is %(status)s.")
            % {"status": str(ConsentStatus(artefact.status).label).lower()}
        )
    if artefact.expires_at is None or artefact.expires_at <= now:
        return str(_("The consent has expired."))
    if key_expiry <= now:
        return str(_("The requester's key has expired."))
    assert artefact.date_from is not None and artefact.date_to is not None
    if date_from < artefact.date_from or date_to > artefact.date_to or date_from > date_to:
        return str(_("The requested dates are outside the dates the consent allows."))
    return ""


def _data_push_url(payload: Any) -> str:
    url = _field(payload, "hiRequest.dataPushUrl")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise BadGatewayMessage(
            _("%(field)s is not valid."),
            field="hiRequest.dataPushUrl",
            params={"field": "hiRequest.dataPushUrl"},
        )
    return str(url)


def _key_material(payload: Any) -> tuple[str, str, datetime]:
    base = "hiRequest.keyMaterial"
    if (
        _field(payload, f"{base}.cryptoAlg") != crypto.CRYPTO_ALG
        or _field(payload, f"{base}.curve") != crypto.CURVE
    ):
        raise BadGatewayMessage(_("Only ECDH on Curve25519 is supported."), field=base)
    key_value = _field(payload, f"{base}.dhPublicKey.keyValue")
    nonce = _field(payload, f"{base}.nonce")
    try:
        crypto.shared_secret(X25519PrivateKey.generate(), crypto.peer_key_read(key_value))
        if len(crypto._b64decode(nonce)) != crypto.NONCE_BYTES:
            raise crypto.KeyFormatError("nonce")
    except crypto.KeyFormatError as error:
        raise BadGatewayMessage(_("The key material cannot be read."), field=base) from error
    return key_value, nonce, _moment(payload, f"{base}.dhPublicKey.expiry")


def _on_request(*, transaction_id: str, in_reply_to: str, error: str = "") -> None:
    body: dict[str, Any] = (
        {"error": {"code": 1000, "message": error}}
        if error
        else {"hiRequest": {"transactionId": transaction_id, "sessionStatus": "ACKNOWLEDGED"}}
    )
    hip_gateway().health_information_on_request(
        body=gateway_envelope(body=body, in_reply_to=in_reply_to), in_reply_to=in_reply_to
    )


def _answer(hi_request: HealthInformationRequest) -> dict[str, Any]:
    if hi_request.refused:
        raise ConsentNotUsable(hi_request.error)
    return {
        "hiRequest": {"transactionId": hi_request.transaction_id, "sessionStatus": "ACKNOWLEDGED"}
    }


def health_information_request_handle(
    *, payload: dict[str, Any], request: HttpRequest | None = None
) -> dict[str, Any]:
    """Answer /v0.5/health-information/hip/request: acknowledge, and transfer in the background
    (a Celery task) the records the consent covers. A refused request is recorded, answered
    with the reason, and sends nothing; a replay is answered as the first time."""
    from hims.abdm.tasks import transfer_health_information

    request_id = _identifier(payload, "requestId")
    transaction_id = _identifier(payload, "transactionId")
    artefact_id = _identifier(payload, "hiRequest.consent.id")
    date_from = _moment(payload, "hiRequest.dateRange.from")
    date_to = _moment(payload, "hiRequest.dateRange.to")
    data_push_url = _data_push_url(payload)
    key_value, nonce, key_expiry = _key_material(payload)

    existing = HealthInformationRequest.objects.filter(transaction_id=transaction_id).first()
    if existing is None:
        existing = HealthInformationRequest.objects.filter(request_id=request_id).first()
    if existing is not None:
        return _answer(existing)
    artefact = ConsentArtefact.objects.filter(artefact_id=artefact_id).first()
    if artefact is None:
        _on_request(
            transaction_id=transaction_id, in_reply_to=request_id, error="Consent not found"
        )
        raise ConsentNotUsable(
            _("This provider has no consent with that id."), field="hiRequest.consent.id"
        )
    refusal = _refusal(artefact, date_from=date_from, date_to=date_to, key_expiry=key_expiry)
    now = timezone.now()
    try:
        with transaction.atomic():
            hi_request = HealthInformationRequest.objects.create(
                transaction_id=transaction_id,
                request_id=request_id,
                artefact=artefact,
                date_from=date_from,
                date_to=date_to,
                data_push_url=data_push_url,
                requester_public_key=key_value,
                requester_nonce=nonce,
                requester_key_expiry=key_expiry,
                status=TransferStatus.FAILED if refusal else TransferStatus.REQUESTED,
                refused=bool(refusal),
                error=refusal[:500],
                finished_at=now if refusal else None,
                received_at=now,
                client_ip=client_ip(request),
                request_path=request.path_info[:200] if request is not None else "",
            )
            if not refusal:
                pk = hi_request.pk
                transaction.on_commit(lambda: transfer_health_information.delay(pk))
    except IntegrityError:  # the same request, racing: the first one answers for both
        existing = HealthInformationRequest.objects.get(transaction_id=transaction_id)
        return _answer(existing)
    _on_request(transaction_id=transaction_id, in_reply_to=request_id, error=refusal)
    return _answer(hi_request)


# --- the transfer (runs in a Celery task) ----------------------------------------------


def _origin(hi_request: HealthInformationRequest) -> HttpRequest:
    """The gateway's request as the access log sees it (path and address), for a task that
    runs after the request has been answered."""
    origin = HttpRequest()
    origin.path = origin.path_info = hi_request.request_path or "/abdm/hip/"
    if hi_request.client_ip:
        origin.META["REMOTE_ADDR"] = hi_request.client_ip
    return origin


def _push(url: str, body: dict[str, Any]) -> None:
    """POST the data to the requester; raises OSError (URLError, timeout) on failure."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    outgoing = urllib.request.Request(  # noqa: S310 (scheme checked: http or https only)
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    timeout = float(getattr(settings, "HIMS_ABDM_PUSH_TIMEOUT", 10))
    with urllib.request.urlopen(outgoing, timeout=timeout) as answer:  # noqa: S310
        if not 200 <= answer.status < 300:
            raise OSError(f"the requester answered {answer.status}")


def _notify(
    hi_request: HealthInformationRequest, statuses: list[dict[str, Any]], *, transferred: bool
) -> None:
    artefact = hi_request.artefact
    hip_gateway().health_information_notify(
        body=gateway_envelope(
            body={
                "notification": {
                    "consentId": artefact.artefact_id,
                    "transactionId": hi_request.transaction_id,
                    "doneAt": timezone.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
                    + "Z",
                    "notifier": {"type": "HIP", "id": artefact.hip_id},
                    "statusNotification": {
                        "sessionStatus": "TRANSFERRED" if transferred else "FAILED",
                        "hipId": artefact.hip_id,
                        "statusResponses": statuses,
                    },
                }
            }
        )
    )


def _finish(
    hi_request: HealthInformationRequest, *, status: str, error: str = "", **counts: int
) -> None:
    hi_request.status = status
    hi_request.error = error[:500]
    hi_request.finished_at = timezone.now()
    for name, value in counts.items():
        setattr(hi_request, name, value)
    hi_request.save(update_fields=["status", "error", "finished_at", *counts])


def health_information_transfer(*, hi_request_id: int) -> HealthInformationRequest:
    """Build, encrypt and push the records of an acknowledged request, then tell the gateway.
    Runs once: a redelivered task finds the request finished and does nothing. The consent is
    checked again first, so a revocation that came in meanwhile stops the transfer."""
    with transaction.atomic():
        hi_request = (
            HealthInformationRequest.objects.select_for_update()
            .select_related("artefact")
            .get(pk=hi_request_id)
        )
        if hi_request.status != TransferStatus.REQUESTED:
            return hi_request
        artefact = hi_request.artefact
        refusal = _refusal(
            artefact,
            date_from=hi_request.date_from,
            date_to=hi_request.date_to,
            key_expiry=hi_request.requester_key_expiry,
        )
        if refusal:
            _finish(hi_request, status=TransferStatus.FAILED, error=refusal)
            _notify(hi_request, [], transferred=False)
            return hi_request
        care_contexts = list(
            artefact.care_contexts.filter(
                encounter__started_at__gte=hi_request.date_from,
                encounter__started_at__lte=hi_request.date_to,
            )
            .select_related("encounter__facility")
            .order_by("encounter__started_at", "pk")
        )
        sender = crypto.SenderKeys.generate()
        peer = crypto.peer_key_read(hi_request.requester_public_key)
        entries: list[dict[str, Any]] = []
        sent: list[tuple[CareContext, str, list[tuple[str, str]]]] = []
        for care_context in care_contexts:
            for hi_type, bundle in documents_for_encounter(
                care_context.encounter, hi_types=artefact.hi_types
            ):
                plaintext = json.dumps(bundle, ensure_ascii=False).encode("utf-8")
                entries.append(
                    {
                        "content": crypto.encrypt(
                            plaintext,
                            sender=sender,
                            requester_key=peer,
                            requester_nonce=hi_request.requester_nonce,
                        ),
                        "media": MEDIA_TYPE,
                        "checksum": crypto.checksum(plaintext),
                        "careContextReference": care_context.reference,
                    }
                )
                sent.append(
                    (care_context, hi_type, _exported(hi_type, care_context.encounter, bundle))
                )
        body = {
            "pageNumber": 1,
            "pageCount": 1,
            "transactionId": hi_request.transaction_id,
            "entries": entries,
            "keyMaterial": {
                "cryptoAlg": crypto.CRYPTO_ALG,
                "curve": crypto.CURVE,
                "dhPublicKey": {
                    "expiry": (timezone.now() + timedelta(minutes=KEY_MATERIAL_MINUTES))
                    .astimezone(UTC)
                    .strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
                    + "Z",
                    "parameters": crypto.KEY_PARAMETERS,
                    "keyValue": sender.public_key_value(fidelius=peer.fidelius),
                },
                "nonce": sender.nonce,
            },
        }
        try:
            _push(hi_request.data_push_url, body)
        except (OSError, ValueError) as error:
            logger.warning("abdm push failed for %s: %s", hi_request.transaction_id, error)
            _finish(
                hi_request,
                status=TransferStatus.FAILED,
                error=f"push failed: {error}",
                care_context_count=len(care_contexts),
                record_count=0,
            )
            statuses = [
                {
                    "careContextReference": c.reference,
                    "hiStatus": "ERRORED",
                    "description": "push failed",
                }
                for c in care_contexts
            ]
            _notify(hi_request, statuses, transferred=False)
            return hi_request
        origin = _origin(hi_request)
        for care_context, hi_type, records in sent:
            encounter = care_context.encounter
            for resource_type, resource_id in records:
                access_record(
                    actor=None,
                    action=AccessAction.EXPORT,
                    resource_type=resource_type,
                    resource_id=resource_id,
                    patient_id=care_context.patient_id,
                    facility=encounter.facility,
                    basis=AccessBasis.CONSENT,
                    purpose=artefact.purpose,
                    reason=f"ABDM {hi_type}, consent {artefact.artefact_id}, transaction {hi_request.transaction_id}",
                    request=origin,
                )
        _finish(
            hi_request,
            status=TransferStatus.TRANSFERRED,
            care_context_count=len(care_contexts),
            record_count=len(entries),
        )
        _notify(
            hi_request,
            [
                {
                    "careContextReference": c.reference,
                    "hiStatus": "DELIVERED",
                    "description": "delivered",
                }
                for c in care_contexts
            ],
            transferred=True,
        )
    return hi_request
