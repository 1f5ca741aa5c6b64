"""Signed gate decisions (issue 23, point 4): every gate answer, allowed (200) or denied (409),
on the fast path and on DRF's path, carries a compact JWS (EdDSA, RFC 8037, ``kid`` header)
that verifies with the key published without authentication at
``/.well-known/attest-gate-keys.json`` and fails after one byte changes. The verification
examples of docs/ci/ (openssl + jq, and Python) are run as a deployer would."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts import services as account_services
from accounts.models import ApiToken
from approvals import decisions, services
from approvals.models import DeploymentRequest
from audit.models import AuditEvent
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db
Scope = ApiToken.Scope
URL = "/api/v1/gate/"
KEYS = "/.well-known/attest-gate-keys.json"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "ci"


def _query(model, version="1", environment="production"):
    return {"model": model.name, "version": version, "environment": environment}


def _approved(personas, model, version="1", environment="production"):
    request = services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version=version),
        environment=environment,
        justification="AUC up 2 points",
    )
    return services.deployment_request_decide(
        actor=personas.reviewer, request=request, verdict="approve"
    )


def _published() -> dict:
    answer = Client().get(KEYS)  # no credentials at all
    assert answer.status_code == 200, answer.content
    assert answer["Content-Type"] == "application/json"
    return answer.json()


def _verify(token: str) -> dict:
    return decisions.verify(token, _published(), issuer="http://testserver.example")


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.ATTEST_BASE_URL = "http://testserver.example"


@pytest.fixture
def bearer(api_token):
    def make(scopes=(Scope.GATE_READ,)) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {api_token(scopes=scopes)}")

    return make


def _flip(token: str, part: int) -> str:
    """``token`` with one byte of its ``part`` (0 header, 1 payload, 2 signature) changed."""
    parts = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(parts[part] + "=" * (-len(parts[part]) % 4)))
    raw[len(raw) // 2] ^= 0x01
    parts[part] = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    return ".".join(parts)


def test_an_allowed_answer_carries_a_decision_that_verifies_with_the_published_key(
    personas, bearer
):
    model = assessed_model(personas, "minimal")
    approval = _approved(personas, model)
    answer = bearer().get(URL, _query(model))
    assert answer.status_code == 200, answer.content
    token = answer.json()["decision"]

    header = jwt.get_unverified_header(token)
    keys = _published()["keys"]
    assert header == {"alg": "EdDSA", "kid": keys[0]["kid"], "typ": "attest-gate-decision+jwt"}
    assert keys[0] | {"x": "…"} == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": "…",
        "kid": keys[0]["kid"],
        "alg": "EdDSA",
        "use": "sig",
    }
    payload = _verify(token)
    assert payload == {
        "iss": "http://testserver.example",
        "sub": "ci-bot",
        "model": model.name,
        "version": "1",
        "environment": "production",
        "allowed": True,
        "fingerprint": approval.fingerprint,
        "approval_id": str(approval.pk),
        "iat": payload["iat"],
        "exp": payload["iat"] + 900,
    }
    assert abs(payload["iat"] - timezone.now().timestamp()) < 10
    # The audit event names the decision handed out.
    event = AuditEvent.objects.filter(action="governance.gate_answered").latest("seq")
    assert event.after["decision_sha256"] == hashlib.sha256(token.encode()).hexdigest()


@pytest.mark.parametrize("part", [0, 1, 2], ids=["header", "payload", "signature"])
def test_a_decision_fails_after_one_byte_changes(personas, bearer, part):
    model = assessed_model(personas, "minimal")
    _approved(personas, model)
    token = bearer().get(URL, _query(model)).json()["decision"]
    _verify(token)
    with pytest.raises(jwt.InvalidTokenError):
        _verify(_flip(token, part))


def test_a_denied_answer_carries_its_reasons_signed(personas, bearer):
    model = assessed_model(personas, "minimal")
    answer = bearer().get(URL, _query(model))
    assert answer.status_code == 409
    body = answer.json()
    payload = _verify(body["decision"])
    assert payload["allowed"] is False and payload["reasons"] == body["reasons"]
    assert "fingerprint" not in payload and "approval_id" not in payload
    assert (payload["model"], payload["version"], payload["environment"]) == (
        model.name,
        "1",
        "production",
    )


def test_an_unknown_model_is_denied_with_a_decision_too(personas, bearer):
    answer = bearer().get(URL, {"model": "nope", "version": "1", "environment": "production"})
    assert answer.status_code == 409
    assert _verify(answer.json()["decision"])["reasons"] == answer.json()["reasons"]


def test_drf_path_signs_for_a_signed_in_user(personas):
    """Sessions are answered by DRF's ``GateApi``: the same decision, ``sub`` the person."""
    model = assessed_model(personas, "minimal")
    approval = _approved(personas, model)
    client = Client()
    client.force_login(personas.owner)
    answer = client.get(URL, _query(model))
    assert answer.status_code == 200, answer.content
    payload = _verify(answer.json()["decision"])
    assert payload["sub"] == personas.owner.username
    assert payload["approval_id"] == str(approval.pk) and payload["allowed"] is True
    denied = client.get(URL, _query(model, environment="staging"))
    assert denied.status_code == 409
    assert _verify(denied.json()["decision"])["allowed"] is False


