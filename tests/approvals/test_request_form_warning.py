"""The request form's "Not approvable yet" follows the chosen environment (issue 20, point 10):
a high-risk model with open obligations cannot be approved for production, but staging needs
no obligations, so choosing staging shows no warning."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db


def _warnings(html: str) -> dict[str, bool]:
    """environment -> shown (not hidden), for every warning block on the page."""
    found = {}
    for attrs in re.findall(r"<div ([^>]*data-env-warning[^>]*)>", html):
        env = re.search(r'data-env-warning="([^"]+)"', attrs).group(1)
        found[env] = " hidden" not in attrs
    return found


def test_staging_chosen_shows_no_warning_production_chosen_does(personas, client_for):
    model = assessed_model(personas, "high", name="credit-pd")  # obligations open
    client = client_for(personas.owner)
    url = reverse("approvals:request-create", args=[model.pk])

    staging = client.get(url, {"environment": "staging"}).content.decode()
    # Only production has something that blocks approval; it is there for the script, hidden.
    assert _warnings(staging) == {"production": False}

    production = client.get(url, {"environment": "production"}).content.decode()
    assert _warnings(production) == {"production": True}
    assert "Not approvable yet in production:" in production
    assert "obligations not met or justified" in production


def test_a_refused_post_keeps_the_warning_of_the_environment_it_chose(personas, client_for):
    model = assessed_model(personas, "high", name="credit-pd")
    url = reverse("approvals:request-create", args=[model.pk])
    version = model.versions.get(version="1")
    html = (
        client_for(personas.owner)
        .post(url, {"version": version.pk, "environment": "staging", "metrics": "not json"})
        .content.decode()
    )
    assert _warnings(html) == {"production": False}
