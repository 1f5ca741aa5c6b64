"""CI by workload identity (issue 23, point 3): a local OIDC issuer on a free port (its own
keys, discovery document and JWKS over HTTP) mints GitHub- and GitLab-shaped ID tokens; the
gate and the CI endpoints accept them as ``Authorization: Bearer <ID token>`` when a rule of a
trusted issuer matches, and refuse wrong audience, expiry, wrong issuer, unknown keys (401,
counted against ATTEST_RATE_TOKEN_FAILURES) and unmatched claims (403). Keys rotate."""

from __future__ import annotations

import random
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import CommandError, call_command
from django.test import Client

from accounts import workload_identity
from accounts.models import IssuerRule, TrustedIssuer
from approvals import decisions, services
from approvals.models import DeploymentRequest
from audit.models import AuditEvent
from tests.accounts.oidc_issuer import LocalIssuer
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db
GATE = "/api/v1/gate/"


@pytest.fixture
def issuer(settings):
    settings.ATTEST_OIDC_ALLOW_HTTP_ISSUERS = True
    workload_identity.forget_keys()
    local = LocalIssuer()
    yield local
    local.close()
    workload_identity.forget_keys()


@pytest.fixture
def trusted(issuer, personas):
    """GitHub-shaped rule: acme/credit-models in environment production → ci-bot, gate:read."""
    call_command(
        "add_trusted_issuer",
        "--issuer", issuer.url, "--audience", "attest", "--service-account", "ci-bot",
        "--claim", "repository=acme/credit-models", "--claim", "environment=production",
        "--scope", "gate:read", "--preset", "github",
    )  # fmt: skip
    return TrustedIssuer.objects.get(issuer=issuer.url)


@pytest.fixture
def approved(personas):
    model = assessed_model(personas, "minimal", name="credit-scoring")
    request = services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="1"),
        environment="production",
        justification="AUC up 2 points",
    )
    services.deployment_request_decide(actor=personas.reviewer, request=request, verdict="approve")
    return model


def _client(token: str) -> Client:
    # Each test from its own address: the failure counter is per address.
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=address)


def _gate(token: str, environment="production", client=None):
    return (client or _client(token)).get(
        GATE, {"model": "credit-scoring", "version": "1", "environment": environment}
    )


def test_a_github_token_passes_the_gate_for_its_repository_and_environment(
    trusted, issuer, approved
):
    token = issuer.github()
    answer = _gate(token)
    assert answer.status_code == 200, answer.content
    payload = jwt.decode(answer.json()["decision"], options={"verify_signature": False})
    assert payload["sub"] == "ci-bot" and payload["allowed"] is True
    rule = IssuerRule.objects.get(issuer=trusted)
    event = AuditEvent.objects.filter(action="governance.gate_answered").latest("seq")
    assert event.actor_label == "ci-bot"
    assert event.after["workload_identity"] == {
        "issuer": issuer.url,
        "rule": str(rule.pk),
        "rule_name": str(rule),
        "sub": "repo:acme/credit-models:environment:production",
        "claims": {"environment": "production", "repository": "acme/credit-models"},
    }
    # The first use of an ID token is audited once, with the rule; a second call is not.
    assert _gate(token).status_code == 200
    accepted = AuditEvent.objects.filter(action="accounts.workload_identity_accepted")
    assert accepted.count() == 1
    assert accepted.get().target_id == str(rule.pk)


@pytest.mark.parametrize(
    "claims",
    [
        {"repository": "acme/other-repo"},
        {"repository": "evil/credit-models"},
        {"environment": "staging"},
    ],
    ids=["other repository", "other owner", "other environment"],
)
def test_a_token_no_rule_matches_is_forbidden(trusted, issuer, approved, claims):
    answer = _gate(issuer.github(**claims))
    assert answer.status_code == 403, answer.content
    assert "No rule of this trusted issuer admits this token" in answer.json()["detail"]
    assert not AuditEvent.objects.filter(action="governance.gate_answered").exists()


def _other_key_token(issuer: LocalIssuer) -> str:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(issuer.github(), options={"verify_signature": False})
    return issuer.mint(claims, key=stranger, kid="not-published")


@pytest.mark.parametrize(
    "make, detail",
    [
        (lambda i: i.github(audience="https://github.com/acme"), "another audience"),
        (lambda i: i.github(issued=int(time.time()) - 900, lifetime=300), "expired"),
        (lambda i: i.github(iss="https://token.actions.githubusercontent.com"), "not trusted"),
        (lambda i: i.github(nbf=int(time.time()) + 600), "not valid yet"),
        (lambda i: i.github(iat=int(time.time()) + 600), "not valid yet"),
        (_other_key_token, "No key of the issuer"),
        (lambda i: i.github()[:-4] + "AAAA", "does not verify"),
    ],
    ids=["wrong audience", "expired", "wrong issuer", "nbf", "iat", "unknown key", "signature"],
)
def test_an_invalid_token_is_unauthenticated(trusted, issuer, approved, make, detail):
    answer = _gate(make(issuer))
    assert answer.status_code == 401, answer.content
    assert detail in answer.json()["detail"]
    assert answer["WWW-Authenticate"] == 'Bearer realm="attest"'


def test_a_token_of_an_untrusted_local_issuer_is_refused(trusted, approved):
    other = LocalIssuer()
    try:
        answer = _gate(other.github())
    finally:
        other.close()
    assert answer.status_code == 401 and "not trusted" in answer.json()["detail"]


