"""Obligation titles and articles are stored in English on the rows (the rule set's words when
the obligation was created); pages show them in the reader's language through the rule set's
translation catalogue (the ``ruleset_text`` filter)."""

from __future__ import annotations

import pytest
from django.utils import translation

from approvals import services as approval_services
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db
ART_4_EN = "Take measures to support the development of AI literacy of staff"
ART_4_DE = "Maßnahmen ergreifen, um den Aufbau von KI-Kompetenz des Personals"


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    translation.activate("en")  # LocaleMiddleware leaves the last language active


def test_the_request_page_shows_obligations_in_the_readers_language(personas, client_for):
    model = assessed_model(personas, "minimal", name="credit-scoring")
    request = approval_services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="1"),
        environment="production",
        justification="Quarterly retrain.",
    )
    reviewer = client_for(personas.reviewer)
    url = f"/requests/{request.pk}/"
    german = reviewer.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert ART_4_DE in german and ART_4_EN not in german
    # The recorded classification's reasons, worded in German (the record stays English).
    assert "No prohibited practice" not in german
    english = reviewer.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ART_4_EN in english and ART_4_DE not in english
    assert "No prohibited practice" in english
    for page in (
        reviewer.get(f"/models/{model.pk}/risk/", HTTP_ACCEPT_LANGUAGE="de"),
        reviewer.get(f"/models/{model.pk}/risk/", HTTP_ACCEPT_LANGUAGE="en"),
    ):
        assert page.status_code == 200
    assert (
        "No prohibited practice"
        not in reviewer.get(f"/models/{model.pk}/risk/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    )


def test_a_proposal_under_review_names_its_deciding_provision_in_german(personas, client_for):
    from risk import services as assessment_services
    from risk.ruleset import localized_text
    from tests.approvals.approval_helpers import ANSWERS

    model = assessed_model(personas, "high", name="credit-scoring", card=False)
    proposal = assessment_services.assessment_submit(
        actor=personas.owner, model_service=model, answers=ANSWERS["limited"]
    )
    english = proposal.result["decided_by"]["article"]
    german = localized_text(english, "de")
    assert german != english  # e.g. "Art. 50(1)" / "Art. 50 Abs. 1"
    url = f"/models/{model.pk}/risk/r{proposal.revision}/review/"
    compliance = client_for(personas.compliance)
    page = compliance.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert german in page and english not in page
    assert english in compliance.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_ruleset_change_report_words_tiers_and_provisions_in_german(settings, personas):
    """The demo assessed under v1, v2 current: the report names the tier and the deciding
    provision in the reader's language (the report's comparison stays on the English)."""
    from io import StringIO

    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User

    settings.ATTEST_RULESET = "2024-1689.v1"
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    settings.ATTEST_RULESET = "2024-1689+2026-1744.v2"
    client = Client()
    client.force_login(User.objects.get(username="carla"))
    german = client.get("/risk/ruleset-change/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "bleibt Hoch" in german and "stays high" not in german and "bleibt high" not in german
    from risk.ruleset import localized_text
    from risk.ruleset_change import ruleset_change_report

    article = ruleset_change_report().changed[0].new_decided_by["article"]
    assert localized_text(article, "de") != article
    assert localized_text(article, "de") in german and article not in german
    english = client.get("/risk/ruleset-change/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "stays High" in english and article in english
