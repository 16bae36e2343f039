from __future__ import annotations

import json
import threading

import pytest
from django.db import connection

from hims.accounts.services import api_token_create
from hims.core.models import AccessEvent
from hims.patients.models import Patient
from hims.patients.tests.factories import abha, make_patient, registration


@pytest.fixture
def headers(clerk):  # type: ignore[no-untyped-def]
    _token, secret = api_token_create(user=clerk, name="counter")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _post(client, data, headers, **extra):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/patients",
        data=json.dumps(data),
        content_type="application/json",
        **headers,
        **extra,
    )


def test_register_then_read_and_search(client, headers):
    created = _post(client, registration(abha_number=abha("9170")), headers)
    assert created.status_code == 201
    uhid = created.json()["uhid"]
    assert created["Location"] == f"/api/v1/patients/{uhid}"
    assert created.json()["abha_masked"].startswith("XX-XXXX-XXXX-")
    assert "mobile" not in created.json() and created.json()["mobile_masked"] == "******0002"
    assert client.get(f"/api/v1/patients/{uhid}", **headers).json()["name"] == "Sunita Devi"
    found = client.get("/api/v1/patients?q=suneeta%20devi", **headers).json()
    assert [p["uhid"] for p in found] == [uhid]
    assert AccessEvent.objects.filter(action="search").count() == 1


def test_a_likely_duplicate_answers_409_with_candidates_then_confirm_registers(client, headers):
    existing = make_patient(
        name="Sunita Devi", gender="female", birth_date="1985-03-12", mobile="9811100002"
    )
    duplicate = _post(client, registration(), headers)
    assert duplicate.status_code == 409
    assert duplicate.json()["candidates"][0]["uhid"] == existing.uhid
    assert _post(client, {**registration(), "confirm_new": True}, headers).status_code == 201


def test_invalid_fields_answer_422_with_every_error(client, headers):
    response = _post(client, registration(mobile="123", abha_number="11-1111-1111-1111"), headers)
    assert response.status_code == 422
    body = response.json()
    assert set(body["errors"]) == {"mobile", "abha_number"}
    assert not Patient.objects.exists()


def test_a_missing_required_field_is_422_not_500(client, headers):
    response = client.post(
        "/api/v1/patients", data="{}", content_type="application/json", **headers
    )
    assert response.status_code == 422


def test_a_retry_with_the_same_idempotency_key_registers_once(client, headers):
    first = _post(client, registration(), headers, HTTP_IDEMPOTENCY_KEY="k-1")
    second = _post(client, registration(), headers, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["uhid"] == second.json()["uhid"]
    assert second["Idempotent-Replayed"] == "true"
    assert second["Location"] == first["Location"]
    assert Patient.objects.count() == 1


def test_reusing_a_key_for_another_request_is_refused(client, headers):
    _post(client, registration(), headers, HTTP_IDEMPOTENCY_KEY="k-2")
    other = _post(
        client,
        registration(name="Ravi Verma", mobile="9811100077"),
        headers,
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    assert other.status_code == 409
    assert Patient.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_with_one_key_register_once(clerk):
    from django.test import Client

    _token, secret = api_token_create(user=clerk, name="counter")
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def send() -> None:
        barrier.wait()
        try:
            response = Client().post(
                "/api/v1/patients",
                data=json.dumps(registration()),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {secret}",
                HTTP_IDEMPOTENCY_KEY="same",
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Patient.objects.count() == 1
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 503}


def test_candidates_endpoint_scores_and_explains(client, headers):
    make_patient(name="Sunita Devi", gender="female", birth_date="1985-03-12", mobile="9811100002")
    response = client.post(
        "/api/v1/patients/candidates",
        data=json.dumps(registration()),
        content_type="application/json",
        **headers,
    )
    [candidate] = response.json()
    assert candidate["score"] >= 90 and "same mobile number" in candidate["reasons"]


def test_a_user_without_a_patient_role_is_refused(client, db):
    from hims.accounts.tests.factories import UserFactory

    user = UserFactory(username="nobody")
    _token, secret = api_token_create(user=user, name="x")
    response = client.get("/api/v1/patients?q=ramesh", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 403


def test_idempotency_keys_expire_after_a_day(client, headers):
    from datetime import timedelta

    from django.utils import timezone

    from hims.core.idempotency import idempotency_keys_expire
    from hims.core.models import IdempotencyKey

    _post(client, registration(), headers, HTTP_IDEMPOTENCY_KEY="old")
    _post(
        client,
        registration(name="Ravi Verma", mobile="9811100077"),
        headers,
        HTTP_IDEMPOTENCY_KEY="new",
    )
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    assert idempotency_keys_expire() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_a_lookup_reads_the_token_memberships_and_patient_once_each(
    client, headers, django_assert_max_num_queries
):
    patient = make_patient(name="Sunita Devi", gender="female", birth_date="1985-03-12")
    client.get(f"/api/v1/patients/{patient.uhid}", **headers)  # the token's last use is stamped
    # token + user (with the role grants), memberships with their facilities, patient, the
    # access-log insert (and the transaction around it)
    with django_assert_max_num_queries(6) as captured:
        assert client.get(f"/api/v1/patients/{patient.uhid}", **headers).status_code == 200
    statements = [q["sql"] for q in captured.captured_queries]
    memberships = [sql for sql in statements if "accounts_membership" in sql]
    assert len(memberships) == 2
    assert sum("key_hash" in sql for sql in memberships) == 1  # the grants read with the token
