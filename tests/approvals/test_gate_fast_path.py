"""The deploy gate's fast path (``approvals.api.gate``): the same contract as the DRF view it
replaced, in one SQL statement and one Redis round trip.

The expected bodies and headers below were recorded from the DRF ``GateApi`` before the plain
view replaced it; sessions, other methods and odd ``Accept`` headers are still answered by it."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from unittest import mock

import jwt
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken
from approvals import gate, selectors, services
from audit.models import AuditEvent
from audit.services import audit_record
from catalog.models import ModelService
from common import ratelimit
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db
Scope = ApiToken.Scope
URL = "/api/v1/gate/"
ALLOW = "GET, HEAD, OPTIONS"
BEARER = 'Bearer realm="attest"'


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


def _gate_statements(queries, audit_spans) -> list[str]:
    """The statements the gate itself sends: not those of the audit append (``audit_record``,
    its own concern in issue 18) and not the savepoints of the gate's transaction."""
    inside_audit = {i for start, end in audit_spans for i in range(start, end)}
    return [
        q["sql"]
        for i, q in enumerate(queries)
        if i not in inside_audit
        and not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO"))
    ]


@pytest.fixture
def bearer(api_token):
    def make(scopes=(Scope.GATE_READ,), **kwargs) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {api_token(scopes=scopes, **kwargs)}")

    return make


def test_an_allowed_answer_is_one_statement_besides_the_audit_append(personas, bearer):
    model = assessed_model(personas, "minimal")
    approval = _approved(personas, model)
    ci = bearer()
    assert ci.get(URL, _query(model)).status_code == 200  # sets the token's last use
    spans = []

    def audited(**kwargs):
        start = len(queries.captured_queries)
        try:
            return audit_record(**kwargs)
        finally:
            spans.append((start, len(queries.captured_queries)))

    with (
        CaptureQueriesContext(connection) as queries,
        mock.patch("approvals.gate.audit_record", side_effect=audited),
    ):
        answer = ci.get(URL, _query(model))
    assert answer.status_code == 200, answer.content
    assert len(spans) == 1  # the answer was audited
    assert answer.json() == {
        "allowed": True,
        "approval_id": str(approval.pk),
        "risk_tier": "minimal",
        "fingerprint": approval.fingerprint,
        "expires_at": approval.expires_at.isoformat(),
        "decision": mock.ANY,
    }
    assert answer["Allow"] == ALLOW and answer["Content-Type"] == "application/json"
    assert len(_gate_statements(queries.captured_queries, spans)) == 1, queries.captured_queries
    event = AuditEvent.objects.filter(action="governance.gate_answered").latest("seq")
    assert event.after == {
        "model": model.name,
        "version": "1",
        "environment": "production",
        "allowed": True,
        "decision_sha256": hashlib.sha256(answer.json()["decision"].encode()).hexdigest(),
    }
    assert event.target_id == str(approval.pk) and event.actor_label == "ci-bot"
    assert event.target_label == str(approval) and event.subject_id == model.pk


def test_a_change_no_job_has_noticed_yet_still_denies(personas, bearer):
    """The fingerprint is recomputed from the statement's rows on every call: a model card
    edited behind the services' back (a bulk UPDATE: no signal, no task) denies at once."""
    model = assessed_model(personas, "minimal")
    _approved(personas, model)
    ci = bearer()
    assert ci.get(URL, _query(model)).status_code == 200
    ModelService.objects.filter(pk=model.pk).update(limitations="Changed by hand.")
    denied = ci.get(URL, _query(model))
    assert denied.status_code == 409
    assert denied.json() == {
        "allowed": False,
        "reasons": [
            "The approval is stale: the model card changed since it was approved; "
            "re-review is needed."
        ],
        "decision": mock.ANY,
    }


def test_the_fast_path_answers_as_the_general_path_for_every_persona(personas):
    """``gate_lookup``'s visibility and reads are those of the selectors, persona by persona:
    the same answer with and without the lookup (the general path reads through the ORM)."""
    from accounts import services as account_services
    from tests.factories import ModelServiceFactory, ModelVersionFactory

    owned = assessed_model(personas, "minimal", versions=("1", "2"))
    _approved(personas, owned)
    foreign = ModelServiceFactory(owner_team=personas.other_team, registry_name=owned.name + "-r")
    ModelVersionFactory(model_service=foreign, version="1")
    cases = [
        (owned.name, "1", "production"),
        (owned.name, "1", "staging"),
        (owned.name, "2", "production"),
        (owned.name, "9", "production"),
        (owned.name, "1", "moon"),
        (foreign.name, "1", "production"),
        (foreign.registry_name, "1", "production"),
        ("nope", "1", "production"),
    ]
    for persona in ("owner", "teammate", "other_owner", "reviewer", "other_reviewer",
                    "compliance", "auditor", "viewer", "outsider", "admin", "ci_bot"):  # fmt: skip
        user = getattr(personas, persona)
        token, _ = account_services.api_token_create(
            actor=None, user=user, name=persona, scopes=[Scope.GATE_READ], expires_in_days=1
        )
        for name, version, environment in cases:
            lookup = selectors.gate_lookup(
                key_id=token.key_id, name=name, version=version, environment=environment
            )
            assert lookup.token.pk == token.pk
            fast = gate.gate_answer(
                actor=lookup.token.user,
                model_name=name,
                version=version,
                environment=environment,
                lookup=lookup,
            )
            general = gate.gate_answer(
                actor=user, model_name=name, version=version, environment=environment
            )
            # The same answer; the decisions differ at most in when they were signed.
            fast_json, general_json = fast.as_json(), general.as_json()
            fast_claims = jwt.decode(fast_json.pop("decision"), options={"verify_signature": False})
            general_claims = jwt.decode(
                general_json.pop("decision"), options={"verify_signature": False}
            )
            assert fast_json == general_json, (persona, name, version, environment)
            for moment in ("iat", "exp"):
                fast_claims.pop(moment), general_claims.pop(moment)
            assert fast_claims == general_claims


