"""Data for the documents scenario: a documented high-risk credit model, and a portfolio of
models across the risk tiers with checklists and approvals, bulk-inserted in one team.

Ported from the first document benchmark; the portfolio is kept inside its own team (the
report is asked for that team) so its size is exactly what the scenario says, whatever other
scenarios have put in the same database.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from accounts.roles import Role
from approvals.models import ApprovalDecision, DeploymentRequest
from bench.scenarios import _people
from catalog.models import ModelService, ModelVersion
from catalog.services import model_service_register
from risk import services as risk_services
from risk.demo import BASE
from risk.models import Obligation, RiskAssessment

TEAM_SLUG = "bench-docs"
MODEL = "bench-docs-retail-credit-pd"
CARD = {
    "description": "Gradient-boosted trees over bureau and application data.",
    "purpose": "Estimate the probability of default of retail credit applicants.",
    "intended_use": "Support credit officers deciding retail loans in the EU.",
    "intended_users": "Retail credit officers.",
    "out_of_scope_use": "Not for employment or insurance decisions.",
    "training_data": "Loan book 2015-2024, 1.2 M applications, pseudonymised.",
    "input_features": "Income, debt, repayment history, tenure.",
    "limitations": "Thin-file applicants are scored less accurately.",
    "results": "AUC 0.81 overall; within 0.02 across age bands.",
    "reproduction": "make train SNAPSHOT=2025-06",
    "parameters": "400 trees, depth 6.",
    "stakeholders": "Head of Credit Risk; Compliance; Internal Audit.",
}


def people():
    """(team, admin, compliance officer)."""
    team = _people.team(TEAM_SLUG, "Bench documents")
    admin = _people.user("bench-docs-admin", role=Role.ADMIN)
    compliance = _people.user("bench-docs-compliance", role=Role.COMPLIANCE_OFFICER)
    return team, admin, compliance


def high_risk_version(team, admin) -> ModelVersion:
    """A credit-scoring model (Annex III 5(b): high risk) with a full card and three versions;
    returns the latest version."""
    existing = ModelVersion.objects.filter(model_service__name=MODEL, version="3").first()
    if existing:
        return existing
    model = model_service_register(actor=None, name=MODEL, owner_team=team, metadata=CARD)
    for v in ("1", "2", "3"):
        version = ModelVersion.objects.create(
            model_service=model,
            version=v,
            version_number=int(v),
            source_uri=f"s3://models/{MODEL}/{v}",
            run_id=f"run{v}",
            metrics={"auc": 0.81, "ks": 0.41, "gini_age_gap": 0.02},
        )
    risk_services.assessment_submit(
        actor=admin,
        model_service=model,
        answers={**BASE, "annex_iii_use": "5b_credit_scoring", "profiles_persons": True},
    )
    # Re-read: the assessment set the tier on the database row, not on our copy of the model.
    return ModelVersion.objects.select_related("model_service").get(pk=version.pk)


def bulk_portfolio(team, admin, approver, n: int) -> None:
    """``n`` models across the tiers, each with a version, a submitted assessment and its six
    obligations (half met); a third have a deployment request, two in three of those approved
    with the compliance approval the database insists on."""
    tiers = ["high", "limited", "minimal", "unassessed"]
    models = ModelService.objects.bulk_create(
        ModelService(
            id=uuid.uuid4(),
            name=f"bench-docs-model-{i:05d}",
            owner_team=team,
            risk_tier=tiers[i % 4],
            obligations_completeness=None if i % 4 == 3 else (i * 7) % 101,
        )
        for i in range(n)
    )
    versions = ModelVersion.objects.bulk_create(
        ModelVersion(id=uuid.uuid4(), model_service=m, version="1", version_number=1)
        for m in models
    )
    assessments = RiskAssessment.objects.bulk_create(
        RiskAssessment(
            id=uuid.uuid4(),
            model_service=m,
            status="submitted",
            revision=1,
            ruleset_version="bench",
            tier=m.risk_tier,
        )
        for m in models
        if m.risk_tier != "unassessed"
    )
    Obligation.objects.bulk_create(
        Obligation(
            id=uuid.uuid4(),
            model_service_id=a.model_service_id,
            assessment=a,
            code=f"art{k}",
            article=f"Art. {k}",
            title=f"Obligation {k}",
            status="open" if k % 2 else "met",
        )
        for a in assessments
        for k in (9, 10, 11, 12, 13, 14)
    )
    now = timezone.now()
    requests = DeploymentRequest.objects.bulk_create(
        DeploymentRequest(
            id=uuid.uuid4(),
            model_service=v.model_service,
            model_version=v,
            environment="production" if i % 2 else "staging",
            state="submitted",  # the database lets requests start only as draft or submitted
            requested_by=admin,
            justification="bench",
            risk_tier=v.model_service.risk_tier,
            submitted_at=now - timedelta(days=i % 7),
            decided_at=now if i % 3 else None,
            expires_at=now + timedelta(days=5 + i % 90) if i % 3 else None,
            fingerprint="0" * 64 if i % 3 else "",
        )
        for i, v in enumerate(versions[: n // 3])
    )
    to_approve = [r for r in requests if r.decided_at]
    ApprovalDecision.objects.bulk_create(
        ApprovalDecision(
            id=uuid.uuid4(),
            request=r,
            approver=approver,
            requester=admin,
            verdict="approve",
            as_compliance=True,
            fingerprint="0" * 64,
        )
        for r in to_approve
    )
    DeploymentRequest.objects.filter(pk__in=[r.pk for r in to_approve]).update(state="approved")


def portfolio_size(team) -> int:
    return ModelService.objects.filter(owner_team=team).count()
