from __future__ import annotations

import base64
import json
import os
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.utils import timezone

from hims.abdm.tests.factories import closed_visit
from hims.lib.identifiers import luhn_check_digit

TOKEN = "test-gateway-token"


@pytest.fixture(autouse=True)
def code_lists(clinical_lists: None, settings) -> None:  # type: ignore[no-untyped-def]
    settings.HIMS_ABDM_GATEWAY_TOKEN = TOKEN
    settings.HIMS_ABDM_PUSH_TIMEOUT = 5


@pytest.fixture
def patient(db):  # type: ignore[no-untyped-def]
    from hims.patients.tests.factories import make_patient

    return make_patient(
        mobile="9811100001",
        abha_number=f"9134567890123{luhn_check_digit('9134567890123')}",
        abha_address="ramesh.kumar@sbx",
    )


@pytest.fixture
def visit(department, doctor, patient):  # type: ignore[no-untyped-def]
    return closed_visit(department=department, doctor=doctor, patient=patient)


@pytest.fixture
def care_context(visit):  # type: ignore[no-untyped-def]
    from hims.abdm.services import care_context_link

    return care_context_link(encounter=visit)


def consent_payload(
    care_context,  # type: ignore[no-untyped-def]
    *,
    status: str = "GRANTED",
    consent_id: str | None = None,
    request_id: str | None = None,
    days_back: int = 30,
    erase_in_days: int = 7,
    hi_types: list[str] | None = None,
) -> dict[str, Any]:
    now = timezone.now()
    consent_id = consent_id or str(uuid.uuid4())
    notification: dict[str, Any] = {"status": status, "consentId": consent_id}
    if status == "GRANTED":
        notification["consentDetail"] = {
            "schemaVersion": "v0.5",
            "consentId": consent_id,
            "createdAt": now.isoformat(),
            "patient": {"id": "ramesh.kumar@sbx"},
            "careContexts": [
                {
                    "patientReference": care_context.patient.uhid,
                    "careContextReference": care_context.reference,
                }
            ],
            "purpose": {"text": "Care Management", "code": "CAREMGT", "refUri": ""},
            "hip": {"id": care_context.encounter.facility.hfr_id, "name": "Lok Nayak Hospital"},
            "consentManager": {"id": "sbx"},
            "hiTypes": hi_types or ["OPConsultation", "Prescription"],
            "permission": {
                "accessMode": "VIEW",
                "dateRange": {
                    "from": (now - timedelta(days=days_back)).isoformat(),
                    "to": (now + timedelta(days=1)).isoformat(),
                },
                "dataEraseAt": (now + timedelta(days=erase_in_days)).isoformat(),
                "frequency": {"unit": "HOUR", "value": 1, "repeats": 0},
            },
        }
        notification["signature"] = "not-verified-locally"
    return {
        "requestId": request_id or str(uuid.uuid4()),
        "timestamp": now.isoformat(),
        "notification": notification,
    }


class Requester:
    """The health-information user's side: its key pair, nonce and dataPushUrl."""

    def __init__(self, url: str, *, fidelius: bool = False) -> None:
        from hims.abdm.crypto import SenderKeys

        self.keys = SenderKeys(
            private_key=X25519PrivateKey.generate(),
            nonce=base64.b64encode(os.urandom(32)).decode(),
        )
        self.url = url
        self.fidelius = fidelius

    def request_payload(
        self,
        consent_id: str,
        *,
        transaction_id: str | None = None,
        request_id: str | None = None,
        days_back: int = 10,
    ) -> dict[str, Any]:
        now = timezone.now()
        return {
            "requestId": request_id or str(uuid.uuid4()),
            "timestamp": now.isoformat(),
            "transactionId": transaction_id or str(uuid.uuid4()),
            "hiRequest": {
                "consent": {"id": consent_id},
                "dateRange": {
                    "from": (now - timedelta(days=days_back)).isoformat(),
                    "to": now.isoformat(),
                },
                "dataPushUrl": self.url,
                "keyMaterial": {
                    "cryptoAlg": "ECDH",
                    "curve": "Curve25519",
                    "dhPublicKey": {
                        "expiry": (now + timedelta(hours=1)).isoformat(),
                        "parameters": "Curve25519/32byte random key",
                        "keyValue": self.keys.public_key_value(fidelius=self.fidelius),
                    },
                    "nonce": self.keys.nonce,
                },
            },
        }

    def decrypt(self, pushed: dict[str, Any]) -> list[dict[str, Any]]:
        from hims.abdm.crypto import decrypt

        material = pushed["keyMaterial"]
        return [
            json.loads(
                decrypt(
                    entry["content"],
                    requester_private_key=self.keys.private_key,
                    sender_key_value=material["dhPublicKey"]["keyValue"],
                    sender_nonce=material["nonce"],
                    requester_nonce=self.keys.nonce,
                )
            )
            for entry in pushed["entries"]
        ]


class PushServer:
    """A real HTTP server on 127.0.0.1 (random port) standing in for the requester's
    dataPushUrl; keeps every body posted to it."""

    def __init__(self, status: int = 202) -> None:
        self.received: list[dict[str, Any]] = []
        received, answer = self.received, status

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(answer)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = (
            f"http://127.0.0.1:{self.server.server_address[1]}/v0.5/health-information/transfer"
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def push_server() -> Iterator[PushServer]:
    server = PushServer()
    yield server
    server.close()


@pytest.fixture
def failing_push_server() -> Iterator[PushServer]:
    server = PushServer(status=500)
    yield server
    server.close()


@pytest.fixture
def gateway_headers() -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}", "content_type": "application/json"}
