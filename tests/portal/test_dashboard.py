"""The dashboard: portfolio figures scoped to what the person may see, and a screenshot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals import services
from tests.approvals.approval_helpers import assessed_model
from tests.factories import ModelServiceFactory

pytestmark = pytest.mark.django_db


def test_dashboard_counts_only_visible_models_and_waiting_reviews(personas, client_for):
    model = assessed_model(personas, "high")
    ModelServiceFactory(owner_team=personas.other_team, risk_tier="minimal")
    services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(),
        environment="staging",
        justification="try it",
    )
    owner = client_for(personas.owner).get(reverse("portal:dashboard"))
    assert owner.status_code == 200
    assert owner.context["models"] == 1 and owner.context["pending"] == 1
    assert owner.context["inbox"] == 0  # nobody reviews their own request
    reviewer = client_for(personas.reviewer).get(reverse("portal:dashboard"))
    assert reviewer.context["inbox"] == 1
    compliance = client_for(personas.compliance).get(reverse("portal:dashboard"))
    assert compliance.context["models"] == 2  # the whole portfolio
    assert b"Models by EU AI Act risk tier" in compliance.content
    assert "governance.request_submitted" in [e.action for e in owner.context["activity"]]
    assert client_for(None).get(reverse("portal:dashboard")).status_code == 302
