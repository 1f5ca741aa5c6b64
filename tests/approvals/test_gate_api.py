"""The CI API: deployment requests, decisions, the deploy gate (P7) and deployments.

P1/P2 by API, P7 (unapproved / rejected / expired / revoked / stale / wrong environment →
deny, approved → allow, database error → deny), every gate answer audited, token scopes (S5)
and the gate's rate limit (S6)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from approvals import services
from approvals.models import DeploymentRequest
from audit.models import AuditEvent
from catalog.models import ModelVersion
from risk.models import Obligation
from tests.approvals.approval_helpers import assessed_model
from tests.factories import ModelServiceFactory, ModelVersionFactory

pytestmark = pytest.mark.django_db
Scope = ApiToken.Scope
CI_SCOPES = (Scope.GATE_READ, Scope.REQUESTS_WRITE, Scope.DEPLOYMENTS_WRITE, Scope.EVIDENCE_WRITE)


@pytest.fixture
def ci(api_token):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {api_token(scopes=CI_SCOPES)}"
    return client


def gate(client, model, version="1", environment="production"):
    return client.get(
        "/api/v1/gate/", {"model": model.name, "version": version, "environment": environment}
    )


def open_request(client, model, version="1", environment="production", **extra):
    return client.post(
        "/api/v1/deployment-requests/",
        {
            "model": model.name,
            "version": version,
            "environment": environment,
            "justification": "AUC up 2 points",
            "metrics": {"auc": 0.91, "ks": 0.42},
            **extra,
        },
        content_type="application/json",
    )


def approve(personas, request_id):
    return services.deployment_request_decide(
        actor=personas.reviewer,
        request=DeploymentRequest.objects.get(pk=request_id),
        verdict="approve",
    )


def test_ci_opens_a_request_and_the_gate_follows_the_approval(personas, ci):
    model = assessed_model(personas, "minimal")
    created = open_request(ci, model)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "submitted" and body["metrics"] == {"auc": 0.91, "ks": 0.42}
    assert DeploymentRequest.objects.get(pk=body["id"]).channel == "api"

    denied = gate(ci, model)
    assert denied.status_code == 409
    assert denied.json() == {"allowed": False, "reasons": [mock.ANY], "decision": mock.ANY}
    assert "awaiting review" in denied.json()["reasons"][0]

    approval = approve(personas, body["id"])
    allowed = gate(ci, model)
    assert allowed.status_code == 200, allowed.content
    assert allowed.json() == {
        "allowed": True,
        "approval_id": str(approval.pk),
        "risk_tier": "minimal",
        "fingerprint": approval.fingerprint,
        "expires_at": mock.ANY,
        "decision": mock.ANY,
    }
    assert AuditEvent.objects.filter(action="governance.gate_answered").count() == 2
    last = AuditEvent.objects.filter(action="governance.gate_answered").latest("seq")
    assert last.after["allowed"] is True and last.actor_label == "ci-bot"
    # polling the request with the same token
    polled = ci.get(f"/api/v1/deployment-requests/{body['id']}/").json()
    assert polled["state"] == "approved" and polled["decisions"][0]["approver"] == "reviewer"


def test_p7_every_way_to_be_denied(personas, ci):
    model = assessed_model(personas, "minimal", versions=("1", "2", "3", "4", "5", "6"))
    reasons = {}

    # 1: no request at all
    reasons["unapproved"] = gate(ci, model, "1")
    # 2: rejected
    rid = open_request(ci, model, "2").json()["id"]
    services.deployment_request_decide(
        actor=personas.reviewer,
        request=DeploymentRequest.objects.get(pk=rid),
        verdict="reject",
        comment="Fairness report missing.",
    )
    reasons["rejected"] = gate(ci, model, "2")
    # 3: expired (the beat task has not run yet: the gate checks the time itself)
    expired = approve(personas, open_request(ci, model, "3").json()["id"])
    DeploymentRequest.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    reasons["expired"] = gate(ci, model, "3")
    # 4: revoked
    revoked = approve(personas, open_request(ci, model, "4").json()["id"])
    services.approval_revoke(actor=personas.compliance, request=revoked, reason="Drift found.")
    reasons["revoked"] = gate(ci, model, "4")
    # 5: stale — the registry tags changed behind our back (no service noticed): the gate
    # recomputes the fingerprint on every call.
    approve(personas, open_request(ci, model, "5").json()["id"])
    ModelVersion.objects.filter(model_service=model, version="5").update(
        tags={"training_data": "v2"}
    )
    reasons["stale"] = gate(ci, model, "5")
    # 6: wrong environment
    approve(personas, open_request(ci, model, "6", environment="staging").json()["id"])
    reasons["wrong-environment"] = gate(ci, model, "6", environment="production")
    reasons["unknown-environment"] = gate(ci, model, "6", environment="moon")
    assert gate(ci, model, "6", environment="staging").status_code == 200

    expected = {
        "unapproved": "No deployment request",
        "rejected": "rejected: Fairness report missing.",
        "expired": "expired",
        "revoked": "revoked: Drift found.",
        "stale": "stale: the version's registry tags changed",
        "wrong-environment": "approved for staging, not for production",
        "unknown-environment": "Unknown environment",
    }
    for case, answer in reasons.items():
        assert answer.status_code == 409, case
        assert answer.json()["allowed"] is False, case
        assert expected[case] in " ".join(answer.json()["reasons"]), (case, answer.json())
    assert AuditEvent.objects.filter(
        action="governance.gate_answered", after__allowed=False
    ).count() == len(reasons)


def test_p7_a_database_error_denies(personas, ci):
    model = assessed_model(personas, "minimal")
    approve(personas, open_request(ci, model).json()["id"])
    assert gate(ci, model).status_code == 200
    with mock.patch("approvals.gate.evaluate", side_effect=DatabaseError("connection lost")):
        answer = gate(ci, model)
    assert answer.status_code == 409
    assert answer.json()["reasons"] == ["The gate could not check the approval; failing closed."]
    # an allow that cannot be written to the audit trail is not given either
    with mock.patch("approvals.gate.audit_record", side_effect=DatabaseError("disk full")):
        answer = gate(ci, model)
    assert answer.status_code == 409 and "could not record" in answer.json()["reasons"][0]


def test_gate_input_errors_scopes_and_rate_limit(personas, ci, api_token, settings):
    model = assessed_model(personas, "minimal")
    assert ci.get("/api/v1/gate/", {"model": model.name}).status_code == 400
    unknown = gate(ci, type(model)(name="nope"))
    assert unknown.status_code == 409 and "No model named 'nope'" in unknown.json()["reasons"][0]
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(scopes=[Scope.CATALOG_READ])}")
    assert gate(reader, model).status_code == 403  # S5: wrong scope
    assert open_request(reader, model).status_code == 403
    expired = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(scopes=CI_SCOPES, days=1)}")
    ApiToken.objects.filter(name="test").update(expires_at=timezone.now())
    assert gate(expired, model).status_code == 401  # S5: expired
    settings.ATTEST_RATE_GATE = "3/60"
    fresh = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(scopes=CI_SCOPES)}")
    codes = [gate(fresh, model).status_code for _ in range(4)]
    assert codes[:3] == [409, 409, 409] and codes[3] == 429
    assert int(gate(fresh, model)["Retry-After"]) > 0


def test_request_api_errors(personas, ci):
    model = assessed_model(personas, "minimal")
    assert open_request(ci, model, version="99").status_code == 404
    bad_env = open_request(ci, model, environment="moon")
    assert bad_env.status_code == 400 and "environment" in bad_env.json()["errors"]
    assert open_request(ci, model, metrics={"auc": "high"}).status_code == 400
    assert open_request(ci, model).status_code == 201
    duplicate = open_request(ci, model)
    assert (
        duplicate.status_code == 409 and "already has an open request" in duplicate.json()["detail"]
    )
    prohibited = assessed_model(personas, "prohibited")
    refused = open_request(ci, prohibited)
    assert refused.status_code == 400 and "Prohibited" in str(refused.json()["errors"])
    foreign = ModelServiceFactory(owner_team=personas.other_team)
    ModelVersionFactory(model_service=foreign, version="1")
    assert open_request(ci, type(model)(name="nope")).status_code == 404
    # another team's model: the CI token cannot see it, so it does not exist for it
    foreign_ci = open_request(ci, foreign)
    assert foreign_ci.status_code == 404


def test_decisions_by_api_p1_p2_and_tokens_never_decide(personas, ci, client_for):
    model = assessed_model(personas, "high")
    for o in Obligation.objects.filter(model_service=model, is_current=True):
        o.status = "not_applicable"
        o.justification = "test"
        o.save()
    rid = open_request(ci, model).json()["id"]
    url = f"/api/v1/deployment-requests/{rid}/decisions/"
    assert ci.post(url, {"verdict": "approve"}, content_type="application/json").status_code == 403
    # P1 by API: the requester (here a model owner opening the request) approving it
    owner_rid = open_request(client_for(personas.owner), model, version="1", environment="staging")
    own = client_for(personas.owner).post(
        f"/api/v1/deployment-requests/{owner_rid.json()['id']}/decisions/",
        {"verdict": "approve"},
        content_type="application/json",
    )
    assert own.status_code == 403 and "Separation of duties" in own.json()["detail"]
    reviewer = client_for(personas.reviewer)
    first = reviewer.post(url, {"verdict": "approve"}, content_type="application/json")
    assert first.status_code == 200 and first.json()["state"] == "submitted"
    # P2: the same approver twice
    again = reviewer.post(url, {"verdict": "approve"}, content_type="application/json")
    assert again.status_code == 409 and "already decided" in again.json()["detail"]
    no_comment = client_for(personas.compliance).post(
        url, {"verdict": "reject"}, content_type="application/json"
    )
    assert no_comment.status_code == 400 and "comment" in no_comment.json()["errors"]
    done = client_for(personas.compliance).post(
        url, {"verdict": "approve"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["state"] == "approved"
    assert client_for(personas.outsider).post(url, {"verdict": "approve"}).status_code == 404


def test_deployment_is_recorded_only_under_a_valid_approval(personas, ci):
    model = assessed_model(personas, "minimal")
    payload = {
        "model": model.name,
        "version": "1",
        "environment": "production",
        "reference": "https://ci.example.com/run/42",
    }
    refused = ci.post("/api/v1/deployments/", payload, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["reasons"]
    approval = approve(personas, open_request(ci, model).json()["id"])
    done = ci.post("/api/v1/deployments/", payload, content_type="application/json")
    assert done.status_code == 201, done.content
    assert done.json()["approval_id"] == str(approval.pk)
    event = AuditEvent.objects.get(action="governance.deployment_recorded")
    assert event.after["reference"] == "https://ci.example.com/run/42"


def test_the_gate_names_a_missing_compliance_approval_not_3_of_2(personas):
    """Red-team finding 8: two reviewers approved a high-risk request and the gate said
    "(3 of 2 approvals)"-like counts; what is missing is a compliance officer."""
    from approvals import gate
    from approvals import services as approval_services
    from tests.approvals.approval_helpers import assessed_model, meet_all_obligations

    model = assessed_model(personas, "high")
    meet_all_obligations(personas, model)
    request = approval_services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="1"),
        environment="production",
        justification="x",
    )
    personas.team.reviewers.add(personas.other_reviewer)
    for reviewer in (personas.reviewer, personas.other_reviewer):
        request = approval_services.deployment_request_decide(
            actor=reviewer, request=request, verdict="approve"
        )
    answer = gate.evaluate(model_version=request.model_version, environment="production")
    assert answer.allowed is False
    assert answer.reasons == [
        "The request is awaiting review (2 of 2 approvals; "
        "1 approval(s) by a compliance officer needed)."
    ]
