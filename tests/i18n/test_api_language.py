"""The API stays English unless the client asks: with Accept-Language: de the human-readable
``detail`` and error messages are German, while field names, codes and values stay English."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import ApiToken
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db
Scope = ApiToken.Scope
GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


@pytest.fixture
def ci(api_token):
    scopes = (Scope.GATE_READ, Scope.REQUESTS_WRITE, Scope.CATALOG_READ)
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token(scopes=scopes)}")


def test_a_bad_request_is_explained_in_german_with_english_field_names(personas, ci):
    model = assessed_model(personas, "minimal")
    body = {"model": model.name, "version": "1", "environment": "moon", "justification": "x"}
    english = ci.post("/api/v1/deployment-requests/", body, content_type="application/json")
    german = ci.post(
        "/api/v1/deployment-requests/", body, content_type="application/json", **GERMAN
    )
    assert english.status_code == german.status_code == 400
    assert english.json()["detail"] == "The request is invalid; see errors."
    assert german.json()["detail"] == "Die Anfrage ist ungültig; siehe errors."
    assert set(german.json()["errors"]) == set(english.json()["errors"]) == {"environment"}
    assert german.json()["errors"]["environment"][0].startswith("Unbekannte Umgebung")
    assert "production" in german.json()["errors"]["environment"][0]  # values stay as they are
    assert german["Content-Language"] == "de" and "Accept-Language" in german["Vary"]


def test_a_missing_field_uses_drf_german_message_under_the_english_name(personas, ci):
    model = assessed_model(personas, "minimal")
    german = ci.post(
        "/api/v1/deployment-requests/",
        {"model": model.name, "version": "1"},
        content_type="application/json",
        **GERMAN,
    )
    assert german.status_code == 400
    errors = german.json()["errors"]
    assert "environment" in errors
    assert errors["environment"] == ["Dieses Feld ist zwingend erforderlich."]  # DRF's German


def test_refusals_and_unknown_addresses_in_german(personas, ci):
    anonymous = Client().get("/api/v1/models/", **GERMAN)
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"] == "Anmeldedaten fehlen."  # DRF's German
    bad_token = Client(HTTP_AUTHORIZATION="Bearer attest_nope_nope").get(
        "/api/v1/models/", **GERMAN
    )
    assert bad_token.json()["detail"] == "Token ungültig, abgelaufen oder widerrufen."
    missing = ci.get("/api/v1/models/not-a-uuid/", **GERMAN)
    assert missing.status_code == 404
    assert missing.json() == {
        "detail": "Unter dieser Adresse gibt es keinen API-Endpunkt und kein Objekt.",
        "errors": {},
    }
    audit = ci.get("/api/v1/audit-events/", **GERMAN)
    assert audit.status_code == 403
    assert audit.json()["detail"].startswith("Das Lesen des Prüfpfads erfordert")


def test_the_api_answers_english_without_accept_language(personas, ci):
    assert Client().get("/api/v1/models/").json()["detail"] == (
        "Authentication credentials were not provided."
    )
    assert ci.get("/api/v1/models/not-a-uuid/").json()["detail"] == (
        "No API endpoint or object at this address."
    )


def test_a_persons_stored_language_does_not_change_the_api(personas, client_for):
    personas.owner.language = "de"
    personas.owner.save(update_fields=["language"])
    client = client_for(personas.owner)
    assert 'lang="de"' in client.get("/requests/mine/").content.decode()  # the pages: German
    assert client.get("/api/v1/models/not-a-uuid/").json()["detail"] == (
        "No API endpoint or object at this address."
    )
