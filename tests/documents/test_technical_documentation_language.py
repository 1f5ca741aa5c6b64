"""GET .../technical-documentation?language=en|de (issue 21): the latest Annex IV PDF in that
language; without the parameter, as before, the latest PDF whatever its language."""

from __future__ import annotations

import pytest

from documents import services
from documents.models import GeneratedDocument
from tests.documents.test_annex_iv import credit_model  # noqa: F401

pytestmark = pytest.mark.django_db


def _generate(capture, actor, version, language) -> GeneratedDocument:
    with capture(execute=True):
        document = services.document_request(
            actor=actor,
            kind=GeneratedDocument.Kind.ANNEX_IV,
            model_version=version,
            language=language,
        )
    document.refresh_from_db()
    assert document.status == GeneratedDocument.Status.DONE, document.error
    assert document.language == language
    return document


def test_the_language_parameter_picks_the_latest_pdf_in_that_language(
    personas,
    credit_model,  # noqa: F811
    client_for,
    api_token,
    django_capture_on_commit_callbacks,
):
    client = client_for(None)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token()}"}
    url = f"/api/v1/models/{credit_model.pk}/versions/3/technical-documentation"
    version = credit_model.versions.get(version="3")
    english = _generate(django_capture_on_commit_callbacks, personas.owner, version, "en")

    none_in_german = client.get(url, {"language": "de"}, **auth)
    assert none_in_german.status_code == 404
    assert '"language": "de"' in none_in_german.json()["detail"]  # how to make one

    german = _generate(django_capture_on_commit_callbacks, personas.owner, version, "de")
    assert german.content_hash != english.content_hash
    for query, expected in (({"language": "en"}, english), ({"language": "de"}, german)):
        answer = client.get(url, query, **auth)
        assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
        assert answer["X-Content-SHA256"] == expected.content_hash
    # Without the parameter: the latest, whatever its language (what it always answered), even
    # for a client that asks for English pages.
    latest = client.get(url, HTTP_ACCEPT_LANGUAGE="en", **auth)
    assert latest.status_code == 200 and latest["X-Content-SHA256"] == german.content_hash


def test_an_unknown_language_is_a_400_naming_the_choices(
    personas,
    credit_model,  # noqa: F811
    client_for,
    api_token,
):
    client = client_for(None)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token()}"}
    url = f"/api/v1/models/{credit_model.pk}/versions/3/technical-documentation"
    answer = client.get(url, {"language": "fr"}, **auth)
    assert answer.status_code == 400
    assert answer.json()["errors"]["language"] == ['One of: en, de (not "fr").']


def test_an_unknown_language_is_refused_in_the_readers_language(
    credit_model,  # noqa: F811
    client_for,
    api_token,
):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token()}", "HTTP_ACCEPT_LANGUAGE": "de"}
    url = f"/api/v1/models/{credit_model.pk}/versions/3/technical-documentation"
    answer = client_for(None).get(url, {"language": "fr"}, **auth)
    assert answer.status_code == 400
    assert answer.json()["errors"]["language"] == ["Einer der Werte: en, de (nicht „fr“)."]
