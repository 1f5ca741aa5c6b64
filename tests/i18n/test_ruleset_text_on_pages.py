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
