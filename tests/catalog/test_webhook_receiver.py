"""The receiver: W1 signatures, W2 malformed input, W3 timestamp window and rotation, W8 size.

Deliveries are the real recorded ones; time is moved to when they were signed (time-machine)
so their real signatures and timestamps are checked unchanged.
"""

import random

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from catalog import services
from catalog.models import WebhookDelivery
from catalog.registries import mlflow
from tests.catalog.mlflow_fixtures import SECRET, deliveries, retries

URL = "/webhooks/mlflow/"


@pytest.fixture
def source(db):
    with transaction.atomic():
        return services.registry_source_create(
            actor=None, kind="mlflow", slug="mlflow", base_url="http://127.0.0.1:9", secret=SECRET
        )


def post(client, delivery, body=None, **extra_headers):
    meta = {**delivery.meta(), **extra_headers}
    with time_machine.travel(delivery.timestamp, tick=False):
        return client.generic(
            "POST",
            URL,
            body if body is not None else delivery.body,
            content_type="application/json",
            **meta,
        )


def test_golden_vectors_match_the_recorded_signatures():
    for d in deliveries():
        assert (
            mlflow.sign(
                SECRET, d.headers["X-MLflow-Delivery-Id"], d.headers["X-MLflow-Timestamp"], d.body
            )
            == d.headers["X-MLflow-Signature"]
        ), d.name


@pytest.mark.django_db
def test_every_recorded_delivery_is_accepted_and_stored_once(client, source, monkeypatch):
    monkeypatch.setattr("catalog.services.ingest.outbox_enqueue", lambda *a: None)
    for d in deliveries():
        assert post(client, d).status_code == 200, d.name
    assert WebhookDelivery.objects.count() == len(deliveries())


@pytest.mark.django_db
def test_w1_fifty_mutations_are_all_rejected(client, source, monkeypatch):
    monkeypatch.setattr("catalog.services.ingest.outbox_enqueue", lambda *a: None)
    rng = random.Random(1)
    good = deliveries()[1]
    accepted = 0
    for i in range(50):
        body, headers = bytearray(good.body), {}
        kind = i % 5
        if kind == 0:  # one byte of the body changed
            pos = rng.randrange(len(body))
            body[pos] = (body[pos] + 1) % 128 or 65
        elif kind == 1:  # signed with the wrong secret
            headers["HTTP_X_MLFLOW_SIGNATURE"] = mlflow.sign(
                f"wrong-{i}",
                good.headers["X-MLflow-Delivery-Id"],
                good.headers["X-MLflow-Timestamp"],
                bytes(body),
            )
        elif kind == 2:  # signature header missing
            headers["HTTP_X_MLFLOW_SIGNATURE"] = ""
        elif kind == 3:  # unsigned prefix / garbage
            headers["HTTP_X_MLFLOW_SIGNATURE"] = rng.choice(["v0,abc", "v1,", "sha256=x", "v1"])
        else:  # the delivery id changed (it is part of what is signed)
            headers["HTTP_X_MLFLOW_DELIVERY_ID"] = (
                f"{good.headers['X-MLflow-Delivery-Id'][:-2]}{i:02d}"
            )
        status = post(client, good, body=bytes(body), **headers).status_code
        assert status == 401, (i, status)
        accepted += status < 300
    assert accepted == 0
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_unknown_source_is_404(client, source):
    d = deliveries()[0]
    with time_machine.travel(d.timestamp, tick=False):
        response = client.generic("POST", "/webhooks/nope/", d.body, **d.meta())
    assert response.status_code == 404


@pytest.mark.django_db
def test_get_is_not_allowed(client, source):
    assert client.get(URL).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize(("offset", "status"), [(-299, 200), (299, 200), (-301, 401), (301, 401)])
def test_w3_timestamp_window(client, source, monkeypatch, offset, status):
    monkeypatch.setattr("catalog.services.ingest.outbox_enqueue", lambda *a: None)
    d = deliveries()[0]
    with time_machine.travel(d.timestamp + offset, tick=False):
        response = client.generic("POST", URL, d.body, **d.meta())
    assert response.status_code == status


