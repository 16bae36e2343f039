from __future__ import annotations

import pytest

from hims.accounts.services import api_token_create, api_token_revoke
from hims.network.tests.factories import FacilityFactory


def _bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _token, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_openapi_schema_and_docs_are_served(client, db):
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/facilities" in schema.json()["paths"]
    assert client.get("/api/docs").status_code == 200


def test_without_credentials_the_api_answers_401_problem(client, db):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Bearer"


def test_bearer_token_identifies_the_user_and_their_roles(client, clerk, facility):
    response = client.get("/api/v1/me", **_bearer(clerk))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "alice"
    assert body["memberships"] == [
        {
            "role": "clerk",
            "facility_id": facility.pk,
            "facility_name": facility.name,
            "department_id": None,
        }
    ]


def test_a_revoked_token_is_refused(client, clerk):
    token, secret = api_token_create(user=clerk, name="t")
    api_token_revoke(prefix=token.prefix)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_staff_see_only_their_own_facilities(client, clerk, facility, other_facility):
    headers = _bearer(clerk)
    listing = client.get("/api/v1/facilities", **headers).json()
    assert [row["code"] for row in listing["items"]] == ["lnjp"]
    assert client.get(f"/api/v1/facilities/{other_facility.pk}", **headers).status_code == 404
    assert client.get(f"/api/v1/facilities/{other_facility.pk}/rooms", **headers).status_code == 404
    assert client.get(f"/api/v1/facilities/{facility.pk}", **headers).status_code == 200


def test_network_admin_sees_every_facility_and_can_filter(
    client, network_admin, facility, other_facility
):
    FacilityFactory(
        code="amc", facility_type="arogya_mandir", district="shahdara", pincode="110032"
    )
    headers = _bearer(network_admin)
    everything = client.get("/api/v1/facilities", **headers).json()
    assert everything["count"] == 3
    shahdara = client.get("/api/v1/facilities?district=shahdara", **headers).json()
    assert sorted(row["code"] for row in shahdara["items"]) == ["amc", "gtb"]


def test_session_sign_in_also_works_for_the_api(client, clerk):
    client.force_login(clerk)
    assert client.get("/api/v1/me").json()["username"] == "alice"


def test_patients_cannot_use_the_staff_registry_api(client, db):
    from hims.accounts.models import User

    patient = User.objects.create(
        username="patient-9876501234", kind="patient", mobile="9876501234"
    )
    client.force_login(patient)
    response = client.get("/api/v1/facilities")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("query", ["limit=abc", "offset=-1", "limit=0"])
def test_bad_parameters_give_a_422_problem_not_a_500(client, clerk, query):
    response = client.get(f"/api/v1/facilities?{query}", **_bearer(clerk))
    assert response.status_code == 422
    assert response.json()["title"] == "validation"


def test_department_and_practitioner_lists(client, clerk, facility, department):
    from hims.network.tests.factories import PractitionerRoleFactory

    PractitionerRoleFactory(facility=facility, department=department)
    headers = _bearer(clerk)
    departments = client.get(f"/api/v1/facilities/{facility.pk}/departments", **headers).json()
    assert departments[0]["speciality_code"] == "general-medicine"
    practitioners = client.get(f"/api/v1/facilities/{facility.pk}/practitioners", **headers).json()
    assert len(practitioners) == 1 and len(practitioners[0]["hpr_id"]) == 14
