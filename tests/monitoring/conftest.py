"""A model of the personas' team that is approved and running in production, and helpers to
post metric batches through the API as CI does."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from approvals import services as approval_services
from tests.approvals.approval_helpers import assessed_model

METRICS_URL = "/api/v1/metrics/"


@pytest.fixture
def deployed(personas):
    """credit-scoring (minimal risk), v1 approved for production with auc 0.82 and running
    there since now; v2 registered but not approved."""
    model = assessed_model(personas, "minimal", name="credit-scoring", versions=("1", "2"))
    v1 = model.versions.get(version="1")
    request = approval_services.deployment_request_create(
        actor=personas.owner,
        model_version=v1,
        environment="production",
        justification="Validated on the 2025 book.",
        metrics={"auc": 0.82, "ks": 0.45},
    )
    approval = approval_services.deployment_request_decide(
        actor=personas.compliance, request=request, verdict="approve"
    )
    deployment = approval_services.deployment_record(
        actor=personas.ci_bot, model_version=v1, environment="production"
    )
    return SimpleNamespace(model=model, version=v1, approval=approval, deployment=deployment)


@pytest.fixture
def ci(api_token):
    """A client speaking for the team's CI bot with the metrics:write scope."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token(scopes=[ApiToken.Scope.METRICS_WRITE])}")


def item(value, *, minutes_ago=0, **overrides):
    return {
        "model": "credit-scoring",
        "version": "1",
        "environment": "production",
        "metric": "auc",
        "value": value,
        "timestamp": (timezone.now() - timedelta(minutes=minutes_ago)).isoformat(),
        **overrides,
    }


def series(values, **overrides):
    """Items one hour apart, the last one now."""
    n = len(values)
    return [item(v, minutes_ago=60 * (n - 1 - i), **overrides) for i, v in enumerate(values)]


def post(client, body):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(METRICS_URL, data=data, content_type="application/json")