@pytest.mark.django_db
def test_w3_two_active_secrets_accepted_retired_one_rejected(client, source, monkeypatch):
    monkeypatch.setattr("catalog.services.ingest.outbox_enqueue", lambda *a: None)
    new_secret_row, new_secret = services.webhook_secret_add(actor=None, source=source)
    d = deliveries()[0]
    signed_new = mlflow.sign(
        new_secret, d.headers["X-MLflow-Delivery-Id"], d.headers["X-MLflow-Timestamp"], d.body
    )
    assert post(client, d, HTTP_X_MLFLOW_SIGNATURE=signed_new).status_code == 200
    assert post(client, d).status_code == 200  # the old secret still verifies (a duplicate)
    old = source.secrets.exclude(pk=new_secret_row.pk).get()
    services.webhook_secret_retire(actor=None, secret=old)
    d2 = deliveries()[1]
    assert post(client, d2).status_code == 401  # signed with the retired secret
    signed_new2 = mlflow.sign(
        new_secret, d2.headers["X-MLflow-Delivery-Id"], d2.headers["X-MLflow-Timestamp"], d2.body
    )
    assert post(client, d2, HTTP_X_MLFLOW_SIGNATURE=signed_new2).status_code == 200


def test_recorded_retries_reuse_id_timestamp_and_signature():
    # (The retry fixtures come from another webhook whose secret is not recorded.)
    first, second, third, _ = retries()
    keys = ("X-MLflow-Delivery-Id", "X-MLflow-Timestamp", "X-MLflow-Signature")
    assert {tuple(d.headers[k] for k in keys) for d in (first, second, third)} == {
        tuple(first.headers[k] for k in keys)
    }
    assert first.body == second.body == third.body


@pytest.mark.django_db
def test_duplicate_delivery_answers_200_and_adds_nothing(client, source, monkeypatch):
    monkeypatch.setattr("catalog.services.ingest.outbox_enqueue", lambda *a: None)
    d = deliveries()[0]
    for _ in range(3):  # MLflow's retries repeat the delivery byte for byte
        assert post(client, d).status_code == 200
    row = WebhookDelivery.objects.get()
    assert row.duplicates == 2


@pytest.mark.django_db
def test_w8_one_mebibyte_body_is_413_and_writes_nothing(client, source):
    d = deliveries()[0]
    huge = b"{" + b" " * (1024 * 1024) + b"}"
    response = post(client, d, body=huge)
    assert response.status_code == 413
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_valid_signature_on_malformed_payload_is_400(client, source):
    d = deliveries()[0]
    for body in (
        b"not json",
        b"[]",
        b'{"entity": "x"}',
        b'{"entity":"a","action":"b","data":{}}',
        "é".encode("latin-1"),
    ):
        sig = mlflow.sign(
            SECRET, d.headers["X-MLflow-Delivery-Id"], d.headers["X-MLflow-Timestamp"], body
        )
        assert post(client, d, body=body, HTTP_X_MLFLOW_SIGNATURE=sig).status_code == 400
    assert WebhookDelivery.objects.count() == 0


header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=80)


@pytest.mark.django_db
@hyp_settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    delivery_id=header_text,
    timestamp=header_text,
    signature=header_text,
    body=st.binary(max_size=300),
)
def test_w2_malformed_headers_and_bodies_never_cause_a_server_error(
    client, source, delivery_id, timestamp, signature, body
):
    response = client.generic(
        "POST",
        URL,
        body,
        content_type="application/json",
        HTTP_X_MLFLOW_DELIVERY_ID=delivery_id,
        HTTP_X_MLFLOW_TIMESTAMP=timestamp,
        HTTP_X_MLFLOW_SIGNATURE=signature,
    )
    assert response.status_code < 500
    assert response.status_code in {400, 401}
