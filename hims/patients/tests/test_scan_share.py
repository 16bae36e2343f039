"""Scan and Share intake, posted as the ABDM gateway would (the gateway itself is not reachable
from here: these are contract tests of our side of the published v3 shapes)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from hims.patients.abdm import abdm_outbox_read
from hims.patients.models import Patient, ScanShareRequest, ScanShareToken
from hims.patients.tests.factories import abha, make_patient

URL = "/abdm/v3/hip/patient/profile/share"
ABHA = abha("9154872361")


def _payload(**patient):  # type: ignore[no-untyped-def]
    profile = {
        "abhaNumber": f"{ABHA[:2]}-{ABHA[2:6]}-{ABHA[6:10]}-{ABHA[10:]}",
        "abhaAddress": "sunita.devi@sbx",
        "name": "Sunita Devi",
        "gender": "F",
        "dayOfBirth": 12,
        "monthOfBirth": 3,
        "yearOfBirth": 1985,
        "address": {
            "line": "12 Gali Batashan, Chandni Chowk",
            "district": "Central Delhi",
            "state": "DELHI",
            "pincode": "110006",
        },
        "phoneNumber": "9811100002",
    }
    profile.update(patient)
    return {
        "intent": "PROFILE_SHARE",
        "metaData": {
            "hipId": "IN0700000001",
            "context": "counter-1",
            "hprId": "71-0000-0000-0001",
            "latitude": 28.6,
            "longitude": 77.2,
        },
        "profile": {"patient": profile},
    }


@pytest.fixture
def hip(facility):  # type: ignore[no-untyped-def]
    facility.hfr_id = "IN0700000001"
    facility.save()
    return facility


def _share(client, payload, request_id=None, token="local-abdm-gateway", **headers):  # type: ignore[no-untyped-def]
    return client.post(
        URL,
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_REQUEST_ID=request_id or str(uuid.uuid4()),
        HTTP_X_HIP_ID=payload["metaData"]["hipId"],
        HTTP_X_CM_ID="sbx",
        **headers,
    )


def test_a_new_profile_registers_the_patient_and_gets_token_one(
    client, hip, django_capture_on_commit_callbacks, abdm_outbox
):
    request_id = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        response = _share(client, _payload(), request_id)
    assert response.status_code == 200
    body = response.json()
    assert body["acknowledgement"]["status"] == "SUCCESS"
    assert body["acknowledgement"]["profile"]["tokenNumber"] == "1"
    assert body["acknowledgement"]["profile"]["context"] == "counter-1"
    assert 1790 <= int(body["acknowledgement"]["profile"]["expiry"]) <= 1800
    assert body["response"] == {"requestId": request_id}
    patient = Patient.objects.get()
    assert (
        patient.abha_number,
        patient.gender,
        patient.district,
        patient.registration_channel,
    ) == (ABHA, "female", "central", "scan_share")
    [call] = abdm_outbox_read(path=abdm_outbox)
    assert call["path"] == "/api/hiecm/patient-share/v3/on-share" and call["body"] == body


def test_a_rescan_while_the_token_is_valid_returns_the_same_token(client, hip):
    first = _share(client, _payload()).json()
    again = _share(client, _payload()).json()
    assert (
        again["acknowledgement"]["profile"]["tokenNumber"]
        == first["acknowledgement"]["profile"]["tokenNumber"]
    )
    assert Patient.objects.count() == 1 and ScanShareToken.objects.count() == 1
    assert ScanShareRequest.objects.count() == 2


def test_a_retried_request_is_answered_again_and_not_handled_twice(client, hip):
    request_id = str(uuid.uuid4())
    first = _share(client, _payload(), request_id).json()
    second = _share(client, _payload(), request_id).json()
    assert (
        first["acknowledgement"]["profile"]["tokenNumber"]
        == second["acknowledgement"]["profile"]["tokenNumber"]
    )
    assert ScanShareRequest.objects.count() == 1


def test_the_next_person_gets_the_next_token(client, hip):
    _share(client, _payload())
    other = _share(
        client,
        _payload(
            abhaNumber=abha("9188"),
            name="Ravi Verma",
            gender="M",
            phoneNumber="9811100077",
            abhaAddress="ravi.v@sbx",
        ),
    ).json()
    assert other["acknowledgement"]["profile"]["tokenNumber"] == "2"


def test_after_expiry_a_new_token_is_issued(client, hip):
    _share(client, _payload())
    ScanShareToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    again = _share(client, _payload()).json()
    assert again["acknowledgement"]["profile"]["tokenNumber"] == "2"
    assert Patient.objects.count() == 1


def test_an_existing_patient_is_matched_by_abha(client, hip):
    existing = make_patient(
        name="Sunita Devi", gender="female", abha_number=ABHA, mobile="9811100002"
    )
    _share(client, _payload())
    assert list(Patient.objects.all()) == [existing]
    assert ScanShareToken.objects.get().patient == existing


def test_a_record_without_abha_is_matched_by_mobile_name_and_year_and_gets_the_abha(client, hip):
    from datetime import date

    existing = make_patient(
        name="Suneeta Devi",
        gender="female",
        abha_number=None,
        mobile="9811100002",
        birth_date=date(1985, 3, 12),
    )
    _share(client, _payload())
    existing.refresh_from_db()
    assert Patient.objects.count() == 1 and existing.abha_number == ABHA


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"abhaNumber": "91-5487-2361-7079"}, 422),
        ({"phoneNumber": "12345"}, 422),
        ({"gender": "X"}, 422),
    ],
)
def test_a_bad_profile_gets_a_clear_error_and_nothing_is_written(client, hip, change, status):
    response = _share(client, _payload(**change))
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert not Patient.objects.exists() and not ScanShareToken.objects.exists()


def test_only_the_gateway_may_post(client, hip):
    assert _share(client, _payload(), token="wrong").status_code == 403
    assert not Patient.objects.exists()


def test_an_unknown_facility_is_404(client, hip):
    payload = _payload()
    payload["metaData"]["hipId"] = "IN0799999999"
    assert _share(client, payload).status_code == 404


def test_malformed_json_and_wrong_method_are_refused(client, hip):
    response = client.post(
        URL,
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer local-abdm-gateway",
        HTTP_REQUEST_ID="r1",
    )
    assert response.status_code == 422
    assert client.get(URL).status_code == 405


def test_the_clerk_sees_the_shared_profile_at_the_counter(client, hip, clerk):
    _share(client, _payload())
    client.force_login(clerk)
    page = client.get("/patients/scan-share/?counter=counter-1").content.decode()
    assert "Sunita Devi" in page and "XX-XXXX-XXXX-" + ABHA[-4:] in page
    from hims.core.models import AccessEvent

    assert AccessEvent.objects.filter(
        actor=clerk, action="search", patient_id=Patient.objects.get().pk
    ).exists()