def test_invalid_id_tokens_count_against_the_token_failure_limit(
    trusted, issuer, approved, settings
):
    settings.ATTEST_RATE_TOKEN_FAILURES = "2/60"
    client = _client("")
    bad = f"Bearer {issuer.github(audience='nope')}"
    answers = [client.get(GATE, HTTP_AUTHORIZATION=bad).status_code for _ in range(3)]
    assert answers == [401, 401, 429]


def test_keys_rotate_and_an_unknown_kid_refetches_at_most_once_per_cooldown(
    trusted, issuer, approved, monkeypatch
):
    monkeypatch.setattr(workload_identity, "JWKS_REFRESH_COOLDOWN", 0.5)
    workload_identity.forget_keys()
    assert _gate(issuer.github()).status_code == 200
    assert issuer.jwks_hits == 1
    assert _gate(issuer.github()).status_code == 200
    assert issuer.jwks_hits == 1  # cached

    time.sleep(0.6)
    issuer.rotate()  # the issuer signs with a new key from now on, the old one withdrawn
    assert _gate(issuer.github()).status_code == 200  # unknown kid: fetched again at once
    assert issuer.jwks_hits == 2

    # Made-up key ids within the cooldown do not reach the issuer.
    for _ in range(3):
        assert _gate(_other_key_token(issuer)).status_code == 401
    assert issuer.jwks_hits <= 3


def test_http_issuers_are_refused_unless_allowed(trusted, issuer, approved, settings):
    settings.ATTEST_OIDC_ALLOW_HTTP_ISSUERS = False
    answer = _gate(issuer.github())
    assert answer.status_code == 401 and "https" in answer.json()["detail"]
    with pytest.raises(CommandError, match="https://"):
        call_command(
            "add_trusted_issuer",
            "--issuer", "http://gitlab.example.com", "--audience", "attest",
            "--service-account", "ci-bot", "--claim", "project_path=acme/x", "--scope", "gate:read",
        )  # fmt: skip


def test_a_gitlab_token_opens_a_deployment_request_and_asks_the_gate(issuer, personas, capsys):
    model = assessed_model(personas, "minimal", name="credit-scoring")
    call_command(
        "add_trusted_issuer",
        "--issuer", issuer.url, "--audience", "https://attest.example.com",
        "--service-account", "ci-bot", "--claim", "project_path=acme/credit-models",
        "--claim", "ref_protected=true", "--scope", "requests:write", "--scope", "gate:read",
        "--preset", "gitlab", "--name", "Our GitLab",
    )  # fmt: skip
    out = capsys.readouterr().out
    assert (
        "Trusted: " + issuer.url in out and "→ ci-bot with scopes gate:read, requests:write" in out
    )
    client = _client(issuer.gitlab(audience="https://attest.example.com"))
    created = client.post(
        "/api/v1/deployment-requests/",
        {
            "model": model.name,
            "version": "1",
            "environment": "production",
            "justification": "From GitLab, no stored token",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    row = DeploymentRequest.objects.get(pk=created.json()["id"])
    assert row.requested_by == personas.ci_bot and row.channel == "api"
    denied = _gate("", client=client)
    assert denied.status_code == 409 and "awaiting review" in denied.json()["reasons"][0]
    # Scopes come from the rule: no deployments:write here.
    refused = client.post(
        "/api/v1/deployments/",
        {"model": model.name, "version": "1", "environment": "production"},
        content_type="application/json",
    )
    assert refused.status_code == 403 and "deployments:write" in refused.json()["detail"]
    # A GitLab project of another path matches nothing.
    other = _gate(issuer.gitlab(audience="https://attest.example.com", project_path="acme/x"))
    assert other.status_code == 403


def test_rules_must_name_the_platforms_identifying_claim(issuer, personas):
    with pytest.raises(CommandError, match="repository"):
        call_command(
            "add_trusted_issuer",
            "--issuer", issuer.url, "--audience", "attest", "--service-account", "ci-bot",
            "--claim", "environment=production", "--scope", "gate:read", "--preset", "github",
        )  # fmt: skip
    assert not TrustedIssuer.objects.exists()  # nothing half-written
    with pytest.raises(CommandError, match="not an active service account"):
        call_command(
            "add_trusted_issuer",
            "--issuer", issuer.url, "--audience", "attest", "--service-account", "owner",
            "--claim", "repository=acme/x", "--scope", "gate:read", "--preset", "github",
        )  # fmt: skip


def test_long_lived_tokens_keep_working(trusted, approved, api_token):
    answer = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(scopes=['gate:read'])}").get(
        GATE, {"model": "credit-scoring", "version": "1", "environment": "production"}
    )
    assert answer.status_code == 200
    assert decisions.verify(answer.json()["decision"], decisions.jwks())["allowed"] is True


@pytest.mark.parametrize(
    "rule, claims, matches",
    [
        ({"repository": "a/b"}, {"repository": "a/b"}, True),
        ({"repository": "a/b"}, {"repository": "a/bc"}, False),
        ({"project_id": "20"}, {"project_id": 20}, True),
        ({"repository": "a/b", "ref": "refs/heads/main"}, {"repository": "a/b"}, False),
        ({"groups": "x"}, {"groups": ["x"]}, False),
        ({}, {"repository": "a/b"}, False),
    ],
)
def test_rule_matching(rule, claims, matches):
    assert workload_identity.rule_matches(rule, claims) is matches
