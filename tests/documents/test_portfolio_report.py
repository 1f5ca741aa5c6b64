"""Portfolio compliance report: scope (the requester's view, optionally one team), content
(tiers, reviews, approvals, obligations, drift, incidents), a bounded number of queries for
1,000 models, parameter validation, and hostile field values rendered escaped with no fetch
outside the portal's static files (reference/reliability-tests.md B2)."""

from __future__ import annotations

import socket
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from approvals.models import DeploymentRequest
from catalog.models import ModelService, ModelVersion
from common.text import LONG_TEXT
from documents import rendering, services
from documents.kinds import annex_iv, portfolio
from documents.models import GeneratedDocument
from risk.models import Obligation, RiskAssessment
from tests.approvals.approval_helpers import assessed_model
from tests.documents.portfolio_world import request_report, unsaved
from tests.documents.test_annex_iv import flat, pdf_text, save_pngs
from tests.factories import ModelServiceFactory

pytestmark = pytest.mark.django_db
Kind = GeneratedDocument.Kind


def test_compliance_report_counts_tiers_reviews_and_approvals(
    personas, portfolio_world, django_capture_on_commit_callbacks
):
    document = request_report(django_capture_on_commit_callbacks, personas.compliance)
    save_pngs(document, "portfolio")
    text = flat(pdf_text(document))
    data = portfolio.compose(document)

    assert {t["tier"]: t["count"] for t in data["tiers"]} == {
        "prohibited": 0,
        "high": 2,
        "limited": 1,
        "minimal": 2,
        "unassessed": 0,
    }
    assert data["totals"]["models"] == 5 and data["totals"]["overdue"] == 1
    for name in ("retail-credit-pd", "support-chatbot", "card-fraud-scorer", "txn-anomaly"):
        assert name in text
    assert "Models by risk tier" in text and "Pending and overdue reviews" in text
    assert "overdue" in text and "3 days" in text.replace("3days", "3 days")  # waiting request
    assert "approved v1" in text and "awaiting review" in text
    assert "Approvals expiring soon" in text and "demand-forecast" in text
    assert "Alias production moved to v1" in text  # drift
    assert "No incidents have been recorded for the models in scope." in text
    assert "does not track production incidents" not in text
    assert "ci.example.com/run/" in text  # deployments reported by CI
    pending = data["pending"][0]
    assert (pending["model"], pending["overdue"], pending["waiting_days"]) == (
        "retail-credit-pd",
        True,
        3,
    )
    assert [e["model"] for e in data["expiring"]] == ["demand-forecast"]
    assert document.content_hash in text.replace(" ", "")


def test_team_filter_keeps_only_that_teams_models(personas, portfolio_world):
    data = portfolio.compose(unsaved(personas.compliance, team="fraud", since=""))
    assert sorted(m["name"] for m in data["register"]) == ["card-fraud-scorer", "txn-anomaly"]
    assert data["pending"] == [] and data["drift"] == []
    assert portfolio.title(unsaved(personas.compliance, team="fraud")).endswith("Fraud")


def test_an_owners_report_covers_only_what_the_owner_may_see(personas, portfolio_world):
    data = portfolio.compose(unsaved(personas.owner, team="", since=""))
    assert sorted(m["name"] for m in data["register"]) == [
        "demand-forecast",
        "retail-credit-pd",
        "support-chatbot",
    ]
    # Another team's slug gives an empty report, not that team's models.
    assert portfolio.compose(unsaved(personas.owner, team="fraud", since=""))["register"] == []


def test_since_limits_the_events_not_the_current_state(personas, portfolio_world):
    tomorrowish = (timezone.now() + timedelta(days=1)).date()
    data = portfolio.compose(unsaved(personas.compliance, since=tomorrowish.isoformat()))
    assert data["decisions"] == [] and data["deployments"] == []
    assert data["totals"]["models"] == 5 and len(data["pending"]) == 1  # state stays
    everything = portfolio.compose(unsaved(personas.compliance, since=""))
    assert len(everything["decisions"]) == 1 and len(everything["deployments"]) == 1


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"since": "2025-13-01"}, "since"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2999-01-01"}, "since"),
        ({"since": 20250101}, "since"),
        ({"team": "no-such-team"}, "team"),
        ({"team": ["credit-risk"]}, "team"),
        ({"colour": "red"}, "non_field_errors"),
        (["team"], "non_field_errors"),
    ],
)
def test_bad_parameters_are_refused_with_the_field_named(personas, raw, field):
    with pytest.raises(ValidationError) as caught:
        portfolio.clean_parameters(raw)
    assert field in caught.value.message_dict


