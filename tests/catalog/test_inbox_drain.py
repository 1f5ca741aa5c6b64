"""Coalesced ingest (issue 18, point 4): the inbox is the queue, drained in batches.

Real PostgreSQL, real MLflow server, a real Redis broker where publishing is the question. The
MLflow client's reads are wrapped to count them (each call still goes to the server).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter

import psycopg
import pytest
from django.db import connection, transaction

from audit.models import AuditEvent
from catalog import services
from catalog.models import ModelVersion, WebhookDelivery
from catalog.registries.mlflow_client import MlflowClient
from catalog.services import inbox
from tests.catalog.conftest import signed
from tests.catalog.mlflow_fixtures import SECRET


def _post(client, slug, entity, action, data):
    body, meta = signed(entity, action, data)
    response = client.generic(
        "POST", f"/webhooks/{slug}/", body, content_type="application/json", **meta
    )
    assert response.status_code == 200, response.content
    return response


def _model_with_versions(mlflow_server, prefix: str, count: int) -> str:
    mf = mlflow_server.client()
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    run = mf.create_run(experiment_id="0").info.run_id
    mf.create_registered_model(name)
    for n in range(1, count + 1):
        mf.create_model_version(name, f"runs:/{run}/v{n}", run_id=run)
    return name


@pytest.fixture
def counted_reads(monkeypatch):
    """Count MLflow reads by method; every call still reaches the real server."""
    calls: Counter[str] = Counter()
    for method in ("get_model", "get_version", "search_versions"):
        real = getattr(MlflowClient, method)

        def counting(self, *args, _real=real, _name=method, **kwargs):
            calls[_name] += 1
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(MlflowClient, method, counting)
    return calls


@pytest.mark.django_db
def test_n_deliveries_for_one_model_reread_the_model_once_per_batch(
    client, registry, mlflow_server, counted_reads, settings
):
    name = _model_with_versions(mlflow_server, "coalesce", 12)
    # Not inside django_capture_on_commit_callbacks: the test's transaction never commits, so
    # nothing drains until the test asks.
    for n in range(1, 13):
        _post(client, "mlflow", "model_version", "created", {"name": name, "version": str(n)})
    assert WebhookDelivery.objects.filter(status="pending").count() == 12
    settings.ATTEST_INGEST_BATCH_SIZE = 6

    assert services.registry_inbox_drain() == 12

    assert counted_reads["get_model"] == 2  # two batches of six, one read of the model each
    assert counted_reads["get_version"] == 12  # each version once
    assert counted_reads["search_versions"] == 0
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"processed"}
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
    assert ModelVersion.objects.filter(model_service__registry_name=name).count() == 12
    assert AuditEvent.objects.filter(action="catalog.version_registered").count() == 12


@pytest.mark.django_db
def test_a_model_event_in_the_batch_reads_every_version_once(
    client, registry, mlflow_server, counted_reads
):
    mf = mlflow_server.client()
    name = _model_with_versions(mlflow_server, "alias", 3)
    mf.set_registered_model_alias(name, "champion", "2")
    for n in (1, 2, 3):
        _post(client, "mlflow", "model_version", "created", {"name": name, "version": str(n)})
    _post(
        client,
        "mlflow",
        "model_version_alias",
        "created",
        {"name": name, "alias": "champion", "version": "2"},
    )
    assert services.registry_inbox_drain() == 4
    assert dict(counted_reads) == {"get_model": 1, "search_versions": 1}
    entry_versions = ModelVersion.objects.filter(model_service__registry_name=name)
    assert entry_versions.get(version="2").aliases == ["champion"]


@pytest.mark.django_db(transaction=True)
def test_the_receiver_publishes_nothing_to_the_broker_and_notifies_the_drainers(
    client, mlflow_server, running_broker
):
    """Eager mode off and a live Redis (``running_broker``): before issue 18 every delivery
    queued a ``process_delivery`` message (through the outbox). Now the broker stays empty and
    the INSERT's ``pg_notify`` reaches a session LISTENing on the channel, at commit."""
    from common.models import OutboxMessage

    with transaction.atomic():
        services.registry_source_create(
            actor=None, kind="mlflow", slug="quiet", base_url=mlflow_server.url, secret=SECRET
        )
    db = connection.settings_dict
    listener = psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"],
        port=db["PORT"] or 5432,
        autocommit=True,
    )
    try:
        listener.execute(f"LISTEN {inbox.CHANNEL}")
        for n in range(5):
            _post(client, "quiet", "registered_model", "created", {"name": f"quiet-{n}"})
        notified = list(listener.notifies(timeout=2.0, stop_after=5))
    finally:
        listener.close()
    assert len(notified) == 5
    assert running_broker.client().dbsize() == 0
    assert not OutboxMessage.objects.exists()
    assert WebhookDelivery.objects.filter(status="pending").count() == 5


