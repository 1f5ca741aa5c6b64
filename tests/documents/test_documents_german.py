"""Documents in German (issue 21): the language is chosen when a document is requested (default:
the requester's), recorded on the document and in its inputs hash, shown on its page and in the
API; a German Annex IV PDF and model card read with the official German terms of Regulation
(EU) 2024/1689. The PDFs' text is read back with pdftotext; pages are saved as PNG under
test-output/documents/ to look at."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from documents import services
from documents.audit_actions import DOCUMENT_REQUESTED
from documents.models import GeneratedDocument
from tests.documents import test_annex_iv
from tests.documents.test_annex_iv import flat, pdf_text, save_pngs
from tests.german import english_afterwards, german_catalogue  # noqa: F401

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("german_catalogue", "english_afterwards"),
]
Kind = GeneratedDocument.Kind
credit_model = test_annex_iv.credit_model  # the partly documented high-risk credit model


def generate(capture, actor, version, kind, language=None) -> GeneratedDocument:
    with capture(execute=True):
        document = services.document_request(
            actor=actor, kind=kind, model_version=version, language=language
        )
    document.refresh_from_db()
    assert document.status == GeneratedDocument.Status.DONE, document.error
    return document


def test_a_german_annex_iv_uses_the_official_german_terms(
    personas, credit_model, django_capture_on_commit_callbacks
):
    version = credit_model.versions.get(version="3")
    german = generate(
        django_capture_on_commit_callbacks, personas.owner, version, Kind.ANNEX_IV, "de"
    )
    save_pngs(german, "annex-iv-de")
    text = flat(pdf_text(german))
    assert german.language == "de"
    for term in (
        "Technische Dokumentation — retail-credit-pd v3",
        "KI-Verordnung — Artikel 11 und Anhang IV",
        "Allgemeine Beschreibung des KI-Systems",
        "Anbieter (verantwortliches Team)",
        "Zweckbestimmung",
        "Betriebsanleitung",
        "Risikomanagementsystem",
        "Daten und Daten-Governance",
        "Konformitätsbewertung, EU-Konformitätserklärung, CE-Kennzeichnung",
        "Beobachtung nach dem Inverkehrbringen",
        "Verfahren zur Meldung schwerwiegender Vorfälle",
        "Art. 6 Abs. 2, Anhang III Nummer 5 Buchstabe b",
        "Kreditwürdigkeitsprüfung und Bonitätsbewertung natürlicher Personen",
        "Art. 6 Abs. 3 Unterabsatz 2",
        "Vollständigkeitsprüfung",
        "FEHLT",
        "Nummer 1 Buchstabe a Zweckbestimmung",  # Annex IV points as the German text cites them
        "Nummer 1 Buchstabe b, Nummer 1 Buchstabe c",
    ):
        assert term in text, term
    for english in (
        "Technical documentation",
        "General description of the AI system",
        "Risk management system",
        "Annex III, point 5(b)",
        "Evidence on obligation",
        "MISSING",
    ):
        assert english not in text, english

    english = generate(
        django_capture_on_commit_callbacks, personas.owner, version, Kind.ANNEX_IV, "en"
    )
    english_text = flat(pdf_text(english))
    assert "Risk management system" in english_text and "Annex III, point 5(b)" in english_text
    assert "Risikomanagementsystem" not in english_text
    # the language is an input: same records, another language, another hash
    assert english.inputs_hash != german.inputs_hash
    assert english.content_hash != german.content_hash
    again = generate(
        django_capture_on_commit_callbacks, personas.owner, version, Kind.ANNEX_IV, "de"
    )
    assert again.inputs_hash == german.inputs_hash and again.content_hash == german.content_hash
    requested = AuditEvent.objects.filter(action=DOCUMENT_REQUESTED).order_by("occurred_at", "id")
    assert [e.after["language"] for e in requested] == ["de", "en", "de"]


def test_a_german_model_card_uses_the_official_german_terms(
    personas, credit_model, django_capture_on_commit_callbacks
):
    version = credit_model.versions.get(version="3")
    card = generate(
        django_capture_on_commit_callbacks, personas.owner, version, Kind.MODEL_CARD, "de"
    )
    save_pngs(card, "model-card-de")
    text = flat(pdf_text(card))
    for term in (
        "Modellkarte",
        "KI-Verordnung",
        "Hochrisiko",
        "Anbieter",
        "Anhang III Nummer 5 Buchstabe b",
        "Risikomanagementsystem",
        "Technische Dokumentation (Anhang IV)",
        "Maßnahmen zur menschlichen Aufsicht",
        "Vorgesehene Verwendung",
    ):
        assert term in text, term
    for english in ("Intended use", "Risk management system", "Model details"):
        assert english not in text, english


def test_the_default_language_is_the_requesters_and_a_bad_one_is_refused(personas, credit_model):
    from django.utils import translation

    version = credit_model.versions.get(version="3")
    with translation.override("de"):
        assert services.document_language() == "de"
    with translation.override("en"):
        assert services.document_language() == "en"
    for bad in ("fr", "DE", "deutsch", 5, ["de"], {"de": 1}):
        with pytest.raises(ValidationError) as caught:
            services.document_request(
                actor=personas.owner, kind=Kind.ANNEX_IV, model_version=version, language=bad
            )
        assert caught.value.message_dict == {"language": ["One of: en, de"]}
    assert not GeneratedDocument.objects.exists()


def test_the_api_takes_and_shows_the_language(
    personas, credit_model, client_for, api_token, django_capture_on_commit_callbacks
):
    client = client_for(None)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token()}"}
    url = f"/api/v1/models/{credit_model.pk}/versions/3/technical-documentation"
    bad = client.post(url, {"language": "fr"}, content_type="application/json", **auth)
    assert bad.status_code == 400, bad.content
    assert "language" in str(bad.json()) and "One of: en, de" in str(bad.json())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"language": "de"}, content_type="application/json", **auth)
    assert response.status_code == 202, response.content
    assert response.json()["language"] == "de"
    status = client.get(response["Location"], **auth).json()
    assert status["language"] == "de" and status["status"] == "done"
    # no language given: the request's (Accept-Language), the API's default being English
    with django_capture_on_commit_callbacks(execute=True):
        plain = client.post(url, **auth)
        accepted = client.post(url, HTTP_ACCEPT_LANGUAGE="de", **auth)
    assert plain.json()["language"] == "en" and accepted.json()["language"] == "de"

    reports = "/api/v1/reports/portfolio"
    bad = client.post(reports, {"language": "xx"}, content_type="application/json", **auth)
    assert bad.status_code == 400 and "language" in str(bad.json())
    with django_capture_on_commit_callbacks(execute=True):
        report = client.post(reports, {"language": "de"}, content_type="application/json", **auth)
    assert report.status_code == 202, report.content
    assert report.json()["language"] == "de" and report.json()["parameters"] == {
        "team": "",
        "since": "",
    }
    card = f"/api/v1/models/{credit_model.pk}/versions/3/model-card?format=pdf&language=nl"
    assert client.get(card, **auth).status_code == 400


def test_the_document_page_shows_the_language_and_the_request_form_offers_it(
    personas, credit_model, client_for, django_capture_on_commit_callbacks
):
    client = client_for(personas.owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    url = reverse("documents:document-request", args=[credit_model.pk, "3", "annex_iv"])
    response = client.post(url)  # no choice: the requester's language; not rendered yet
    document = GeneratedDocument.objects.get()
    assert response.status_code == 302 and document.language == "de"
    waiting = client.get(reverse("documents:document-detail", args=[document.pk])).content.decode()
    assert "Wartet auf einen Worker" in waiting and "Waiting for a worker" not in waiting
    services.document_render(document_pk=document.pk)
    page = client.get(reverse("documents:document-detail", args=[document.pk])).content.decode()
    assert "Sprache" in page and "Deutsch" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"language": "en"})
    assert GeneratedDocument.objects.filter(language="en").count() == 1
    assert client.post(url, {"language": "xx"}).status_code == 302  # back with a message
    assert GeneratedDocument.objects.count() == 2


def test_a_german_portfolio_report(personas, credit_model, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_request(
            actor=personas.owner, kind=Kind.PORTFOLIO, parameters={}, language="de"
        )
    document.refresh_from_db()
    assert document.status == GeneratedDocument.Status.DONE, document.error
    text = flat(pdf_text(document))
    for term in (
        "Compliance-Bericht zum Portfolio — alle Teams",
        "Das Portfolio im Überblick",
        "Modelle nach Risikoklasse",
        "Hochrisiko-KI-Systeme (Art. 6)",
        "Erfüllungsgrad der Pflichten",
        "Seite 2 von",
    ):
        assert term in text, term
    assert "Portfolio at a glance" not in text and "Page 2 of" not in text
