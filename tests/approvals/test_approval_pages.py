"""Reviewer inbox, decision page, request form and the POST actions: status codes per persona,
what each persona is offered, and that the pages call the services (nothing half-written)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from approvals import services
from approvals.models import ApprovalDecision, DeploymentRequest, DriftFinding
from audit.models import AuditEvent
from tests.approvals.approval_helpers import assessed_model, meet_all_obligations
from tests.factories import ModelServiceFactory, ModelVersionFactory

State = DeploymentRequest.State
pytestmark = pytest.mark.django_db


def _request(personas, model, environment="production", version="1", **kwargs):
    return services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version=version),
        environment=environment,
        justification="Better AUC on the hold-out set.",
        metrics={"auc": 0.91},
        **kwargs,
    )


def _detail(request_row) -> str:
    return reverse("approvals:request-detail", args=[request_row.pk])


def _action(name: str, request_row) -> str:
    return reverse(f"approvals:request-{name}", args=[request_row.pk])


@pytest.fixture
def minimal(personas):
    return assessed_model(personas, "minimal", name="churn-scorer", versions=("1", "2"))


@pytest.fixture
def submitted(personas, minimal):
    return _request(personas, minimal)


# --- Inbox ----------------------------------------------------------------------------------
def test_reviewer_sees_the_request_in_the_inbox_and_the_requester_does_not(
    personas, client_for, submitted
):
    reviewer_page = client_for(personas.reviewer).get(reverse("approvals:inbox"))
    assert reviewer_page.status_code == 200
    assert [i["request"].pk for i in reviewer_page.context["items"]] == [submitted.pk]
    html = reviewer_page.content.decode()
    assert "churn-scorer" in html and "0 of 1" in html and "waiting" in html

    owner_page = client_for(personas.owner).get(reverse("approvals:inbox"))
    assert owner_page.status_code == 200 and owner_page.context["items"] == []
    assert "Nothing waiting for you" in owner_page.content.decode()
    # compliance officers decide every team's requests; a reviewer outside the pool nothing
    assert len(client_for(personas.compliance).get("/reviews/").context["items"]) == 1
    assert client_for(personas.other_reviewer).get("/reviews/").context["items"] == []


def test_inbox_lists_oldest_first_and_filters(personas, client_for, minimal):
    other = assessed_model(personas, "minimal", name="fraud-ranker")
    first = _request(personas, minimal)
    second = _request(personas, other, environment="staging")
    client = client_for(personas.reviewer)
    rows = client.get("/reviews/").context["items"]
    assert [i["request"].pk for i in rows] == [first.pk, second.pk]
    assert [
        i["request"].pk for i in client.get("/reviews/?environment=staging").context["items"]
    ] == [second.pk]
    assert [i["request"].pk for i in client.get("/reviews/?q=churn").context["items"]] == [first.pk]
    page = client.get("/reviews/?tier=high")
    assert page.context["items"] == [] and "Nothing matches these filters" in page.content.decode()


def test_inbox_highlights_requests_waiting_longer_than_the_sla(personas, client_for, submitted):
    from datetime import timedelta

    from django.utils import timezone

    DeploymentRequest.objects.filter(pk=submitted.pk).update(
        submitted_at=timezone.now() - timedelta(days=3, hours=1)
    )
    page = client_for(personas.reviewer).get("/reviews/")
    item = page.context["items"][0]
    assert item["waiting"] == {"label": "3 days", "overdue": True}
    assert "waiting 3 days" in page.content.decode() and "is-overdue" in page.content.decode()


def test_inbox_warns_about_open_drift_the_user_may_see(personas, client_for, minimal):
    DriftFinding.objects.create(
        model_service=minimal,
        model_version=minimal.versions.get(version="2"),
        environment="production",
        alias="production",
        detail="The registry alias 'production' points at version 2, moved outside Attest.",
    )
    assert "moved outside Attest" in client_for(personas.reviewer).get("/reviews/").content.decode()
    page = client_for(personas.other_owner).get("/reviews/")
    assert "moved outside Attest" not in page.content.decode()


def test_navigation_counts_my_inbox(personas, client_for, submitted):
    html = client_for(personas.reviewer).get(reverse("catalog:model-list")).content.decode()
    assert re.search(r'class="nav-count"[^>]*>1<', html)
    html = client_for(personas.owner).get(reverse("catalog:model-list")).content.decode()
    assert ">Reviews</a>" in html and "nav-count" not in html


# --- The decision page ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("owner", 200),
        ("teammate", 200),
        ("reviewer", 200),
        ("compliance", 200),
        ("auditor", 200),
        ("admin", 200),
        ("other_owner", 404),
        ("other_reviewer", 404),
        ("viewer", 404),
        ("outsider", 404),
    ],
)
def test_request_page_answers_each_persona(personas, client_for, submitted, persona, status):
    assert client_for(getattr(personas, persona)).get(_detail(submitted)).status_code == status


def test_request_page_needs_sign_in(submitted):
    response = Client().get(_detail(submitted))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


def test_decision_form_only_for_those_who_may_decide(personas, client_for, submitted):
    reviewer = client_for(personas.reviewer).get(_detail(submitted))
    assert reviewer.context["can_decide"]
    assert 'value="approve"' in reviewer.content.decode()

    owner = client_for(personas.owner).get(_detail(submitted))
    html = owner.content.decode()
    assert not owner.context["can_decide"] and 'value="approve"' not in html
    assert "You requested this; someone else must decide" in html
    assert owner.context["can_withdraw"] and "Withdraw request" in html

    auditor = client_for(personas.auditor).get(_detail(submitted)).content.decode()
    assert 'value="approve"' not in auditor and "Only the owning team" in auditor
    assert "Withdraw request" not in auditor


def test_request_page_shows_everything_needed_to_decide(personas, client_for):
    model = assessed_model(personas, "high", name="credit-pd", card=False)
    request = _request(personas, model)
    page = client_for(personas.reviewer).get(_detail(request))
    html = page.content.decode()
    assert "Cannot be approved yet" in html and "model card is incomplete" in html
    assert "Annex III" in html  # the assessment's reasons with their articles
    assert "Better AUC on the hold-out set." in html and "auc" in html
    assert "s3://models/credit-pd/1" in html and "run1" in html
    assert "2 approvers, at least 1 a compliance officer" in html
    assert "0 of 2 approvals; 0 of 1 by a compliance officer" in html
    assert re.search(r'value="approve"\s+disabled', html)  # blocked: only reject is offered
    assert "never been approved for production" in html


def test_reject_without_comment_shows_the_error_and_writes_nothing(personas, client_for, submitted):
    client = client_for(personas.reviewer)  # signing in is audited: count after it
    events = AuditEvent.objects.count()
    response = client.post(_action("decide", submitted), {"verdict": "reject", "comment": "  "})
    assert response.status_code == 400
    assert "A rejection needs a comment saying why." in response.content.decode()
    assert not ApprovalDecision.objects.exists()
    assert AuditEvent.objects.count() == events
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


def test_reviewer_approves_through_the_page(personas, client_for, submitted):
    client = client_for(personas.reviewer)
    response = client.post(_action("decide", submitted), {"verdict": "approve", "comment": "ok"})
    assert response.status_code == 302 and response["Location"] == _detail(submitted)
    submitted.refresh_from_db()
    assert submitted.state == State.APPROVED and submitted.decisions.get().comment == "ok"
    html = client.get(_detail(submitted)).content.decode()
    assert "Approved: v1 may be deployed to production" in html  # the flash message
    assert submitted.fingerprint in html
    assert client.get("/reviews/").context["items"] == []


def test_reject_with_comment_closes_the_request(personas, client_for, submitted):
    response = client_for(personas.compliance).post(
        _action("decide", submitted),
        {"verdict": "reject", "comment": "Validation missing."},
        follow=True,
    )
    submitted.refresh_from_db()
    assert submitted.state == State.REJECTED
    assert "Validation missing." in response.content.decode()


def test_high_tier_first_approval_keeps_the_request_awaiting_review(personas, client_for):
    model = assessed_model(personas, "high", name="credit-pd")
    meet_all_obligations(personas, model)
    request = _request(personas, model)
    client = client_for(personas.reviewer)
    html = client.post(_action("decide", request), {"verdict": "approve"}, follow=True)
    html = html.content.decode()
    assert "Your approval is recorded. The request still awaits review." in html
    assert "1 of 2 approvals; 0 of 1 by a compliance officer" in html
    assert "You approved this request" in html
    request.refresh_from_db()
    assert request.state == State.SUBMITTED


def test_requester_posting_a_decision_gets_403_and_the_attempt_is_audited(
    personas, client_for, submitted
):
    response = client_for(personas.owner).post(_action("decide", submitted), {"verdict": "approve"})
    assert response.status_code == 403
    assert not ApprovalDecision.objects.exists()
    assert AuditEvent.objects.filter(action="governance.decision_refused").count() == 1


def test_actions_on_invisible_requests_are_404(personas, client_for, submitted):
    client = client_for(personas.other_owner)
    for name, data in [
        ("decide", {"verdict": "approve"}),
        ("withdraw", {}),
        ("submit", {}),
        ("revoke", {"reason": "x"}),
    ]:
        assert client.post(_action(name, submitted), data).status_code == 404, name
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


def test_actions_are_post_only(personas, client_for, submitted):
    client = client_for(personas.reviewer)
    for name in ("decide", "withdraw", "submit", "revoke"):
        assert client.get(_action(name, submitted)).status_code == 405, name


def test_csrf_is_enforced_on_decisions(personas, submitted):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.reviewer)
    refused = client.post(_action("decide", submitted), {"verdict": "approve"})
    assert refused.status_code == 403
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED and not ApprovalDecision.objects.exists()
    # with the token the page's form carries, the same POST goes through
    page = client.get(_detail(submitted)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    accepted = client.post(
        _action("decide", submitted), {"verdict": "approve", "csrfmiddlewaretoken": token}
    )
    assert accepted.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == State.APPROVED


def test_owner_withdraws_and_reviewer_may_not(personas, client_for, submitted):
    assert client_for(personas.reviewer).post(_action("withdraw", submitted)).status_code == 403
    response = client_for(personas.teammate).post(
        _action("withdraw", submitted), {"reason": "Wrong version."}, follow=True
    )
    assert "Request withdrawn." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == State.WITHDRAWN and submitted.closed_reason == "Wrong version."
    # a second withdraw is a conflict, shown as a message, not an error page
    again = client_for(personas.owner).post(_action("withdraw", submitted), follow=True)
    assert again.status_code == 200 and "cannot become withdrawn" in again.content.decode()


def test_owner_submits_a_draft(personas, client_for, minimal):
    draft = _request(personas, minimal, submit=False)
    page = client_for(personas.owner).get(_detail(draft)).content.decode()
    assert "Submit for review" in page
    assert client_for(personas.reviewer).post(_action("submit", draft)).status_code == 403
    response = client_for(personas.owner).post(_action("submit", draft), follow=True)
    assert "Submitted. The reviewers have been told." in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED


def test_revoke_needs_a_reason_and_a_reviewer(personas, client_for, submitted):
    services.deployment_request_decide(
        actor=personas.reviewer, request=submitted, verdict="approve"
    )
    assert (
        client_for(personas.owner).post(_action("revoke", submitted), {"reason": "x"}).status_code
        == 403
    )
    client = client_for(personas.compliance)
    assert "Revoke approval" in client.get(_detail(submitted)).content.decode()
    empty = client.post(_action("revoke", submitted), {"reason": ""})
    assert empty.status_code == 400 and "Say why the approval is revoked." in empty.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == State.APPROVED
    done = client.post(_action("revoke", submitted), {"reason": "Bias found."}, follow=True)
    assert "Approval revoked." in done.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == State.REVOKED
    assert "Bias found." in client.get(_detail(submitted)).content.decode()


def test_request_page_compares_with_the_last_approval(personas, client_for, minimal):
    first = _request(personas, minimal)
    services.deployment_request_decide(actor=personas.reviewer, request=first, verdict="approve")
    second = services.deployment_request_create(
        actor=personas.owner,
        model_version=minimal.versions.get(version="2"),
        environment="production",
        justification="Retrained.",
        metrics={"auc": 0.93},
    )
    page = client_for(personas.reviewer).get(_detail(second))
    html = page.content.decode()
    assert "New version:</span> v1 → v2" in html
    assert page.context["metrics"] == [
        {"name": "auc", "value": 0.93, "previous": 0.91, "delta": pytest.approx(0.02)}
    ]
    assert "the version&#x27;s source URI" in html and "the training run" in html


def test_an_old_request_is_not_compared_with_a_later_approval(personas, client_for, minimal):
    rejected = _request(personas, minimal)
    services.deployment_request_decide(
        actor=personas.reviewer, request=rejected, verdict="reject", comment="Not yet."
    )
    later = _request(personas, minimal, version="2")
    services.deployment_request_decide(actor=personas.reviewer, request=later, verdict="approve")
    page = client_for(personas.reviewer).get(_detail(rejected))
    assert page.context["changes"] is None
    assert "never been approved for production" in page.content.decode()


# --- The request form -----------------------------------------------------------------------
def _create_url(model) -> str:
    return reverse("approvals:request-create", args=[model.pk])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("owner", 200),
        ("teammate", 200),
        ("admin", 200),
        ("reviewer", 403),
        ("compliance", 403),
        ("auditor", 403),
        ("other_owner", 404),
        ("outsider", 404),
    ],
)
def test_request_form_answers_each_persona(personas, client_for, minimal, persona, status):
    assert client_for(getattr(personas, persona)).get(_create_url(minimal)).status_code == status


def test_request_form_shows_versions_environments_and_the_policy(personas, client_for):
    model = assessed_model(personas, "high", name="credit-pd", versions=("1", "2"))
    ModelVersionFactory(model_service=model, version="3", status="pending")
    html = client_for(personas.owner).get(_create_url(model)).content.decode()
    assert ">v2" in html and ">v1" in html and ">v3" not in html  # ready versions only
    assert '<option value="staging"' in html and '<option value="production"' in html
    assert "2 approvers, at least 1 a compliance officer" in html  # production, high
    assert "Valid for 90 days" in html  # staging, high


def test_owner_submits_a_request_through_the_form(personas, client_for, minimal):
    version = minimal.versions.get(version="2")
    response = client_for(personas.owner).post(
        _create_url(minimal),
        {
            "version": version.pk,
            "environment": "staging",
            "justification": "Drift fixed.",
            "metrics": '{"auc": 0.9, "ks": 0.4}',
            "links": "https://wiki.example.com/report\n\nhttps://ci.example.com/run/7\n",
            "action": "submit",
        },
    )
    row = DeploymentRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == _detail(row)
    assert row.state == State.SUBMITTED and row.model_version == version
    assert row.metrics == {"auc": 0.9, "ks": 0.4}
    assert row.links == ["https://wiki.example.com/report", "https://ci.example.com/run/7"]
    assert row.requested_by == personas.owner and row.channel == "web"


def test_save_as_draft(personas, client_for, minimal):
    client_for(personas.owner).post(
        _create_url(minimal),
        {
            "version": minimal.versions.get(version="1").pk,
            "environment": "production",
            "justification": "Later.",
            "action": "draft",
        },
    )
    assert DeploymentRequest.objects.get().state == State.DRAFT


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"metrics": "{auc: 1"}, "metrics", "Not valid JSON"),
        ({"metrics": "[1, 2]"}, "metrics", "A JSON object is expected"),
        ({"metrics": '{"auc": "high"}'}, "metrics", "metric values must be finite numbers"),
        ({"links": "ftp://example.com/x"}, "links", "Not an http(s) URL"),
        ({"justification": ""}, "justification", "This field is required."),
        ({"environment": "moon"}, "environment", "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_inline_and_nothing_is_saved(
    personas, client_for, minimal, data, field, message
):
    client = client_for(personas.owner)
    events = AuditEvent.objects.count()
    payload = {
        "version": minimal.versions.get(version="1").pk,
        "environment": "production",
        "justification": "why",
        "action": "submit",
        **data,
    }
    response = client.post(_create_url(minimal), payload)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field])
    assert message.replace('"', "&quot;") in response.content.decode()
    assert not DeploymentRequest.objects.exists() and AuditEvent.objects.count() == events


def test_second_open_request_is_a_conflict_shown_on_the_form(personas, client_for, submitted):
    response = client_for(personas.owner).post(
        _create_url(submitted.model_service),
        {
            "version": submitted.model_version.pk,
            "environment": "production",
            "justification": "again",
            "action": "submit",
        },
    )
    assert response.status_code == 409
    assert "already has an open request" in response.content.decode()
    assert DeploymentRequest.objects.count() == 1


def test_unassessed_model_asks_for_an_assessment_first(personas, client_for):
    model = ModelServiceFactory(owner_team=personas.team)
    ModelVersionFactory(model_service=model, version="1")
    page = client_for(personas.owner).get(_create_url(model))
    assert page.status_code == 200 and "Assess the model first" in page.content.decode()
    assert "Submit for review" not in page.content.decode()


# --- The model page -------------------------------------------------------------------------
def test_model_page_shows_deployments_per_environment(personas, client_for, submitted, minimal):
    url = reverse("catalog:model-detail", args=[minimal.pk])
    DriftFinding.objects.create(
        model_service=minimal,
        model_version=minimal.versions.get(version="2"),
        environment="production",
        alias="production",
        detail="Alias moved by hand to version 2.",
    )
    owner = client_for(personas.owner).get(url).content.decode()
    assert "Deployments" in owner and "Request deployment" in owner
    assert _detail(submitted) in owner and "Awaiting review" in owner
    assert "Nothing requested yet" in owner  # staging
    assert "Alias moved by hand to version 2." in owner
    reviewer = client_for(personas.reviewer).get(url).content.decode()
    assert "Awaiting review" in reviewer and "Request deployment" not in reviewer