def _store_without_waking(client, monkeypatch, slug, deliveries):
    monkeypatch.setattr(inbox, "_wake_after_commit", lambda: None)
    for entity, action, data in deliveries:
        _post(client, slug, entity, action, data)
    monkeypatch.undo()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_drainers_never_process_the_same_delivery(
    client, mlflow_server, monkeypatch, settings
):
    with transaction.atomic():
        services.registry_source_create(
            actor=None, kind="mlflow", slug="pair", base_url=mlflow_server.url, secret=SECRET
        )
    names = [_model_with_versions(mlflow_server, f"pair{i}", 4) for i in range(4)]
    _store_without_waking(
        client,
        monkeypatch,
        "pair",
        [
            ("model_version", "created", {"name": name, "version": str(n)})
            for n in range(1, 5)
            for name in names
        ],
    )
    settings.ATTEST_INGEST_DRAINERS = 2
    settings.ATTEST_INGEST_BATCH_SIZE = 4
    seen: dict[str, list] = {}
    both_inside = threading.Barrier(2, timeout=30)
    real_group = inbox._process_group

    def recording_group(source, name, items, **kwargs):
        me = threading.current_thread().name
        if me not in seen:
            seen[me] = []
            both_inside.wait()  # each drainer holds a claimed batch while the other claims
        seen[me].extend(row.pk for row, _ in items)
        return real_group(source, name, items, **kwargs)

    monkeypatch.setattr(inbox, "_process_group", recording_group)
    errors = []

    def drainer():
        try:
            services.registry_inbox_drain()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=drainer, name=f"drainer-{i}") for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(seen) == 2, "both drainers must have taken part"
    first, second = (set(ids) for ids in seen.values())
    assert first and second and not first & second
    assert len(first) + len(second) == 16
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {("processed", 1)}
    assert AuditEvent.objects.filter(action="catalog.version_registered").count() == 16


@pytest.mark.django_db(transaction=True)
def test_a_delivery_committed_while_a_drain_runs_is_picked_up_by_the_next_batch(
    client, mlflow_server, monkeypatch, settings
):
    with transaction.atomic():
        services.registry_source_create(
            actor=None, kind="mlflow", slug="late", base_url=mlflow_server.url, secret=SECRET
        )
    early, late = (_model_with_versions(mlflow_server, p, 1) for p in ("early", "late"))
    _store_without_waking(
        client, monkeypatch, "late", [("model_version", "created", {"name": early, "version": "1"})]
    )
    inside, carry_on = threading.Event(), threading.Event()
    real_apply = inbox._apply_events

    def slow_apply(source, events):
        if events[0].model_name == early:
            inside.set()
            assert carry_on.wait(timeout=60)
        return real_apply(source, events)

    monkeypatch.setattr(inbox, "_apply_events", slow_apply)
    claimed = []

    def drainer():
        try:
            claimed.append(services.registry_inbox_drain())
        finally:
            connection.close()

    thread = threading.Thread(target=drainer)
    thread.start()
    assert inside.wait(timeout=60)
    # Committed while the drain holds the only slot (the receiver's own wake finds it taken).
    _post(client, "late", "model_version", "created", {"name": late, "version": "1"})
    assert services.registry_inbox_drain() == 0  # slot taken: this one leaves it to the runner
    assert WebhookDelivery.objects.get(payload__data__name=late).status == "pending"
    carry_on.set()
    thread.join(timeout=120)
    assert claimed == [2]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"processed"}
    assert ModelVersion.objects.filter(model_service__registry_name=late).exists()


@pytest.mark.django_db
def test_the_source_cache_follows_rotation_without_a_restart(client, registry):
    """The cached source is checked against its version on every delivery: a new secret
    verifies at once, a retired one is refused at once (W3 covers the HTTP side)."""
    first = inbox.registry_source_for_delivery("mlflow")
    assert inbox.registry_source_for_delivery("mlflow") is first  # cached
    assert first.secrets() == [SECRET]
    row, new_secret = services.webhook_secret_add(actor=None, source=registry)
    rotated = inbox.registry_source_for_delivery("mlflow")
    assert rotated is not first and set(rotated.secrets()) == {SECRET, new_secret}
    old = registry.secrets.exclude(pk=row.pk).get()
    services.webhook_secret_retire(actor=None, secret=old)
    assert inbox.registry_source_for_delivery("mlflow").secrets() == [new_secret]
    services.registry_source_active_set(actor=None, source=registry, is_active=False)
    assert inbox.registry_source_for_delivery("mlflow") is None


@pytest.mark.django_db
def test_a_failed_batch_waits_before_it_is_tried_again(client, registry):
    registry.base_url = "http://127.0.0.1:9"  # nothing listens there
    registry.save()
    _post(client, "mlflow", "registered_model", "created", {"name": "x"})
    started = time.monotonic()
    assert services.registry_inbox_drain() == 1
    assert time.monotonic() - started < 30
    row = WebhookDelivery.objects.get()
    assert row.status == "pending" and row.attempts == 1 and row.retry_at is not None
    assert services.registry_inbox_drain() == 0  # not due yet: no busy loop on a dead registry
