"""The document page (issue 20, point 8): it states where a requested document is (queued,
rendering, ready, failed) and refreshes itself only while it is on its way; once ready it shows
the Annex IV completeness (items present and missing) and the portfolio report's scope (teams,
models, period), taken from the data the document was composed from, not from today's records.
The documents are rendered for real (compose → WeasyPrint → signed PDF)."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.urls import reverse

from documents.kinds import annex_iv
from documents.models import GeneratedDocument
from tests.approvals.approval_helpers import assessed_model
from tests.documents.portfolio_world import request_report
from tests.documents.test_annex_iv import credit_model, generate  # noqa: F401,F811 - the fixture

pytestmark = pytest.mark.django_db
Status = GeneratedDocument.Status
REFRESH = '<meta http-equiv="refresh"'


def _page(client, document) -> str:
    response = client.get(reverse("documents:document-detail", args=[document.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "status,label,refreshes",
    [
        (Status.QUEUED, "Queued", True),
        (Status.RENDERING, "Rendering", True),
        (Status.FAILED, "Generation failed.", False),
    ],
)
def test_the_page_states_where_the_document_is(personas, client_for, status, label, refreshes):
    model = assessed_model(personas, "minimal", name="churn-scorer")
    document = GeneratedDocument.objects.create(
        kind=GeneratedDocument.Kind.MODEL_CARD,
        model_service=model,
        model_version=model.versions.get(),
        requested_by=personas.owner,
        status=status,
        progress=60 if status == Status.RENDERING else 0,
        progress_label="Rendering the PDF"
        if status == Status.RENDERING
        else "Waiting for a worker",
        error="TimestampUnavailable: the TSA did not answer" if status == Status.FAILED else "",
    )
    html = _page(client_for(personas.owner), document)
    assert label in html
    assert (REFRESH in html) is refreshes
    if status == Status.RENDERING:
        assert "Rendering the PDF" in html and 'value="60"' in html
    if status == Status.FAILED:
        assert "the TSA did not answer" in html and "Download PDF" not in html


def test_a_ready_annex_iv_shows_its_completeness(
    personas,
    client_for,
    credit_model,  # noqa: F811 - the fixture imported above
    django_capture_on_commit_callbacks,
):
    version = credit_model.versions.get(version="3")
    document = generate(django_capture_on_commit_callbacks, personas.owner, version)
    composed = annex_iv.compose(document)["completeness"]
    html = _page(client_for(personas.owner), document)
    assert REFRESH not in html and "Ready" in html
    stated = re.search(r"(\d+) of (\d+) required items present \((\d+)%\)", html)
    assert stated, "no completeness on the page"
    assert [int(x) for x in stated.groups()] == [
        composed["present"],
        composed["required"],
        composed["percent"],
    ]
    missing = re.search(r"<ul class=\"small\" data-missing-items>(.*?)</ul>", html, re.S).group(1)
    assert missing.count("<li>") == composed["missing"] > 0
    for item in document.summary["annex_iv"]["missing_items"]:
        assert item["title"] in html_lib.unescape(missing)

    # The page shows what this revision holds: filling a gap later does not change it.
    credit_model.intended_users = ""
    credit_model.save()
    assert stated.group(0) in _page(client_for(personas.owner), document)


def test_a_ready_portfolio_report_shows_its_scope(
    personas, client_for, portfolio_world, django_capture_on_commit_callbacks
):
    team = request_report(
        django_capture_on_commit_callbacks, personas.compliance, team="fraud", since="2025-01-01"
    )
    html = _page(client_for(personas.compliance), team)
    scope = re.search(r"<dl [^>]*data-report-scope>(.*?)</dl>", html, re.S).group(1)
    assert "Fraud" in scope and "from 2025-01-01 to" in scope
    models = re.search(r"Models</dt><dd>(\d+)</dd>", scope).group(1)
    assert int(models) == team.summary["portfolio"]["models"] > 0

    everything = request_report(django_capture_on_commit_callbacks, personas.compliance)
    scope = re.search(
        r"<dl [^>]*data-report-scope>(.*?)</dl>",
        _page(client_for(personas.compliance), everything),
        re.S,
    ).group(1)
    assert "all teams you may see" in scope and "everything up to" in scope
    for name in everything.summary["portfolio"]["teams"]:
        assert name in scope
    assert len(everything.summary["portfolio"]["teams"]) >= 2