def test_an_allow_never_outlives_its_approval(personas, bearer):
    model = assessed_model(personas, "minimal")
    approval = _approved(personas, model)
    soon = timezone.now() + timedelta(seconds=120)
    DeploymentRequest.objects.filter(pk=approval.pk).update(expires_at=soon)
    payload = _verify(bearer().get(URL, _query(model)).json()["decision"])
    assert payload["exp"] == int(soon.timestamp())


def test_a_configured_key_signs_and_a_retired_key_stays_published(personas, bearer, settings):
    model = assessed_model(personas, "minimal")
    _approved(personas, model)
    ci = bearer()
    before = ci.get(URL, _query(model)).json()["decision"]
    old_public = decisions.signing_key().public_key()

    new = Ed25519PrivateKey.generate()
    settings.ATTEST_GATE_SIGNING_KEY = new.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    after = ci.get(URL, _query(model)).json()["decision"]
    assert jwt.get_unverified_header(after)["kid"] == decisions.key_id(new.public_key())
    assert [k["kid"] for k in _published()["keys"]] == [decisions.key_id(new.public_key())]
    with pytest.raises(jwt.InvalidTokenError, match="unknown key"):
        _verify(before)  # the old key is no longer published

    settings.ATTEST_GATE_RETIRED_KEYS = old_public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    assert len(_published()["keys"]) == 2
    assert _verify(before)["allowed"] is True and _verify(after)["allowed"] is True


def test_the_key_set_is_public_and_read_only(personas):
    assert Client().head(KEYS).status_code == 200
    assert Client().get(KEYS)["Cache-Control"] == "public, max-age=300"
    assert Client(enforce_csrf_checks=False).post(KEYS).status_code == 405


# --- docs/ci/: the deployer's verification steps ---------------------------------------------
@pytest.fixture
def decided(live_server, personas, settings, tmp_path):
    """A live server, an approved version and a denied one; ``(allowed, denied)`` JWS files."""
    settings.ATTEST_BASE_URL = live_server.url
    with transaction.atomic():
        model = assessed_model(personas, "minimal", name="credit-scoring", versions=("1", "2"))
        _approved(personas, model)
        _, token = account_services.api_token_create(
            actor=None, user=personas.ci_bot, name="ci", scopes=[Scope.GATE_READ], expires_in_days=1
        )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    files = []
    for version in ("1", "2"):
        body = client.get(URL, _query(model, version=version)).json()
        path = tmp_path / f"v{version}.jws"
        path.write_text(body["decision"] + "\n")
        files.append(path)
    return live_server.url, files


def _run(command, url, **env):
    done = subprocess.run(
        command,
        env={"PATH": os.environ["PATH"], "ATTEST_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not all(shutil.which(t) for t in ("curl", "jq", "openssl")), reason="needs curl, jq, openssl"
)
def test_the_openssl_example_verifies_and_refuses(decided, tmp_path):
    url, (allowed, denied) = decided
    script = ["bash", str(DOCS / "verify-decision.sh")]
    code, out, err = _run([*script, str(allowed)], url, MODEL="credit-scoring", VERSION="1")
    assert code == 0, err
    assert json.loads(out)["allowed"] is True
    code, out, err = _run([*script, str(denied)], url)
    assert code == 1 and "the gate denied" in err
    code, _, err = _run([*script, str(allowed)], url, VERSION="2")
    assert code == 1 and "not 2" in err
    tampered = tmp_path / "tampered.jws"
    tampered.write_text(_flip(allowed.read_text().strip(), 1))
    code, _, err = _run([*script, str(tampered)], url)
    assert code == 3 and "does not verify" in err
    code, _, err = _run([*script, str(allowed)], "http://elsewhere.example")
    assert code == 3  # cannot fetch the JWKS: not trusted


@pytest.mark.django_db(transaction=True)
def test_the_python_example_verifies_and_refuses(decided, tmp_path):
    url, (allowed, denied) = decided
    script = [sys.executable, str(DOCS / "verify_decision.py")]
    code, out, err = _run([*script, str(allowed), "--model", "credit-scoring"], url)
    assert code == 0, err
    assert json.loads(out)["allowed"] is True
    code, _, err = _run([*script, str(denied)], url)
    assert code == 1 and "denied" in err
    tampered = tmp_path / "tampered.jws"
    tampered.write_text(_flip(allowed.read_text().strip(), 2))
    code, _, err = _run([*script, str(tampered)], url)
    assert code == 3 and "do not trust" in err


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(shutil.which("curl") is None, reason="the CI script needs curl")
def test_the_ci_script_keeps_the_decision(decided, personas, tmp_path):
    url, _ = decided
    with transaction.atomic():
        _, token = account_services.api_token_create(
            actor=None,
            user=personas.ci_bot,
            name="ci2",
            scopes=[Scope.GATE_READ],
            expires_in_days=1,
        )
    kept = tmp_path / "decision.jws"
    code, _, err = _run(
        ["bash", str(DOCS / "attest-gate.sh"), "gate"],
        url,
        ATTEST_TOKEN=token,
        MODEL="credit-scoring",
        VERSION="1",
        ENVIRONMENT="production",
        DECISION_FILE=str(kept),
    )
    assert code == 0, err
    assert decisions.verify(kept.read_text().strip(), _published(), issuer=url)["allowed"]