def test_errors_keep_the_drf_shape_and_headers(personas, bearer, settings):
    model = assessed_model(personas, "minimal")
    q = _query(model)
    anonymous = Client().get(URL, q)  # DRF's own answer (no bearer token)
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == BEARER
    assert anonymous.json() == {
        "detail": "Authentication credentials were not provided.",
        "errors": {},
    }
    malformed = Client(HTTP_AUTHORIZATION="Bearer").get(URL, q)
    assert (malformed.status_code, malformed["WWW-Authenticate"], malformed["Allow"]) == (
        401,
        BEARER,
        ALLOW,
    )
    assert malformed.json() == {
        "detail": "Malformed Authorization header: use 'Bearer <token>'.",
        "errors": {},
    }
    invalid = Client(HTTP_AUTHORIZATION="Bearer attest_000000000000_x").get(URL, q)
    assert invalid.status_code == 401 and invalid["WWW-Authenticate"] == BEARER
    assert invalid.json() == {"detail": "Invalid, expired or revoked token.", "errors": {}}
    # Answers vary by language (LocaleMiddleware translates the detail), never by session.
    assert "Cookie" not in invalid.get("Vary", "")
    scope = bearer(scopes=[Scope.CATALOG_READ]).get(URL, q)
    assert scope.status_code == 403 and scope["Allow"] == ALLOW
    assert scope.json() == {
        "detail": "This token lacks the scope this endpoint needs: gate:read.",
        "errors": {},
    }
    blank = bearer().get(URL, {"model": " "})
    assert blank.status_code == 400
    assert blank.json() == {
        "detail": "The request is invalid; see errors.",
        "errors": {
            "model": ["This field may not be blank."],
            "version": ["This field is required."],
            "environment": ["This field is required."],
        },
    }
    long = bearer().get(URL, {**q, "model": "x" * 301})
    assert long.json()["errors"] == {
        "model": ["Ensure this field has no more than 300 characters."]
    }
    padded = bearer().get(URL, {**q, "model": f"  {model.name} "})  # trimmed, as DRF does
    assert padded.status_code == 409 and "No deployment request" in padded.json()["reasons"][0]
    post = bearer().post(URL, q)
    assert post.status_code == 405 and post.json() == {
        "detail": 'Method "POST" not allowed.',
        "errors": {},
    }
    assert bearer().options(URL).json()["name"] == "Gate Api"
    assert bearer().get(URL, q, HTTP_ACCEPT="text/html").status_code == 406

    # Hour-long windows: a window boundary between the two calls would let the second pass.
    settings.ATTEST_RATE_GATE = "1/3600"
    ci = bearer()
    assert ci.get(URL, q).status_code == 409
    limited = ci.get(URL, q)
    wait = int(limited["Retry-After"])
    assert limited.status_code == 429 and 0 < wait <= 3600
    assert limited.json() == {
        "detail": f"Gate rate limit reached; retry later. Expected available in {wait} seconds.",
        "errors": {},
    }
    settings.ATTEST_RATE_API = "1/3600"
    ci = bearer()
    assert ci.get(URL, q).status_code == 409
    limited = ci.get(URL, q)
    wait = int(limited["Retry-After"])
    assert limited.status_code == 429
    assert limited.json()["detail"] == (
        f"Request rate limit for this token reached. Expected available in {wait} seconds."
    )


def test_an_expired_revoked_or_inactive_token_is_refused(personas, bearer):
    model = assessed_model(personas, "minimal")
    ci = bearer()
    token = ApiToken.objects.get(name="test")
    for change in (
        {"expires_at": timezone.now() - timedelta(seconds=1)},
        {"revoked_at": timezone.now()},
    ):
        ApiToken.objects.filter(pk=token.pk).update(**change)
        assert ci.get(URL, _query(model)).status_code == 401
        ApiToken.objects.filter(pk=token.pk).update(expires_at=token.expires_at, revoked_at=None)
    assert ci.get(URL, _query(model)).status_code == 409
    type(personas.ci_bot).objects.filter(pk=personas.ci_bot.pk).update(is_active=False)
    assert ci.get(URL, _query(model)).status_code == 401


def test_hit_many_counts_every_limit_as_hit_does():
    ratelimit.reset("t-many-a", "who", "2/3600")
    ratelimit.reset("t-many-b", "who", "1/3600")
    limits = [("t-many-a", "who", "2/3600"), ("t-many-b", "who", "1/3600")]
    assert ratelimit.hit_many(limits) == [None, None]
    first, second = ratelimit.hit_many(limits)
    assert first is None and 0 < second <= 3600
    # the same counters as ``hit``
    assert ratelimit.hit("t-many-a", "who", "2/3600") and ratelimit.hit("t-many-b", "who", "1/3600")


def test_without_postgresql_the_general_path_answers(personas, bearer):
    """SQLite (the embedded demo): ``gate_lookup`` declines and the DRF view answers, with
    the same answer and audit event."""
    model = assessed_model(personas, "minimal")
    approval = _approved(personas, model)
    ci = bearer()
    with mock.patch("approvals.selectors.gate_lookup", return_value=None) as declined:
        answer = ci.get(URL, _query(model))
    assert declined.called
    assert answer.status_code == 200 and answer.json()["approval_id"] == str(approval.pk)
    assert AuditEvent.objects.filter(action="governance.gate_answered").count() == 1
