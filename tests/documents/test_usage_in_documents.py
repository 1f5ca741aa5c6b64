"""Usage and cost in the documents (issue 22, point 4): the Annex IV post-market section
(point 9) shows the model's use month by month with this version's share, and the portfolio
report has a usage and cost chapter (totals, top models by cost and by use, high-risk models
by use). Figures are checked against sums computed here, in the composed data and in the
PDF's text."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals import services as approval_services
from documents import services as document_services
from documents.kinds import annex_iv, portfolio
from documents.models import GeneratedDocument
from tests.approvals.approval_helpers import assessed_model, meet_all_obligations
from tests.documents.test_annex_iv import save_pngs
from tests.usage.focus_files import csv_bytes, row
from usage import services as usage_services

pytestmark = pytest.mark.django_db


def _deploy(personas, version, environment):
    """Approved (a high-risk model by the compliance officer and a reviewer) and recorded."""
    request = approval_services.deployment_request_create(
        actor=personas.owner, model_version=version, environment=environment, justification="r"
    )
    for reviewer in (personas.compliance, personas.reviewer):
        request = approval_services.deployment_request_decide(
            actor=reviewer, request=request, verdict="approve"
        )
        if request.state == "approved":
            break
    return approval_services.deployment_record(
        actor=personas.ci_bot, model_version=version, environment=environment
    )


@pytest.fixture
def used_model(personas):
    """credit-scoring v1 in staging and v2 in production, served in October and November
    2026, with cost in EUR for both months and in USD for November."""
    model = assessed_model(personas, "high", name="credit-scoring", versions=("1", "2"))
    meet_all_obligations(personas, model)  # a high-risk model is approved only then
    v1, v2 = model.versions.get(version="1"), model.versions.get(version="2")
    staging, production = _deploy(personas, v1, "staging"), _deploy(personas, v2, "production")
    day = usage_services.DayUsage
    usage_services.usage_days_record(
        actor=None, deployment=production,
        days=[day(date(2026, 10, 1), 3000, 30, 40.0, 120.0),
              day(date(2026, 10, 2), 1000, 10, 42.0, 180.0),
              day(date(2026, 11, 3), 6000, 12, 41.0, 150.0)],
    )  # fmt: skip
    usage_services.usage_days_record(
        actor=None, deployment=staging, days=[day(date(2026, 11, 3), 2000, 0, 30.0, 90.0)]
    )
    tag = {"attest-model": "credit-scoring"}
    rows = [
        row(effective="12.50", tags=tag),
        row(effective="7.50", tags=tag),
        row(effective="30.00", start="2026-11-02T00:00:00Z", end="2026-11-03T00:00:00Z", tags=tag),
        row(effective="4.00", currency="USD", start="2026-11-02T00:00:00Z",
            end="2026-11-03T00:00:00Z", tags=tag),
    ]  # fmt: skip
    usage_services.cost_import_create(
        actor=personas.compliance,
        upload=SimpleUploadedFile("f.csv", csv_bytes(rows)),
        file_name="f.csv",
    )
    return model


def _pdf_text(document) -> str:
    with document.file.open("rb") as handle:
        out = subprocess.run(["pdftotext", "-", "-"], input=handle.read(), capture_output=True)
    return re.sub(r"\s+", " ", out.stdout.decode())


def test_annex_iv_point_9_shows_use_month_by_month_with_this_versions_share(
    personas, used_model, django_capture_on_commit_callbacks
):
    v2 = used_model.versions.get(version="2")
    data = annex_iv.compose(GeneratedDocument(model_service=used_model, model_version=v2))
    usage = data["usage"]
    assert [m["month"] for m in usage["months"]] == ["2026-10", "2026-11"]
    october, november = usage["months"]
    assert (october["requests"], october["version_requests"]) == (3000 + 1000, 3000 + 1000)
    assert (november["requests"], november["version_requests"]) == (6000 + 2000, 6000)
    assert october["error_rate"] == f"{100 * 40 / 4000:.2f}" and october["p95_ms"] == "180"
    assert october["cost"] == [["EUR", "20.00"]]
    assert november["cost"] == [["EUR", "30.00"], ["USD", "4.00"]]
    assert november["cost_per_1000"] == [["EUR", f"{30 * 1000 / 8000:.2f}"], ["USD", "0.50"]]
    assert usage["total_requests"] == 12000 and usage["version_requests"] == 10000

    with django_capture_on_commit_callbacks(execute=True):
        document = document_services.document_request(
            actor=personas.owner,
            kind=GeneratedDocument.Kind.ANNEX_IV,
            model_version=v2,
            language="en",  # whatever an earlier test left active
        )
    document.refresh_from_db()
    assert document.status == GeneratedDocument.Status.DONE, document.error
    save_pngs(document, "annex-iv-usage")  # to look at: test-output/documents/
    text = _pdf_text(document)
    assert "Use in production" in text
    assert "2026-11 8000 6000" in text and "30.00 EUR" in text


def test_annex_iv_says_so_when_no_use_was_recorded(personas):
    model = assessed_model(personas, "high", name="unused", versions=("1",))
    data = annex_iv.compose(
        GeneratedDocument(model_service=model, model_version=model.versions.get())
    )
    assert data["usage"] == {"months": [], "total_requests": 0, "version_requests": 0}


def test_the_portfolio_report_has_a_usage_and_cost_chapter_for_the_last_whole_month(
    personas, used_model, django_capture_on_commit_callbacks
):
    other = assessed_model(personas, "minimal", name="churn-light", versions=("1",))
    deployment = _deploy(personas, other.versions.get(), "production")
    usage_services.usage_days_record(
        actor=None,
        deployment=deployment,
        days=[usage_services.DayUsage(date(2026, 11, 5), 9000, 9, 10.0, 20.0)],
    )
    with time_machine.travel(datetime(2026, 12, 7, 12, tzinfo=UTC), tick=False):
        data = portfolio.compose(
            GeneratedDocument(
                kind=GeneratedDocument.Kind.PORTFOLIO, requested_by=personas.compliance
            )
        )
    usage = data["usage"]
    assert usage["month"] == "2026-11"  # the last whole month before 7 December
    assert usage["requests"] == 8000 + 9000 and usage["models_used"] == 2
    assert usage["cost"] == [["EUR", "30.00"], ["USD", "4.00"]]
    assert [m["model"] for m in usage["by_use"]] == ["churn-light", "credit-scoring"]
    assert dict(usage["by_cost"])["EUR"][0]["model"] == "credit-scoring"
    assert [m["model"] for m in usage["high_risk"]] == ["credit-scoring"]
    assert usage["high_risk"][0]["requests"] == 8000

    with django_capture_on_commit_callbacks(execute=True):
        document = document_services.document_request(
            actor=personas.compliance, kind=GeneratedDocument.Kind.PORTFOLIO, language="en"
        )
    document.refresh_from_db()
    assert document.status == GeneratedDocument.Status.DONE, document.error
    save_pngs(document, "portfolio-usage")
    text = _pdf_text(document)
    assert "Usage and cost in" in text and "High-risk models by use" in text
    assert "Top models by use" in text


def test_a_model_owner_sees_only_the_use_of_models_they_may_see(personas, used_model):
    with time_machine.travel(datetime(2026, 12, 7, 12, tzinfo=UTC), tick=False):
        data = portfolio.compose(
            GeneratedDocument(
                kind=GeneratedDocument.Kind.PORTFOLIO, requested_by=personas.other_owner
            )
        )
    assert data["usage"]["requests"] == 0 and data["usage"]["high_risk"] == []
