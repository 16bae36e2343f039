"""The FHIR facade's protocol: paging, strict parameters, errors, authentication, formats."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hims.accounts.services import api_token_create, api_token_revoke
from hims.fhir.tests.factories import FacilityHoursFactory, PatientUserFactory
from hims.fhir.tests.helpers import FHIR_JSON, bundle_of, ids_of, outcome_of
from hims.network.tests.factories import (
    DepartmentFactory,
    FacilityFactory,
    PractitionerFactory,
    PractitionerRoleFactory,
    RoomFactory,
)

BASE = "/fhir/R4"


def links_of(body: dict[str, Any]) -> dict[str, str]:
    return {link["relation"]: link["url"] for link in body["link"]}


def follow(api: Client, url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "testserver"  # absolute URLs
    return bundle_of(api.get(f"{parts.path}?{parts.query}"))


# --- paging ------------------------------------------------------------------------------


def test_next_links_page_through_all_matches_without_overlap(api: Client, facility: Any):
    others: list[Any] = [FacilityFactory() for _ in range(24)]
    created = [str(each.pk) for each in [facility, *others]]
    first = bundle_of(api.get(f"{BASE}/Organization", {"_count": "10", "type": "hospital"}))
    assert first["total"] == 25
    assert "previous" not in links_of(first)
    second = follow(api, links_of(first)["next"])
    third = follow(api, links_of(second)["next"])
    assert "next" not in links_of(third)
    pages = [ids_of(first), ids_of(second), ids_of(third)]
    assert [len(page) for page in pages] == [10, 10, 5]
    assert [pk for page in pages for pk in page] == created  # by id, none twice, none missing
    query = parse_qs(urlsplit(links_of(second)["previous"]).query)
    assert query == {"type": ["hospital"], "_count": ["10"], "_offset": ["0"]}
    assert follow(api, links_of(second)["self"]) == second


def test_location_pages_run_on_from_facilities_into_rooms(api: Client, facility: Any):
    created: list[Any] = [RoomFactory(facility=facility) for _ in range(3)]
    rooms = [str(room.pk) for room in created]
    first = bundle_of(api.get(f"{BASE}/Location", {"_count": "2"}))
    second = follow(api, links_of(first)["next"])
    assert ids_of(first) == [f"f-{facility.pk}", f"r-{rooms[0]}"]
    assert ids_of(second) == [f"r-{rooms[1]}", f"r-{rooms[2]}"]
    assert second["total"] == 4
    assert "next" not in links_of(second)


def test_count_zero_returns_only_the_total(api: Client, facility: Any, other_facility: Any):
    body = bundle_of(api.get(f"{BASE}/Organization", {"_count": "0"}))
    assert body["total"] == 2
    assert "entry" not in body
    assert set(links_of(body)) == {"self"}
    summary = bundle_of(api.get(f"{BASE}/Organization", {"_summary": "count"}))
    assert summary["total"] == 2 and "entry" not in summary


def test_count_above_the_maximum_is_capped_at_100(api: Client, facility: Any):
    body = bundle_of(api.get(f"{BASE}/Organization", {"_count": "5000"}))
    assert parse_qs(urlsplit(links_of(body)["self"]).query)["_count"] == ["100"]


@pytest.mark.parametrize("value", ["-1", "ten", "1.5", "", "٣"])
def test_bad_count_gives_400_operation_outcome(api: Client, value: str):
    outcome_of(api.get(f"{BASE}/Organization", {"_count": value}), 400)


def test_bad_offset_gives_400_operation_outcome(api: Client):
    outcome_of(api.get(f"{BASE}/Organization", {"_offset": "-5"}), 400)
    outcome_of(api.get(f"{BASE}/Organization", {"_offset": "9" * 30}), 400)


# --- strict parameters -------------------------------------------------------------------


def test_search_with_unknown_parameter_gives_400_operation_outcome(api: Client):
    body = outcome_of(api.get(f"{BASE}/Organization", {"colour": "blue"}), 400)
    assert "colour" in body["issue"][0]["diagnostics"]
    outcome_of(api.get(f"{BASE}/Organization", {"_sort": "name"}), 400)
    outcome_of(api.get(f"{BASE}/Practitioner", {"address-postalcode": "110002"}), 400)


def test_search_with_unsupported_modifier_gives_400(api: Client):
    outcome_of(api.get(f"{BASE}/Organization", {"name:phonetic": "lok"}), 400)
    outcome_of(api.get(f"{BASE}/Organization", {"identifier:text": "x"}), 400)


@pytest.mark.parametrize(
    ("resource_type", "params"),
    [
        ("Organization", {"active": "maybe"}),
        ("Organization", {"name": ""}),
        ("Organization", {"identifier": "https://facility.ndhm.gov.in|"}),
        ("Organization", {"_summary": "everything"}),
        ("Organization", {"name": "lok\x00"}),
        ("Location", {"organization": "Practitioner/1"}),
        ("PractitionerRole", {"practitioner": "Organization/1"}),
    ],
)
def test_search_with_malformed_value_gives_400(
    api: Client, resource_type: str, params: dict[str, str]
):
    outcome_of(api.get(f"{BASE}/{resource_type}", params), 400)


def test_read_with_unknown_parameter_gives_400(api: Client, facility: Any):
    outcome_of(api.get(f"{BASE}/Organization/{facility.pk}", {"name": "x"}), 400)


# --- not found and methods ---------------------------------------------------------------


def test_unknown_resource_type_gives_404_operation_outcome(api: Client):
    body = outcome_of(api.get(f"{BASE}/Spaceship"), 404)
    assert body["issue"][0]["code"] == "not-supported"
    outcome_of(api.get(f"{BASE}/organization"), 404)
    outcome_of(api.get(f"{BASE}/Spaceship/1"), 404)


@pytest.mark.parametrize(
    "path",
    [
        "Organization/999999",
        "Organization/abc",
        "Organization/007",
        "Organization/99999999999999999999999",
        "Location/999999",
        "Location/f-999999",
        "Location/x-1",
        "Practitioner/0",
        "PractitionerRole/-1",
    ],
)
def test_unknown_or_malformed_id_gives_404_operation_outcome(api: Client, facility: Any, path: str):
    body = outcome_of(api.get(f"{BASE}/{path}"), 404)
    assert body["issue"][0]["code"] == "not-found"


@pytest.mark.parametrize("path", ["", "Organization/1/_history/1", "a/b/c", "%E0%A4%95"])
def test_unknown_paths_give_404_operation_outcome(client: Client, db: None, path: str):
    outcome_of(client.get(f"{BASE}/{path}"), 404)


def test_writes_give_405_operation_outcome_not_a_csrf_page(api: Client, facility: Any):
    api.handler.enforce_csrf_checks = True
    response = api.post(f"{BASE}/Organization", {}, content_type=FHIR_JSON)
    outcome_of(response, 405)
    assert response["Allow"] == "GET, HEAD"
    outcome_of(api.delete(f"{BASE}/Organization/{facility.pk}"), 405)
    outcome_of(api.put(f"{BASE}/metadata"), 405)


def test_trailing_slash_is_accepted(api: Client, facility: Any):
    assert bundle_of(api.get(f"{BASE}/Organization/"))["total"] == 1
    assert api.get(f"{BASE}/Organization/{facility.pk}/").status_code == 200


# --- authentication ----------------------------------------------------------------------


def test_unauthenticated_search_and_read_give_401_with_bearer_challenge(
    client: Client, facility: Any
):
    for path in ("Organization", f"Organization/{facility.pk}", "Location"):
        response = client.get(f"{BASE}/{path}")
        body = outcome_of(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert body["issue"][0]["code"] == "login"


def test_bearer_token_authenticates(client: Client, doctor: Any, facility: Any):
    _token, secret = api_token_create(user=doctor, name="integration")
    response = client.get(f"{BASE}/Organization", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert bundle_of(response)["total"] == 1


def test_revoked_token_is_refused(client: Client, doctor: Any, facility: Any):
    token, secret = api_token_create(user=doctor, name="integration")
    api_token_revoke(prefix=token.prefix)
    response = client.get(f"{BASE}/Organization", HTTP_AUTHORIZATION=f"Bearer {secret}")
    outcome_of(response, 401)
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_bad_authorization_header_is_refused_even_with_a_session(api: Client, facility: Any):
    for header in ("Bearer hims_nope_nope", "Basic Ym9iOnNlY3JldA==", "Bearer"):
        outcome_of(api.get(f"{BASE}/Organization", HTTP_AUTHORIZATION=header), 401)


def test_patients_may_read_the_directory(client: Client, facility: Any):
    patient: Any = PatientUserFactory()
    client.force_login(patient)
    assert bundle_of(client.get(f"{BASE}/Organization"))["total"] == 1


# --- formats -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["json", "application/json", "application/fhir+json", "application/fhir json"]
)
def test_json_formats_are_accepted(api: Client, facility: Any, value: str):
    response = api.get(f"{BASE}/Organization", {"_format": value})
    assert bundle_of(response)["total"] == 1
    assert response["Content-Type"] == FHIR_JSON


@pytest.mark.parametrize("value", ["xml", "application/fhir+xml", "text/turtle"])
def test_other_formats_give_406_operation_outcome(client: Client, db: None, value: str):
    outcome_of(client.get(f"{BASE}/metadata", {"_format": value}), 406)


def test_accept_header_without_json_gives_406(client: Client, db: None):
    outcome_of(client.get(f"{BASE}/metadata", HTTP_ACCEPT="application/fhir+xml"), 406)
    accepted = client.get(f"{BASE}/metadata", HTTP_ACCEPT="text/html, */*;q=0.8")
    assert accepted.status_code == 200


def test_codings_stay_english_while_text_follows_the_language(api: Client, facility: Any):
    response = api.get(f"{BASE}/Organization/{facility.pk}", HTTP_ACCEPT_LANGUAGE="hi")
    concept = response.json()["type"][0]
    assert concept["coding"][0]["display"] == "Hospital"
    assert concept["text"] == "अस्पताल"


# --- query count -------------------------------------------------------------------------


def _network(size: int) -> None:
    for _ in range(size):
        facility = FacilityFactory()
        FacilityHoursFactory(facility=facility)
        RoomFactory(facility=facility)
        PractitionerRoleFactory(
            facility=facility,
            practitioner=PractitionerFactory(),
            department=DepartmentFactory(facility=facility),
        )


def _queries(api: Client, resource_type: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        bundle_of(api.get(f"{BASE}/{resource_type}", {"_count": "100"}))
    return len(captured)


@pytest.mark.parametrize("resource_type", ["Organization", "Location", "PractitionerRole"])
def test_query_count_per_page_does_not_grow_with_rows(api: Client, resource_type: str):
    _network(2)
    few = _queries(api, resource_type)
    _network(20)
    assert _queries(api, resource_type) == few


@pytest.mark.parametrize(
    ("resource_type", "maximum"),
    [("Organization", 4), ("Location", 7), ("Practitioner", 4), ("PractitionerRole", 4)],
)
def test_a_full_page_costs_a_bounded_number_of_queries(
    api: Client, django_assert_max_num_queries: Any, resource_type: str, maximum: int
):
    _network(30)
    # Two of these are the session and its user; the rest are counts and page fetches.
    with django_assert_max_num_queries(maximum):
        body = bundle_of(api.get(f"{BASE}/{resource_type}", {"_count": "100"}))
    assert len(body["entry"]) >= 30
