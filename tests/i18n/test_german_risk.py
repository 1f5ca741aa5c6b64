"""The risk pages in German (issue 21): a model's assessment and obligations, the
questionnaire, a proposal under review, the framework pages and the rule-set change report,
each as its persona sees it with ``Accept-Language: de``.

The texts of the rule sets and framework catalogues themselves (questions, reasons, obligation
and control titles: risk/rulesets/, risk/frameworks/) are the rule sets' own part of issue 21;
they are taken out here as content, and so are the reasons the classifier composes from them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from risk import services as assessment_services
from tests.approvals.approval_helpers import ANSWERS, assessed_model
from tests.i18n.german_areas import ROOT, assert_german, german_catalogue, german_client  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("german_catalogue")]

DATA = ("Credit Risk", "Fraud", "kreditscoring", "compliance", "owner", "admin")
# Elements holding the classifier's reasons (rule-set text and the classifier's own sentences).
RULESET_PARTS = ("reasons", "decision")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _content_texts() -> tuple[str, ...]:
    texts = set()
    for folder in ("risk/rulesets", "risk/frameworks"):
        for path in Path(ROOT, folder).glob("*.json"):
            texts.update(s for s in _strings(json.loads(path.read_text())) if len(s) > 3)
    return tuple(sorted(texts, key=len, reverse=True))


CONTENT = (*DATA, *_content_texts())


@pytest.fixture
def model(personas):
    return assessed_model(personas, "high", name="kreditscoring", card=False)


@pytest.fixture
def de(client_for):
    return lambda user: german_client(client_for(user))


def test_assessment_page_in_german(personas, model, de):
    assert_german(
        de(personas.owner).get(reverse("risk:assessment-detail", args=[model.pk])),
        "Risiko nach der KI-Verordnung: kreditscoring",
        "Ergebnis",
        "Gründe und Fundstellen",
        "Pflichten",
        "Gilt ab",
        "Nachweis hinzufügen",
        "Revisionen",
        "Antworten",
        "Neu bewerten",
        skip_classes=RULESET_PARTS,
        data=CONTENT,
    )


def test_questionnaire_in_german(personas, model, de):
    assert_german(
        de(personas.owner).get(reverse("risk:assessment-edit", args=[model.pk])),
        "Fragebogen zur KI-Verordnung",
        "Bewertung einreichen",
        "Entwurf speichern",
        "Ja",
        "Nein",
        data=CONTENT,
    )


def test_proposal_and_its_review_in_german(personas, model, de):
    proposal = assessment_services.assessment_submit(
        actor=personas.owner, model_service=model, answers=ANSWERS["limited"]
    )
    assert proposal.is_proposal
    assert_german(
        de(personas.owner).get(reverse("risk:assessment-detail", args=[model.pk])),
        "Wartet auf Bestätigung.",
        f"Revision {proposal.revision} (Begrenzt), vorgeschlagen von",
        skip_classes=RULESET_PARTS,
        data=CONTENT,
    )
    assert_german(
        de(personas.compliance).get(
            reverse("risk:assessment-review", args=[model.pk, proposal.revision])
        ),
        "Antworten im Vergleich",
        "Bestätigen und in Kraft setzen",
        "An das Team zurückgeben",
        skip_classes=RULESET_PARTS,
        data=CONTENT,
    )


def test_obligation_error_message_in_german(personas, model, de):
    obligation = model.obligations.filter(is_current=True).first()
    response = de(personas.compliance).post(
        reverse("risk:obligation-update", args=[obligation.pk]),
        {"status": "not_applicable", "justification": "", "owner": "", "due_date": ""},
    )
    assert response.status_code == 302
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.endswith("Bitte angeben, warum diese Pflicht nicht anwendbar ist.")
    obligation.refresh_from_db()
    assert obligation.status == "open"  # nothing was written


def test_framework_pages_in_german(personas, model, de):
    assert_german(
        de(personas.owner).get(reverse("risk:model-frameworks", args=[model.pk])),
        "Rahmenwerke: kreditscoring",
        "Erklärung zur Anwendbarkeit (CSV)",
        "AI-RMF-Profil (CSV)",
        data=CONTENT,
    )
    assert_german(
        de(personas.compliance).get(reverse("risk:framework-coverage")),
        "Abdeckung der Rahmenwerke",
        "Abdeckung je Modell",
        data=CONTENT,
    )


def test_ruleset_change_report_in_german(personas, model, de):
    assert_german(
        de(personas.compliance).get(reverse("risk:ruleset-change")),
        "Bericht zur Regelwerksänderung",
        data=CONTENT,
    )


def test_api_detail_in_german_only_when_asked(personas, model, api_token):
    from django.test import Client

    from accounts.models import ApiToken

    token = api_token(scopes=[ApiToken.Scope.CATALOG_READ])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = "/api/v1/models/?risk_tier=gross"
    english = client.get(url)
    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert english.status_code == german.status_code == 400
    assert english.json()["errors"]["risk_tier"][0].startswith("Choose one of")
    # the sentence is German, the codes and field names stay as the API defines them
    assert german.json()["errors"]["risk_tier"][0].startswith("Wählen Sie einen der Werte")
    assert "unassessed" in german.json()["errors"]["risk_tier"][0]
