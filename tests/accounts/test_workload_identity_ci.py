"""docs/ci/attest-gate.sh without a stored Attest token, against a live server: on GitHub
Actions it asks the runner's token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL, emulated by the
local issuer) for an ID token with Attest's audience; on GitLab CI it reads the ID token the
job's ``id_tokens:`` put in ATTEST_ID_TOKEN. A repository no rule names is refused."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts import workload_identity
from approvals import services
from tests.accounts.oidc_issuer import LocalIssuer
from tests.approvals.approval_helpers import assessed_model

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "ci" / "attest-gate.sh"
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("curl") is None, reason="the CI script needs curl"),
]


@pytest.fixture
def issuer(settings):
    settings.ATTEST_OIDC_ALLOW_HTTP_ISSUERS = True
    workload_identity.forget_keys()
    local = LocalIssuer()
    yield local
    local.close()
    workload_identity.forget_keys()


@pytest.fixture
def world(issuer, personas, live_server):
    with transaction.atomic():
        model = assessed_model(personas, "minimal", name="credit-scoring")
        request = services.deployment_request_create(
            actor=personas.owner,
            model_version=model.versions.get(version="1"),
            environment="production",
            justification="AUC up 2 points",
        )
        services.deployment_request_decide(
            actor=personas.reviewer, request=request, verdict="approve"
        )
    for claim in ("repository=acme/credit-models", "project_path=acme/credit-models"):
        call_command(
            "add_trusted_issuer",
            "--issuer", issuer.url, "--audience", "https://attest.example.com",
            "--service-account", "ci-bot", "--claim", claim, "--claim", "environment=production",
            "--scope", "gate:read",
        )  # fmt: skip
    return live_server.url


def _script(url, **env):
    done = subprocess.run(
        ["bash", str(SCRIPT), "gate"],
        env={
            "PATH": os.environ["PATH"],
            "ATTEST_URL": url,
            "MODEL": "credit-scoring",
            "VERSION": "1",
            "ENVIRONMENT": "production",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout + done.stderr


def test_github_actions_without_a_stored_token(world, issuer, tmp_path):
    decision = tmp_path / "decision.jws"
    github = {
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{issuer.url}/token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": issuer.request_token,
        "ATTEST_AUDIENCE": "https://attest.example.com",
    }
    code, out = _script(world, DECISION_FILE=str(decision), **github)
    assert code == 0, out
    assert "Deploy gate: allowed" in out and decision.read_text().startswith("eyJ")
    # The default audience is not Attest's configured one: 401, said so.
    code, out = _script(world, **{**github, "ATTEST_AUDIENCE": "attest"})
    assert code == 3 and "HTTP 401" in out and "another audience" in out
    code, out = _script(world, **{**github, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "stolen"})
    assert code == 3 and "cannot get the job's ID token" in out


def test_gitlab_ci_without_a_stored_token(world, issuer):
    token = issuer.gitlab(audience="https://attest.example.com")
    code, out = _script(world, ATTEST_ID_TOKEN=token)
    assert code == 0, out
    other = issuer.gitlab(audience="https://attest.example.com", project_path="acme/forked")
    code, out = _script(world, ATTEST_ID_TOKEN=other)
    assert code == 3 and "HTTP 403" in out and "No rule" in out


def test_no_credential_at_all_is_a_usage_error(world):
    code, out = _script(world)
    assert code == 2 and "ATTEST_ID_TOKEN" in out