def test_good_parameters_are_normalised(personas):
    assert portfolio.clean_parameters({}) == {"team": "", "since": ""}
    assert portfolio.clean_parameters({"team": "credit-risk", "since": "2025-01-31"}) == {
        "team": "credit-risk",
        "since": "2025-01-31",
    }


def _bulk_portfolio(team, admin, n: int) -> None:
    """``n`` assessed models with versions, checklists and a few requests, bulk-inserted."""
    tiers = ["high", "limited", "minimal", "unassessed"]
    models = ModelService.objects.bulk_create(
        ModelService(
            id=uuid.uuid4(),
            name=f"bulk-model-{i:04d}",
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
        for k in (9, 10, 13)
    )
    now = timezone.now()
    DeploymentRequest.objects.bulk_create(
        DeploymentRequest(
            id=uuid.uuid4(),
            model_service=v.model_service,
            model_version=v,
            environment="production",
            state="submitted",
            requested_by=admin,
            justification="bulk",
            risk_tier=v.model_service.risk_tier,
            submitted_at=now - timedelta(days=i % 5),
        )
        for i, v in enumerate(versions[:50])
    )


def test_a_thousand_models_take_a_bounded_number_of_queries(
    personas, django_assert_max_num_queries
):
    _bulk_portfolio(personas.team, personas.admin, 1000)
    document = unsaved(personas.compliance, team="", since="2020-01-01")
    with django_assert_max_num_queries(15):  # 12, and 3 for the usage and cost chapter
        data = portfolio.compose(document)
    assert data["totals"]["models"] == 1000 and data["totals"]["pending"] == 50
    assert {t["tier"]: t["count"] for t in data["tiers"]}["high"] == 250
    assert len(data["usage"]["high_risk"]) == 10 and data["usage"]["high_risk_more"] == 240
    # The same number of queries for ten models: nothing is per model.
    with django_assert_max_num_queries(15):
        portfolio.compose(unsaved(personas.compliance, team="fraud", since=""))


HOSTILE_NAMES = [
    "<script>alert('x')</script>",
    "مصنف الائتمان ‮gpj.exe",
    "🚀 credit 🤖 scorer",
    "file:///etc/passwd",
]
HOSTILE_TEXT = (
    '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://169.254.169.254/x.css">'
    "</style><style>* { background: url(https://evil.example/track.png) }</style>"
    "<iframe src=http://127.0.0.1:6379/></iframe> "
)


@pytest.fixture
def fetches():
    """Every URL the PDF renderer asked for, and a socket that refuses to connect."""
    asked: list[str] = []
    original = rendering.LockedFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    connect = mock.Mock(side_effect=AssertionError("the renderer opened a network connection"))
    with (
        mock.patch.object(rendering.LockedFetcher, "fetch", spy),
        mock.patch.object(socket.socket, "connect", connect),
    ):
        yield asked
    connect.assert_not_called()


def test_hostile_field_values_render_escaped_and_fetch_nothing_outside_static(
    personas, django_capture_on_commit_callbacks, fetches
):
    for i, name in enumerate(HOSTILE_NAMES):
        assessed_model(personas, "high" if i == 0 else "minimal", name=name)
    hostile = ModelService.objects.get(name=HOSTILE_NAMES[0])
    hostile.description = (HOSTILE_TEXT * 400)[:LONG_TEXT]  # as long as a description may be
    hostile.intended_use = HOSTILE_TEXT + " مرحبا ‏ 🚀"
    hostile.limitations = "file:///etc/passwd and http://169.254.169.254/latest/meta-data/"
    hostile.save()
    hostile.versions.update(metrics={"<b>auc</b>": "<script>1</script>"})
    ModelServiceFactory(name="z" * 200, owner_team=personas.team, description="x" * LONG_TEXT)

    report = request_report(django_capture_on_commit_callbacks, personas.compliance)
    with django_capture_on_commit_callbacks(execute=True):
        annex = services.document_request(
            actor=personas.owner, kind=Kind.ANNEX_IV, model_version=hostile.versions.get()
        )
    annex.refresh_from_db()
    assert annex.status == GeneratedDocument.Status.DONE, annex.error
    save_pngs(annex, "annex-iv-hostile")
    save_pngs(report, "portfolio-hostile")

    assert fetches and all(u.startswith(rendering.STATIC_ORIGIN) for u in fetches), fetches
    for document in (report, annex):
        text = flat(pdf_text(document))
        assert "<script>alert('x')</script>" in text  # shown as text, not run or dropped
        assert "🚀 credit 🤖 scorer" in text or document.kind == Kind.ANNEX_IV
    assert "U+202E]gpj.exe" in flat(pdf_text(report))  # a bidi override is shown, not obeyed
    annex_text = flat(pdf_text(annex))
    assert '<img src="file:///etc/passwd">' in annex_text
    assert "<b>auc</b>" in annex_text
    assert annex.pages < 60  # 20,000 characters of text are long, not endless
    # The markup never reached the HTML as markup.
    html = services._html(
        portfolio.BUILDER, report, portfolio.compose(report), volatile=False
    ) + services._html(annex_iv.BUILDER, annex, annex_iv.compose(annex), volatile=False)
    assert "<script>" not in html and "<img src" not in html and "<iframe" not in html
    assert "&lt;script&gt;" in html


def test_no_model_in_scope_gives_an_honest_empty_report(
    personas, django_capture_on_commit_callbacks
):
    document = request_report(django_capture_on_commit_callbacks, personas.outsider)
    text = flat(pdf_text(document))
    assert "No model is in scope" in text
    assert document.pages >= 3


# --- Reports page and API ---------------------------------------------------------------------
def test_reports_page_generates_a_report_and_lists_it(
    personas, portfolio_world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(personas.owner)
    page = client.get("/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Generate portfolio report" in html and "No portfolio report yet" in html
    assert 'value="credit-risk"' in html and 'value="fraud"' not in html  # teams I can see
    assert "<svg" in html and "Models you can see, by risk tier" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/generate/", {"team": "credit-risk", "since": ""})
    document = GeneratedDocument.objects.get(kind=Kind.PORTFOLIO)
    assert response.status_code == 302 and response["Location"] == f"/documents/{document.pk}/"
    assert document.parameters == {"team": "credit-risk", "since": ""}
    assert document.requested_by == personas.owner
    listed = client.get("/reports/").content.decode()
    assert f"/documents/{document.pk}/download/" in listed and "Your portfolio reports" in listed
    # The document page links back to the reports page.
    assert 'href="/reports/"' in client.get(response["Location"]).content.decode()


def test_reports_page_shows_bad_input_without_queuing_anything(personas, client_for):
    client = client_for(personas.owner)
    response = client.post("/reports/generate/", {"team": "", "since": "2025-02-30"})
    assert response.status_code == 400
    assert "is not a date as YYYY-MM-DD" in response.content.decode()
    response = client.post("/reports/generate/", {"team": "nope", "since": ""})
    assert response.status_code == 400
    assert not GeneratedDocument.objects.exists()


def test_reports_list_is_yours_unless_you_read_the_whole_portfolio(
    personas, client_for, django_capture_on_commit_callbacks
):
    mine = services.document_request(actor=personas.owner, kind=Kind.PORTFOLIO)
    theirs = services.document_request(actor=personas.other_owner, kind=Kind.PORTFOLIO)
    owner_page = client_for(personas.owner).get("/reports/").content.decode()
    assert str(mine.pk) in owner_page and str(theirs.pk) not in owner_page
    compliance_page = client_for(personas.compliance).get("/reports/").content.decode()
    assert str(mine.pk) in compliance_page and str(theirs.pk) in compliance_page
    assert "All portfolio reports" in compliance_page


def test_api_queues_a_portfolio_report_and_lists_only_yours(
    personas, client_for, api_token, django_capture_on_commit_callbacks
):
    client = client_for(None)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token(user=personas.owner)}"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/reports/portfolio",
            {"team": "credit-risk", "since": "2025-01-01"},
            content_type="application/json",
            **auth,
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["kind"] == "portfolio" and body["parameters"]["team"] == "credit-risk"
    assert response["Location"] == f"/api/v1/documents/{body['id']}/"
    services.document_request(actor=personas.other_owner, kind=Kind.PORTFOLIO)
    listed = client.get("/api/v1/reports/portfolio", **auth).json()
    assert [d["id"] for d in listed["results"]] == [body["id"]]
    assert listed["results"][0]["status"] == "done"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"since": "01/02/2025"}, "since"),
        ({"team": "no-such-team"}, "team"),
        ({"team": 7}, "team"),
        ({"extra": True}, "non_field_errors"),
    ],
)
def test_api_answers_bad_parameters_with_400(personas, client_for, api_token, body, field):
    response = client_for(None).post(
        "/api/v1/reports/portfolio",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_token()}",
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not GeneratedDocument.objects.exists()
