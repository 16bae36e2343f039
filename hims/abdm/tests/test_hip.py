"""The HIP side of ABDM. The national gateway cannot be reached from here: these tests check
what the local gateway adapter *records* (the outbox), never a call to the real gateway. The
data push is real HTTP to a local server standing in for the requester."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from hims.abdm.choices import ConsentStatus, TransferStatus
from hims.abdm.models import (
    CareContext,
    ConsentArtefact,
    ConsentNotification,
    HealthInformationRequest,
)
from hims.abdm.services import (
    BadGatewayMessage,
    care_context_link,
    consent_notification_accept,
)
from hims.abdm.tests.conftest import Requester, consent_payload
from hims.abdm.tests.factories import COMPLAINT_HI, open_visit
from hims.core.models import AccessEvent
from hims.patients.abdm import abdm_outbox_read
from hims.records.documents import DocumentNotReady

# Slots "in 30 minutes" must fall today, whatever the hour the suite runs (hims/conftest.py).
pytestmark = pytest.mark.usefixtures("daytime")

NOTIFY = reverse("abdm-hip:consent-notify")
REQUEST = reverse("abdm-hip:health-information-request")


def _post(client, url: str, body: Any, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(url, data=json.dumps(body), **headers)


def _paths() -> list[str]:
    return [line["path"] for line in abdm_outbox_read()]


# --- care-context linking ------------------------------------------------------------------


def test_link_records_the_add_contexts_call_in_the_published_shape(care_context, visit) -> None:  # type: ignore[no-untyped-def]
    assert care_context.reference == f"hims-opd-{visit.pk}"
    assert _paths() == ["/v0.5/users/auth/init", "/v0.5/links/link/add-contexts"]
    body = abdm_outbox_read()[-1]["body"]
    assert set(body) == {"requestId", "timestamp", "link"}
    assert body["timestamp"].endswith("Z")
    patient = body["link"]["patient"]
    assert patient["referenceNumber"] == visit.patient.uhid
    assert patient["careContexts"] == [
        {"referenceNumber": care_context.reference, "display": care_context.display}
    ]
    # the local adapter's linking token says plainly it was not issued by the gateway
    assert body["link"]["accessToken"].startswith("local-unissued-")


def test_linking_twice_links_once(care_context, visit) -> None:  # type: ignore[no-untyped-def]
    assert care_context_link(encounter=visit) == care_context
    assert CareContext.objects.count() == 1
    assert _paths().count("/v0.5/links/link/add-contexts") == 1


def test_link_needs_a_closed_visit_and_an_abha_number(department, doctor, patient) -> None:  # type: ignore[no-untyped-def]
    from hims.core.errors import ValidationFailed
    from hims.patients.tests.factories import make_patient

    with pytest.raises(DocumentNotReady):
        care_context_link(
            encounter=open_visit(department=department, doctor=doctor, patient=patient)
        )
    from hims.abdm.tests.factories import closed_visit

    without = make_patient(mobile="9811100002", name="Sunita Devi")
    visit = closed_visit(department=department, doctor=doctor, patient=without, prescribe=False)
    with pytest.raises(ValidationFailed):
        care_context_link(encounter=visit)
    assert not CareContext.objects.exists() and _paths() == []


# --- consent notifications ---------------------------------------------------------------


def test_a_grant_is_stored_and_acknowledged(client, care_context, gateway_headers) -> None:  # type: ignore[no-untyped-def]
    payload = consent_payload(care_context)
    response = _post(client, NOTIFY, payload, gateway_headers)
    assert response.status_code == 202
    consent_id = payload["notification"]["consentId"]
    artefact = ConsentArtefact.objects.get(artefact_id=consent_id)
    assert artefact.status == ConsentStatus.GRANTED
    assert artefact.patient == care_context.patient and artefact.purpose == "CAREMGT"
    assert list(artefact.care_contexts.all()) == [care_context]
    line = abdm_outbox_read()[-1]
    assert line["path"] == "/v0.5/consents/hip/on-notify"
    assert line["body"]["acknowledgement"] == {"status": "OK", "consentId": consent_id}
    assert line["body"]["resp"] == {"requestId": payload["requestId"]}


def test_a_replayed_notification_changes_nothing(care_context) -> None:  # type: ignore[no-untyped-def]
    payload = consent_payload(care_context)
    consent_notification_accept(payload=payload)
    before = list(ConsentArtefact.objects.values())
    assert consent_notification_accept(payload=payload)["replay"] is True
    # the same grant under a new request id changes nothing either
    consent_notification_accept(payload={**payload, "requestId": "another"})
    assert list(ConsentArtefact.objects.values()) == before
    assert ConsentNotification.objects.count() == 2


def test_revocation_is_final_and_a_late_grant_does_not_revive_it(care_context) -> None:  # type: ignore[no-untyped-def]
    grant = consent_payload(care_context)
    consent_id = grant["notification"]["consentId"]
    consent_notification_accept(
        payload=consent_payload(care_context, status="REVOKED", consent_id=consent_id)
    )
    consent_notification_accept(payload=grant)  # arrives after the revocation
    assert ConsentArtefact.objects.get(artefact_id=consent_id).status == ConsentStatus.REVOKED
    consent_notification_accept(
        payload=consent_payload(care_context, status="EXPIRED", consent_id=consent_id)
    )
    assert ConsentArtefact.objects.get(artefact_id=consent_id).status == ConsentStatus.REVOKED


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.pop("requestId"), "requestId"),
        (lambda p: p["notification"].update(status="MAYBE"), "notification.status"),
        (
            lambda p: p["notification"]["consentDetail"].update(hiTypes=["Xray"]),
            "notification.consentDetail.hiTypes",
        ),
        (
            lambda p: p["notification"]["consentDetail"]["permission"].update(dataEraseAt="soon"),
            "permission.dataEraseAt",
        ),
        (
            lambda p: p["notification"]["consentDetail"]["careContexts"][0].update(
                careContextReference="nope"
            ),
            "notification.consentDetail.careContexts",
        ),
        (
            lambda p: p["notification"]["consentDetail"]["hip"].update(id="IN0799999999"),
            "notification.consentDetail.hip.id",
        ),
    ],
)
def test_a_notification_not_in_the_abdm_shape_is_refused(care_context, change, field) -> None:  # type: ignore[no-untyped-def]
    payload = consent_payload(care_context)
    change(payload)
    with pytest.raises(BadGatewayMessage) as refused:
        consent_notification_accept(payload=payload)
    assert refused.value.field == field
    assert not ConsentArtefact.objects.exists() and not ConsentNotification.objects.exists()


# --- the endpoints --------------------------------------------------------------------------


@pytest.mark.parametrize("url", [NOTIFY, REQUEST])
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic test-gateway-token"])
def test_without_the_gateway_token_it_is_401(client, url, authorization, care_context) -> None:  # type: ignore[no-untyped-def]
    headers = {"content_type": "application/json"}
    if authorization:
        headers["HTTP_AUTHORIZATION"] = authorization
    response = _post(client, url, consent_payload(care_context), headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "unauthenticated"
    assert not ConsentNotification.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', ""])
@pytest.mark.parametrize("url", [NOTIFY, REQUEST])
def test_malformed_json_is_400(client, gateway_headers, url, body) -> None:  # type: ignore[no-untyped-def]
    response = client.post(url, data=body, **gateway_headers)
    assert response.status_code == 400
    assert response.json()["title"] == "bad_request"


def test_a_bad_request_shape_is_400_naming_the_field(client, gateway_headers, care_context) -> None:  # type: ignore[no-untyped-def]
    payload = Requester("http://127.0.0.1:9/").request_payload("x")
    payload["hiRequest"]["keyMaterial"]["dhPublicKey"]["keyValue"] = "bm90IGEga2V5"
    response = _post(client, REQUEST, payload, gateway_headers)
    assert response.status_code == 400
    assert response.json()["field"] == "hiRequest.keyMaterial"
    payload["hiRequest"]["dataPushUrl"] = "file:///etc/passwd"
    assert (
        _post(client, REQUEST, payload, gateway_headers).json()["field"] == "hiRequest.dataPushUrl"
    )
    assert not HealthInformationRequest.objects.exists()


def test_get_is_not_allowed(client, gateway_headers) -> None:  # type: ignore[no-untyped-def]
    assert client.get(NOTIFY).status_code == 405


# --- health-information request, end to end -------------------------------------------------


def _granted(client, care_context, headers, **kwargs) -> str:  # type: ignore[no-untyped-def]
    payload = consent_payload(care_context, **kwargs)
    assert _post(client, NOTIFY, payload, headers).status_code == 202
    return str(payload["notification"]["consentId"])


@pytest.mark.parametrize("fidelius", [False, True])
def test_end_to_end_the_requester_decrypts_valid_nrces_bundles(  # type: ignore[no-untyped-def]
    client, care_context, gateway_headers, push_server, django_capture_on_commit_callbacks, fidelius
) -> None:
    consent_id = _granted(client, care_context, gateway_headers)
    requester = Requester(push_server.url, fidelius=fidelius)
    payload = requester.request_payload(consent_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, REQUEST, payload, gateway_headers)
    assert response.status_code == 202
    assert response.json()["hiRequest"] == {
        "transactionId": payload["transactionId"],
        "sessionStatus": "ACKNOWLEDGED",
    }
    (pushed,) = push_server.received
    assert pushed["transactionId"] == payload["transactionId"]
    assert pushed["keyMaterial"]["cryptoAlg"] == "ECDH"
    assert pushed["keyMaterial"]["curve"] == "Curve25519"
    assert pushed["keyMaterial"]["dhPublicKey"]["parameters"] == "Curve25519/32byte random key"
    assert {e["careContextReference"] for e in pushed["entries"]} == {care_context.reference}
    assert all(e["media"] == "application/fhir+json" for e in pushed["entries"])
    bundles = requester.decrypt(pushed)
    for bundle in bundles:
        assert Bundle.model_validate(bundle).type == "document"
    types = [b["entry"][0]["resource"]["type"]["coding"][0]["code"] for b in bundles]
    assert types == ["371530004", "440545006"]
    assert COMPLAINT_HI in json.dumps(bundles[0], ensure_ascii=False)

    hi_request = HealthInformationRequest.objects.get()
    assert hi_request.status == TransferStatus.TRANSFERRED
    assert (hi_request.care_context_count, hi_request.record_count) == (1, 2)
    on_request, notify = [
        line for line in abdm_outbox_read() if "health-information" in line["path"]
    ]
    assert on_request["path"] == "/v0.5/health-information/hip/on-request"
    assert on_request["body"]["resp"] == {"requestId": payload["requestId"]}
    assert notify["path"] == "/v0.5/health-information/notify"
    status = notify["body"]["notification"]["statusNotification"]
    assert status["sessionStatus"] == "TRANSFERRED"
    assert status["statusResponses"][0]["hiStatus"] == "DELIVERED"

    logged = AccessEvent.objects.filter(basis="consent")
    assert logged.count() == 2  # one per record sent
    assert {e.resource_type for e in logged} == {"Encounter", "MedicationRequest"}
    for event in logged:
        assert event.action == "export" and event.purpose == "CAREMGT"
        assert event.patient_id == care_context.patient_id
        assert event.channel == "web" and event.client_ip == "127.0.0.1"
        assert consent_id in event.reason


def test_a_replayed_request_pushes_once(  # type: ignore[no-untyped-def]
    client, care_context, gateway_headers, push_server, django_capture_on_commit_callbacks
) -> None:
    consent_id = _granted(client, care_context, gateway_headers)
    payload = Requester(push_server.url).request_payload(consent_id)
    for _attempt in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert _post(client, REQUEST, payload, gateway_headers).status_code == 202
    assert len(push_server.received) == 1
    assert HealthInformationRequest.objects.count() == 1
    assert AccessEvent.objects.filter(basis="consent").count() == 2


@pytest.mark.parametrize("status", ["REVOKED", "EXPIRED"])
def test_a_revoked_or_expired_consent_refuses_and_pushes_nothing(  # type: ignore[no-untyped-def]
    client, care_context, gateway_headers, push_server, django_capture_on_commit_callbacks, status
) -> None:
    consent_id = _granted(client, care_context, gateway_headers)
    ended = consent_payload(care_context, status=status, consent_id=consent_id)
    assert _post(client, NOTIFY, ended, gateway_headers).status_code == 202
    payload = Requester(push_server.url).request_payload(consent_id)
    for _attempt in range(2):  # refused, and refused again on a replay
        with django_capture_on_commit_callbacks(execute=True):
            response = _post(client, REQUEST, payload, gateway_headers)
        assert response.status_code == 409
        assert response.json()["title"] == "consent_not_usable"
    assert push_server.received == []
    assert HealthInformationRequest.objects.get().refused
    assert not AccessEvent.objects.filter(basis="consent").exists()
    on_request = next(line for line in abdm_outbox_read() if line["path"].endswith("/on-request"))
    assert "error" in on_request["body"]


def test_a_consent_past_its_erase_date_refuses(  # type: ignore[no-untyped-def]
    client, care_context, gateway_headers, push_server
) -> None:
    consent_id = _granted(client, care_context, gateway_headers, erase_in_days=-1)
    response = _post(
        client, REQUEST, Requester(push_server.url).request_payload(consent_id), gateway_headers
    )
    assert response.status_code == 409
    assert push_server.received == []


def test_a_revocation_before_the_push_stops_it(  # type: ignore[no-untyped-def]
    client, care_context, gateway_headers, push_server, django_capture_on_commit_callbacks
) -> None:
    from hims.abdm.services import health_information_transfer

    consent_id = _granted(client, care_context, gateway_headers)
    with django_capture_on_commit_callbacks(execute=False):  # the task has not run yet
        assert (
            _post(
                client,
                REQUEST,
                Requester(push_server.url).request_payload(consent_id),
                gateway_headers,
            ).status_code
            == 202
        )
    consent_notification_accept(
        payload=consent_payload(care_context, status="REVOKED", consent_id=consent_id)
    )
    hi_request = health_information_transfer(
        hi_request_id=HealthInformationRequest.objects.get().pk
    )
    assert hi_request.status == TransferStatus.FAILED and "revoked" in hi_request.error
    assert push_server.received == []


def test_unknown_consent_and_dates_outside_the_consent_are_refused(  # type: ignore[no-untyped-def]
    client, care_context, gateway_headers, push_server
) -> None:
    requester = Requester(push_server.url)
    assert (
        _post(
            client, REQUEST, requester.request_payload("no-such-consent"), gateway_headers
        ).status_code
        == 409
    )
    consent_id = _granted(client, care_context, gateway_headers, days_back=5)
    response = _post(
        client, REQUEST, requester.request_payload(consent_id, days_back=10), gateway_headers
    )
    assert response.status_code == 409
    assert push_server.received == []


def test_a_failed_push_is_recorded_and_reported(  # type: ignore[no-untyped-def]
    client, care_context, gateway_headers, failing_push_server, django_capture_on_commit_callbacks
) -> None:
    consent_id = _granted(client, care_context, gateway_headers)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client,
            REQUEST,
            Requester(failing_push_server.url).request_payload(consent_id),
            gateway_headers,
        )
    assert response.status_code == 202  # acknowledged; the transfer failed afterwards
    hi_request = HealthInformationRequest.objects.get()
    assert hi_request.status == TransferStatus.FAILED and "push failed" in hi_request.error
    assert len(failing_push_server.received) == 1
    assert not AccessEvent.objects.filter(basis="consent").exists()
    notify = abdm_outbox_read()[-1]
    assert notify["body"]["notification"]["statusNotification"]["sessionStatus"] == "FAILED"


def test_only_the_consented_record_types_are_sent(  # type: ignore[no-untyped-def]
    client, care_context, gateway_headers, push_server, django_capture_on_commit_callbacks
) -> None:
    consent_id = _granted(client, care_context, gateway_headers, hi_types=["Prescription"])
    requester = Requester(push_server.url)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, REQUEST, requester.request_payload(consent_id), gateway_headers)
    (bundle,) = requester.decrypt(push_server.received[0])
    assert bundle["entry"][0]["resource"]["type"]["coding"][0]["code"] == "440545006"


@pytest.fixture
def lab_care_context(department, doctor, patient):  # type: ignore[no-untyped-def]
    """A closed visit whose CBC the lab technician signed off, linked for ABDM."""
    from hims.abdm.services import care_context_link
    from hims.accounts.choices import Role
    from hims.clinical.lab import (
        lab_order_place,
        lab_report_sign,
        lab_results_enter,
        lab_sample_collect,
    )
    from hims.clinical.lab_catalogue import lab_catalogue_load
    from hims.clinical.models import LabPanel, LabParameter
    from hims.clinical.services import encounter_close, encounter_notes_save
    from hims.clinical.tests.conftest import CBC_NORMAL
    from hims.conftest import _staff

    lab_catalogue_load(LabPanel, LabParameter)
    technician = _staff("lena", Role.LAB_TECHNICIAN, department.facility)
    visit = open_visit(department=department, doctor=doctor, patient=patient)
    (cbc,) = lab_order_place(encounter=visit, actor=doctor, panel_codes=["CBC"])
    lab_sample_collect(order=cbc, actor=technician)
    lab_results_enter(order=cbc, actor=technician, values=CBC_NORMAL)
    lab_report_sign(order=cbc, actor=technician)
    encounter_notes_save(
        encounter=visit, actor=doctor, chief_complaint="Tiredness", examination="", advice=""
    )
    return care_context_link(encounter=encounter_close(encounter=visit, actor=doctor)), cbc


def test_a_consent_for_test_results_pushes_the_lab_report_bundle(  # type: ignore[no-untyped-def]
    client, lab_care_context, gateway_headers, push_server, django_capture_on_commit_callbacks
) -> None:
    care_context, cbc = lab_care_context
    consent_id = _granted(
        client, care_context, gateway_headers, hi_types=["OPConsultation", "DiagnosticReport"]
    )
    requester = Requester(push_server.url)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, REQUEST, requester.request_payload(consent_id), gateway_headers)
    bundles = requester.decrypt(push_server.received[0])
    for bundle in bundles:
        assert Bundle.model_validate(bundle).type == "document"
    types = [b["entry"][0]["resource"]["type"]["coding"][0]["code"] for b in bundles]
    assert types == ["371530004", "721981007"]
    lab = bundles[1]
    kinds = [e["resource"]["resourceType"] for e in lab["entry"]]
    assert kinds.count("DiagnosticReport") == 1 and kinds.count("Observation") == 14
    logged = AccessEvent.objects.filter(basis="consent", action="export")
    assert sorted(logged.values_list("resource_type", "resource_id")) == [
        ("DiagnosticReport", str(cbc.pk)),
        ("Encounter", str(care_context.encounter_id)),
    ]
