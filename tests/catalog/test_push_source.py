"""The push API (issue 19, item 5): deliveries signed by the ``standardwebhooks`` library, the
Standard Webhooks specification's own implementation, never by Attest's code; verified by
Attest per the spec (catalog/registries/push.py)."""

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from catalog import services
from catalog.models import ModelService, ModelVersion, WebhookDelivery
from catalog.registries import push

pytestmark = pytest.mark.django_db
URL = "/webhooks/pipeline/"
SECRET = push.new_secret()
OTHER_SECRET = push.new_secret()


@pytest.fixture
def source(db):
    with transaction.atomic():
        return services.registry_source_create(
            actor=None, kind="push", slug="pipeline", base_url="", secret=SECRET
        )


def body_for(kind: str, data: dict, at: datetime | None = None, **extra) -> bytes:
    at = at or datetime.now(tz=UTC)
    return json.dumps(
        {"type": kind, "timestamp": at.isoformat().replace("+00:00", "Z"), "data": data, **extra}
    ).encode()


def headers_for(body: bytes, *, secret=SECRET, msg_id=None, sent=None) -> dict:
    """The three headers as a sender signs them with the standardwebhooks library."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    sent = sent or datetime.now(tz=UTC)
    signature = Webhook(secret).sign(msg_id, sent, body)
    return {
        "HTTP_WEBHOOK_ID": msg_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(int(sent.timestamp())),
        "HTTP_WEBHOOK_SIGNATURE": signature,
    }


@pytest.fixture
def send(client, source, django_capture_on_commit_callbacks):
    def post(body: bytes, headers: dict | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.generic(
                "POST",
                URL,
                body,
                content_type="application/json",
                **(headers if headers is not None else headers_for(body)),
            )

    return post


def version(name, v) -> ModelVersion:
    return ModelVersion.objects.get(model_service__registry_name=name, version=v)


def test_a_pipeline_registers_updates_and_deletes_and_history_is_kept(send, personas, source):
    data = {
        "model": "churn",
        "version": "1",
        "source_uri": "gs://models/churn/1",
        "run_id": "run-1",
        "description": "first",
        "metrics": {"auc": 0.91},
        "tags": {"team": personas.team.slug, "framework": "tfx"},
    }
    assert send(body_for("model_version.registered", data)).status_code == 200
    entry = ModelService.objects.get(registry_source=source, registry_name="churn")
    assert entry.owner_team == personas.team
    v1 = version("churn", "1")
    assert (v1.source_uri, v1.run_id, v1.description) == ("gs://models/churn/1", "run-1", "first")
    assert v1.metrics == {"auc": 0.91} and v1.tags["framework"] == "tfx"

    new = {**data, "version": "2", "source_uri": "gs://models/churn/2", "metrics": {"auc": 0.93}}
    assert send(body_for("model_version.registered", new)).status_code == 200
    assert version("churn", "2").metrics == {"auc": 0.93}

    later = datetime.now(tz=UTC) + timedelta(seconds=1)
    updated = {**data, "description": "first, re-evaluated", "metrics": {"auc": 0.9}}
    assert send(body_for("model_version.updated", updated, later)).status_code == 200
    v1.refresh_from_db()
    assert v1.description == "first, re-evaluated" and v1.metrics == {"auc": 0.9}
    assert v1.registry_created_at is not None  # an update does not erase when it was created

    # A late delivery of an older state changes nothing (compare-and-set on the timestamp).
    old = later - timedelta(seconds=30)
    assert (
        send(body_for("model_version.updated", {**data, "description": "x"}, old)).status_code
        == 200
    )
    v1.refresh_from_db()
    assert v1.description == "first, re-evaluated"

    deleted_at = later + timedelta(seconds=1)
    gone = {"model": "churn", "version": "2"}
    assert send(body_for("model_version.deleted", gone, deleted_at)).status_code == 200
    assert version("churn", "2").registry_deleted_at is not None
    assert version("churn", "1").registry_deleted_at is None

    body = body_for("model.deleted", {"model": "churn"}, deleted_at + timedelta(seconds=1))
    assert send(body).status_code == 200
    entry.refresh_from_db()
    assert entry.registry_deleted_at is not None
    assert entry.versions.count() == 2  # history kept
    assert not WebhookDelivery.objects.filter(status=WebhookDelivery.Status.FAILED).exists()


def test_a_duplicate_delivery_is_stored_once(send, source):
    body = body_for("model_version.registered", {"model": "dup", "version": "1"})
    headers = headers_for(body)
    assert send(body, headers).status_code == 200
    second = send(body, headers)
    assert second.status_code == 200 and "Duplicate" in second.json()["detail"]
    assert WebhookDelivery.objects.filter(source=source).count() == 1
    assert ModelVersion.objects.filter(model_service__registry_name="dup").count() == 1


def test_rotation_two_active_secrets_both_verify_and_a_retired_one_does_not(send, source):
    row, other = services.webhook_secret_add(actor=None, source=source, secret=OTHER_SECRET)
    for secret in (SECRET, other):
        body = body_for("model_version.registered", {"model": "rot", "version": secret[-6:]})
        assert send(body, headers_for(body, secret=secret)).status_code == 200
    first = source.secrets.exclude(pk=row.pk).get()
    services.webhook_secret_retire(actor=None, secret=first)
    body = body_for("model_version.registered", {"model": "rot", "version": "9"})
    assert send(body, headers_for(body, secret=SECRET)).status_code == 401


GOOD = {"model": "m", "version": "1"}
NOW = datetime.now(tz=UTC)


def _mutated(body: bytes) -> tuple[bytes, dict]:
    headers = headers_for(body)
    return body.replace(b'"1"', b'"2"'), headers


REFUSED = [
    # (case, body, headers or a function of the body, status)
    ("forged: wrong secret", body_for("model_version.registered", GOOD), "wrong-secret", 401),
    (
        "forged: body changed after signing",
        body_for("model_version.registered", GOOD),
        "mutate",
        401,
    ),
    ("unsigned", body_for("model_version.registered", GOOD), "unsigned", 401),
    ("stale: signed 301 s ago", body_for("model_version.registered", GOOD), "stale", 401),
    ("replayed a day later", body_for("model_version.registered", GOOD), "replay", 401),
    ("from the future: +330 s", body_for("model_version.registered", GOOD), "future", 401),
    ("webhook-id with a dot", body_for("model_version.registered", GOOD), "dotted-id", 400),
    ("not JSON", b"not json", "sign", 400),
    ("a JSON array", b"[]", "sign", 400),
    ("unknown top-level field", body_for("model_version.registered", GOOD, extra=1), "sign", 400),
    (
        "unknown data field",
        body_for("model_version.registered", {**GOOD, "stage": "prod"}),
        "sign",
        400,
    ),
    ("unknown type", body_for("model_version.promoted", GOOD), "sign", 400),
    ("version missing", body_for("model_version.registered", {"model": "m"}), "sign", 400),
    ("version on model.deleted", body_for("model.deleted", GOOD), "sign", 400),
    (
        "version not a string",
        body_for("model_version.registered", {**GOOD, "version": 1}),
        "sign",
        400,
    ),
    (
        "metrics not numbers",
        body_for("model_version.registered", {**GOOD, "metrics": {"auc": "high"}}),
        "sign",
        400,
    ),
    (
        "tags not strings",
        body_for("model_version.registered", {**GOOD, "tags": {"n": 1}}),
        "sign",
        400,
    ),
    (
        "timestamp not RFC 3339",
        json.dumps({"type": "model.deleted", "timestamp": "yesterday", "data": {"model": "m"}}),
        "sign",
        400,
    ),
    (
        "timestamp without offset",
        json.dumps(
            {"type": "model.deleted", "timestamp": "2026-11-22T10:00:00", "data": {"model": "m"}}
        ),
        "sign",
        400,
    ),
]


def _headers(how: str, body: bytes) -> tuple[bytes, dict]:
    if how == "sign":
        return body, headers_for(body)
    if how == "wrong-secret":
        return body, headers_for(body, secret=OTHER_SECRET)
    if how == "mutate":
        return _mutated(body)
    if how == "unsigned":
        headers = headers_for(body)
        del headers["HTTP_WEBHOOK_SIGNATURE"]
        return body, headers
    if how == "stale":
        return body, headers_for(body, sent=datetime.now(tz=UTC) - timedelta(seconds=301))
    if how == "replay":
        return body, headers_for(body, sent=datetime.now(tz=UTC) - timedelta(days=1))
    if how == "future":
        # 30 s past the 300 s window: a signature taken before the request stays in the future
        # however long a loaded machine takes to send it (301 s failed under load).
        return body, headers_for(body, sent=datetime.now(tz=UTC) + timedelta(seconds=330))
    if how == "dotted-id":
        return body, headers_for(body, msg_id="msg.1")
    raise AssertionError(how)


@pytest.mark.parametrize(("case", "body", "how", "status"), REFUSED, ids=[r[0] for r in REFUSED])
def test_forged_stale_replayed_and_malformed_deliveries_are_refused(
    send, source, case, body, how, status
):
    body = body.encode() if isinstance(body, str) else body
    body, headers = _headers(how, body)
    response = send(body, headers)
    assert response.status_code == status, (case, response.content)
    assert response.json()["detail"]
    assert not WebhookDelivery.objects.exists()
    assert not ModelService.objects.exists()


def test_window_edges_299_seconds_accepted(send):
    body = body_for("model_version.registered", {"model": "edge", "version": "1"})
    sent = datetime.fromtimestamp(int(time.time()) - 299, tz=UTC)
    assert send(body, headers_for(body, sent=sent)).status_code == 200


def test_the_body_schema_matches_the_issue_contract():
    assert push.BODY_SCHEMA["additionalProperties"] is False
    assert set(push.BODY_SCHEMA["properties"]["data"]["properties"]) == push.DATA_FIELDS
    assert set(push.BODY_SCHEMA["properties"]["type"]["enum"]) == push.TYPES


def test_a_push_secret_must_be_a_standard_webhooks_secret(db):
    with pytest.raises(Exception, match="whsec_"):
        services.registry_source_create(
            actor=None, kind="push", slug="bad", base_url="", secret="x" * 32
        )
