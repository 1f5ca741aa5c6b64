"""The CI script docs/ci/attest-gate.sh against a real server: open a request, the gate denies
while it awaits review, a reviewer approves in the app, the gate allows, new evidence makes the
approval stale, the gate denies and the deployment is refused. Only curl and a token."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import transaction

from accounts import services as account_services
from accounts.models import ApiToken
from approvals import services
from approvals.models import Deployment, DeploymentRequest
from audit.models import AuditEvent
from risk.models import Obligation
from tests.approvals.approval_helpers import assessed_model

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "ci" / "attest-gate.sh"
MODEL = "credit scoring/retail"  # a space and a slash: the gate query must be URL-encoded
State = DeploymentRequest.State
Scope = ApiToken.Scope

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("curl") is None, reason="the CI script needs curl"),
]


def _token(user, scopes) -> str:
    with transaction.atomic():
        _, token = account_services.api_token_create(
            actor=None, user=user, name="ci", scopes=scopes, expires_in_days=1
        )
    return token


@pytest.fixture
def script(live_server, personas, tmp_path):
    """``script("gate", **extra_env)`` runs the CI script as a pipeline would: bash, curl and
    environment variables, no Python and no Django. Returns (exit code, stdout + stderr)."""
    token = _token(
        personas.ci_bot, [Scope.REQUESTS_WRITE, Scope.GATE_READ, Scope.DEPLOYMENTS_WRITE]
    )
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"auc": 0.91, "ks": 0.42}))
    base = {
        "PATH": os.environ["PATH"],
        "ATTEST_URL": live_server.url + "/",
        "ATTEST_TOKEN": token,
        "MODEL": MODEL,
        "VERSION": "3",
        "ENVIRONMENT": "production",
        "JUSTIFICATION": 'AUC +0.02 on the "2025-Q1" hold-out set.\nNo drift found.',
        "METRICS_JSON": str(metrics),
        "LINKS": "https://ci.example.com/run/41 https://wiki.example.com/eval",
        "REFERENCE": "https://ci.example.com/run/42",
    }

    def run(command: str, **env) -> tuple[int, str]:
        done = subprocess.run(
            ["bash", str(SCRIPT), command],
            env={**base, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        return done.returncode, done.stdout + done.stderr

    return run


def _add_evidence(live_server, personas, model) -> None:
    """The pipeline attaches evidence with curl (its service account, scope evidence:write)."""
    obligation = Obligation.objects.filter(model_service=model, is_current=True).first()
    evidence_token = _token(personas.ci_bot, [Scope.EVIDENCE_WRITE])
    upload = subprocess.run(
        [
            "curl",
            "--silent",
            "--show-error",
            "--fail-with-body",
            "--header",
            f"Authorization: Bearer {evidence_token}",
            "--header",
            "Content-Type: application/json",
            "--data-binary",
            json.dumps({"link": "https://wiki.example.com/bias-audit", "description": "Audit"}),
            f"{live_server.url}/api/v1/obligations/{obligation.pk}/evidence/",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert upload.returncode == 0, upload.stdout + upload.stderr


def _gate_events() -> list[dict]:
    return list(
        AuditEvent.objects.filter(action="governance.gate_answered")
        .order_by("seq")
        .values_list("after", flat=True)
    )


def test_ci_script_request_gate_approve_stale_and_refused_deployment(script, personas, live_server):
    with transaction.atomic():
        model = assessed_model(personas, "minimal", name=MODEL, versions=("3",))

    code, out = script("request")
    assert code == 0, out
    request = DeploymentRequest.objects.get(model_service=model)
    assert request.state == State.SUBMITTED and request.channel == "api"
    assert request.requested_by == personas.ci_bot
    assert request.justification.startswith('AUC +0.02 on the "2025-Q1" hold-out set.\nNo drift')
    assert request.metrics == {"auc": 0.91, "ks": 0.42}
    assert request.links == ["https://ci.example.com/run/41", "https://wiki.example.com/eval"]
    assert str(request.pk) in out and f"/requests/{request.pk}/" in out

    # A re-run pipeline opens nothing new and does not fail.
    code, out = script("request")
    assert code == 0 and "No new request" in out and "already has an open request" in out
    assert DeploymentRequest.objects.filter(model_service=model).count() == 1

    code, out = script("gate")
    assert code == 1, out
    assert "denied" in out and "awaiting review (0 of 1 approvals)" in out

    with transaction.atomic():
        services.deployment_request_decide(
            actor=personas.reviewer, request=request, verdict="approve", comment="Looks good."
        )

    code, out = script("gate")
    assert code == 0, out
    assert "allowed" in out and str(request.pk) in out and "risk tier minimal" in out

    # The pipeline attaches new evidence through the API: what was approved has changed.
    _add_evidence(live_server, personas, model)
    request.refresh_from_db()
    assert request.state == State.STALE

    code, out = script("gate")
    assert code == 1, out
    assert out.startswith("Deploy gate: denied") and "\n  - " in out
    assert "curl:" not in out  # the portal's reasons, not curl's own message
    assert "The approval is stale" in out and "the evidence" in out

    code, out = script("deployed")
    assert code == 1, out
    assert "Deployment refused" in out
    assert not Deployment.objects.exists()

    # Every gate answer is in the audit trail, allowed or not (the refused deployment's own
    # check is not a gate answer: it is the 409 above).
    assert [event["allowed"] for event in _gate_events()] == [False, True, False]
    assert all(event["model"] == MODEL for event in _gate_events())


def test_ci_script_says_the_approval_is_stale_after_new_evidence(script, personas, live_server):
    with transaction.atomic():
        model = assessed_model(personas, "minimal", name=MODEL, versions=("3",))
    assert script("request")[0] == 0
    with transaction.atomic():
        services.deployment_request_decide(
            actor=personas.reviewer,
            request=DeploymentRequest.objects.get(model_service=model),
            verdict="approve",
        )
    assert script("gate")[0] == 0
    _add_evidence(live_server, personas, model)

    code, out = script("gate")
    assert code == 1, out
    assert "stale" in out and "evidence" in out


def test_ci_script_records_a_deployment_of_an_approved_version(script, personas):
    with transaction.atomic():
        model = assessed_model(personas, "minimal", name=MODEL, versions=("3",))
        request = services.deployment_request_create(
            actor=personas.owner,
            model_version=model.versions.get(version="3"),
            environment="production",
            justification="Ready.",
        )
        services.deployment_request_decide(
            actor=personas.reviewer, request=request, verdict="approve"
        )

    code, out = script("gate")
    assert code == 0, out
    code, out = script("deployed")
    assert code == 0, out
    deployment = Deployment.objects.get()
    assert deployment.approval_id == request.pk and str(deployment.pk) in out
    assert deployment.reference == "https://ci.example.com/run/42"
    assert deployment.deployed_by == personas.ci_bot


def test_ci_script_fails_closed_and_says_why(script, personas, live_server):
    with transaction.atomic():
        assessed_model(personas, "minimal", name=MODEL, versions=("3",))

    code, out = script("gate", ATTEST_TOKEN="attest_notatoken_nope")
    assert code == 3 and "HTTP 401" in out and "ATTEST_TOKEN" in out

    gate_only = _token(personas.ci_bot, [Scope.GATE_READ])
    code, out = script("request", ATTEST_TOKEN=gate_only)
    assert code == 3 and "HTTP 403" in out and "requests:write" in out

    code, out = script("request", ENVIRONMENT="moon")
    assert code == 3 and "HTTP 400" in out and "Unknown environment" in out

    code, out = script("gate", VERSION="99")
    assert code == 1 and "has no version '99'" in out

    code, out = script("gate", MODEL="")
    assert code == 2 and "set MODEL" in out

    # Nobody listening: the gate does not pass.
    code, out = script("gate", ATTEST_URL="http://127.0.0.1:9/")
    assert code == 3 and "no answer" in out
    assert not DeploymentRequest.objects.exists()
