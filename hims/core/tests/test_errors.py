from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def error_urls(settings):  # type: ignore[no-untyped-def]
    settings.ROOT_URLCONF = "hims.core.tests.urls_for_tests"
    settings.DEBUG = False


@pytest.fixture
def quiet_client() -> Client:
    return Client(raise_request_exception=False)


def test_domain_error_on_a_page_is_a_translated_html_message(client, error_urls):
    response = client.get("/t/conflict", HTTP_ACCEPT_LANGUAGE="hi")
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    assert "पुनः लोड" in response.content.decode()


def test_domain_error_on_the_api_is_a_problem_document(client, error_urls):
    response = client.get("/api/t/conflict")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 409 and body["title"] == "conflict" and body["field"] == "slot"


def test_domain_error_on_fhir_is_an_operation_outcome(client, error_urls):
    response = client.get("/fhir/R4/t/conflict")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/fhir+json"
    issue = response.json()["issue"][0]
    assert response.json()["resourceType"] == "OperationOutcome"
    assert issue["code"] == "conflict" and issue["expression"] == ["slot"]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/t/crash", "text/html"),
        ("/api/t/crash", "application/problem+json"),
        ("/fhir/R4/t/crash", "application/fhir+json"),
    ],
)
def test_an_unexpected_exception_gives_a_500_in_the_shape_of_the_path(
    quiet_client, error_urls, path, content_type
):
    response = quiet_client.get(path)
    assert response.status_code == 500
    assert response["Content-Type"].startswith(content_type)
    assert b"boom" not in response.content


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/no-such-page/", "text/html"),
        ("/api/no-such", "application/"),
        ("/fhir/R4/x/y/z/w", "application/fhir+json"),
    ],
)
def test_unknown_paths_give_404_in_the_shape_of_the_path(
    client, error_urls, path, content_type, db
):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith(content_type)


def test_healthz_answers_without_the_database(client):
    # No db fixture: pytest-django fails the test if the view touches the database.
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_the_database(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] in {"sqlite", "postgresql"}


def test_readyz_reports_503_when_the_database_is_down(client, db, monkeypatch):
    class Unreachable:
        def cursor(self):  # type: ignore[no-untyped-def]
            raise OSError("database unreachable")

    monkeypatch.setattr("hims.core.views.connection", Unreachable())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
