"""Benchmark document generation (not a test: figures go to the README).

Median wall time over a few runs of the whole pipeline (``document_render``: compose the data,
render the template twice for the content hash, WeasyPrint, store, audit) for:

- a model card PDF (only when the model-card builder is registered);
- an Annex IV technical documentation PDF of a high-risk model;
- a portfolio compliance report over 1,000 models;

and, for each, WeasyPrint alone on the same final HTML (``rendering.render_pdf``), so the
difference is Attest's own overhead (queries, templates, hashing, storage, audit).

Runs on its own throw-away PostgreSQL database (test_<name>_bench) and a temporary media
folder, both removed afterwards.
Usage: make bench   (or .venv/bin/python bench/documents.py; BENCH_DOCUMENT_RUNS=5)
"""

from __future__ import annotations

import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
MEDIA = tempfile.mkdtemp(prefix="attest-bench-media-")
os.environ["MEDIA_ROOT"] = MEDIA

import django  # noqa: E402

django.setup()
logging.getLogger("weasyprint").setLevel(logging.ERROR)  # not the per-page progress
logging.getLogger("fontTools").setLevel(logging.WARNING)

from django.contrib.staticfiles import finders  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts import services as account_services  # noqa: E402
from accounts.models import User  # noqa: E402
from catalog.models import ModelService, ModelVersion  # noqa: E402
from catalog.services import model_service_register  # noqa: E402
from governance import services as governance_services  # noqa: E402
from governance.demo import BASE  # noqa: E402
from governance.documents import rendering  # noqa: E402
from governance.documents import services as documents  # noqa: E402
from governance.documents.registry import BUILDERS, builder_for  # noqa: E402
from governance.models import (  # noqa: E402
    ApprovalDecision,
    DeploymentRequest,
    GeneratedDocument,
    Obligation,
    RiskAssessment,
)

RUNS = int(os.environ.get("BENCH_DOCUMENT_RUNS", "3"))
PORTFOLIO_MODELS = int(os.environ.get("BENCH_PORTFOLIO_MODELS", "1000"))
Kind = GeneratedDocument.Kind
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
    team = account_services.team_create(actor=None, name="Credit Risk", slug="credit-risk")
    admin = User.objects.create(username="bench-admin")
    compliance = User.objects.create(username="bench-compliance")
    account_services.user_role_grant(actor=None, user=admin, role="admin")
    account_services.user_role_grant(actor=None, user=compliance, role="compliance-officer")
    return team, admin, compliance


def high_risk_version(team, admin) -> ModelVersion:
    model = model_service_register(
        actor=None, name="retail-credit-pd", owner_team=team, metadata=CARD
    )
    for v in ("1", "2", "3"):
        version = ModelVersion.objects.create(
            model_service=model,
            version=v,
            version_number=int(v),
            source_uri=f"s3://models/retail-credit-pd/{v}",
            run_id=f"run{v}",
            metrics={"auc": 0.81, "ks": 0.41, "gini_age_gap": 0.02},
        )
    governance_services.assessment_submit(
        actor=admin,
        model_service=model,
        answers={**BASE, "annex_iii_use": "5b_credit_scoring", "profiles_persons": True},
    )
    return version


def bulk_portfolio(team, admin, approver, n: int) -> None:
    """``n`` models across the tiers with versions, checklists and some requests."""
    tiers = ["high", "limited", "minimal", "unassessed"]
    models = ModelService.objects.bulk_create(
        ModelService(
            id=uuid.uuid4(),
            name=f"bench-model-{i:04d}",
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
    DeploymentRequest.objects.bulk_create(
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
    # Two in three become approved, with the approval the database insists on.
    to_approve = DeploymentRequest.objects.filter(decided_at__isnull=False)
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
    to_approve.update(state="approved")


def new_document(kind: str, actor, version=None, parameters=None) -> GeneratedDocument:
    return GeneratedDocument.objects.create(
        kind=kind,
        model_service=version.model_service if version else None,
        model_version=version,
        parameters=parameters or {},
        requested_by=actor,
        revision=GeneratedDocument.objects.filter(kind=kind).count() + 1,
    )


def measure(label: str, kind: str, actor, version=None, parameters=None) -> None:
    pipeline, weasy, pages = [], [], 0
    for _ in range(RUNS):
        document = new_document(kind, actor, version, parameters)
        start = time.perf_counter()
        document = documents.document_render(document_pk=document.pk)
        pipeline.append(time.perf_counter() - start)
        pages = document.pages
        # WeasyPrint alone on the same final HTML.
        builder = builder_for(kind)
        html = documents._html(builder, document, builder.compose(document), volatile=True)
        start = time.perf_counter()
        rendering.render_pdf(html, find_static=finders.find)
        weasy.append(time.perf_counter() - start)
    p, w = statistics.median(pipeline), statistics.median(weasy)
    print(
        f"{label:<38} {pages:>4} pages   pipeline {p:6.2f} s   WeasyPrint alone {w:6.2f} s   "
        f"overhead {p - w:5.2f} s ({100 * (p - w) / p:.0f}%)"
    )


def main() -> None:
    creation = connection.creation
    name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
    print(f"database {name}; median of {RUNS} runs each")
    try:
        team, admin, compliance = people()
        version = high_risk_version(team, admin)
        builder_for(Kind.ANNEX_IV)  # imports and registers every builder
        if Kind.MODEL_CARD in BUILDERS:
            measure("model card", Kind.MODEL_CARD, admin, version)
        else:
            print("model card: skipped (no model_card builder registered yet)")
        measure("Annex IV technical documentation", Kind.ANNEX_IV, admin, version)
        bulk_portfolio(team, admin, compliance, PORTFOLIO_MODELS)
        measure(
            f"portfolio report, {PORTFOLIO_MODELS + 1:,} models",
            Kind.PORTFOLIO,
            compliance,
            parameters={"team": "", "since": ""},
        )
    finally:
        creation.destroy_test_db(name, verbosity=0)
        shutil.rmtree(MEDIA, ignore_errors=True)


if __name__ == "__main__":
    main()
