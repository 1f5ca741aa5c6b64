"""The portfolio report's test world (two teams, models in several tiers, a review waiting, a
staging approval with drift) and the helpers that request a report. Its fixture is registered
in tests/documents/conftest.py."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from approvals import services as approval_services
from approvals.models import DeploymentRequest, DriftFinding
from documents import services
from documents.kinds import portfolio
from documents.models import GeneratedDocument
from tests.approvals.approval_helpers import assessed_model, meet_all_obligations

Kind = GeneratedDocument.Kind


def request_report(capture, actor, **parameters) -> GeneratedDocument:
    with capture(execute=True):
        document = services.document_request(
            actor=actor, kind=Kind.PORTFOLIO, parameters=portfolio.clean_parameters(parameters)
        )
    document.refresh_from_db()
    assert document.status == GeneratedDocument.Status.DONE, document.error
    return document


def unsaved(actor, **parameters) -> GeneratedDocument:
    return GeneratedDocument(kind=Kind.PORTFOLIO, requested_by=actor, parameters=parameters)


@pytest.fixture
def portfolio_world(personas):
    """Credit Risk: a high-risk model with a review waiting 3 days (overdue), a limited one,
    and a minimal one approved for staging, deployed, expiring in 10 days, with open drift.
    Fraud: a high-risk and a minimal model."""
    high = assessed_model(personas, "high", name="retail-credit-pd")
    assessed_model(personas, "limited", name="support-chatbot")
    minimal = assessed_model(personas, "minimal", name="demand-forecast")
    fraud = SimpleNamespace(team=personas.other_team, admin=personas.admin)
    assessed_model(fraud, "high", name="card-fraud-scorer")
    assessed_model(fraud, "minimal", name="txn-anomaly")
    meet_all_obligations(personas, high)
    waiting = approval_services.deployment_request_create(
        actor=personas.owner,
        model_version=high.versions.get(),
        environment="production",
        justification="Quarterly retrain.",
    )
    DeploymentRequest.objects.filter(pk=waiting.pk).update(
        submitted_at=timezone.now() - timedelta(days=3)
    )
    meet_all_obligations(personas, minimal)
    approved = approval_services.deployment_request_create(
        actor=personas.owner,
        model_version=minimal.versions.get(),
        environment="staging",
        justification="First staging run.",
    )
    approval_services.deployment_request_decide(
        actor=personas.reviewer, request=approved, verdict="approve"
    )
    approval_services.deployment_record(
        actor=personas.owner,
        model_version=minimal.versions.get(),
        environment="staging",
        reference="https://ci.example.com/run/42",
    )
    DeploymentRequest.objects.filter(pk=approved.pk).update(
        expires_at=timezone.now() + timedelta(days=10)
    )
    DriftFinding.objects.create(
        model_service=minimal,
        model_version=minimal.versions.get(),
        environment="production",
        alias="production",
        detail="Alias production moved to v1 without an approval for production.",
    )
    return SimpleNamespace(high=high, minimal=minimal)
