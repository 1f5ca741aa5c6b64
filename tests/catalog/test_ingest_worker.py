"""Real Celery worker, real Redis, real MLflow (done-when 3 and 4 of the ingestion issue).

- an MLflow server sends real signed webhooks to a live Attest; a worker processes them and the
  catalog matches MLflow within seconds; a rename and a deleted version are fixed by
  ``sync_registry``;
- C2: the worker is SIGKILLed mid-batch: the sweeper hands its claimed rows back and every
  inbox row ends processed, exactly once; C4: Redis loses everything it held: nothing is lost,
  because the receivers never queued anything there (issue 18: the inbox is the queue, drained
  in batches when a worker starts, when a receiver's NOTIFY wakes it, and on beat's tick).

The worker is a subprocess on this test's PostgreSQL database and its own redis-server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import redis
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from catalog import services
from catalog.models import ModelService, ModelVersion, WebhookDelivery
from config.celery import app as celery_app
from tests.catalog.conftest import catalog_snapshot, registry_snapshot, signed
from tests.catalog.mlflow_fixtures import SECRET
from tests.mlflow_server import start_mlflow_server
from tests.sso_provider import free_port

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def wait_until(predicate, timeout: float = 60, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@pytest.fixture
def redis_server(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    assert wait_until(lambda: _ping(url), timeout=10)
    yield url
    process.terminate()
    process.wait(timeout=10)


def _ping(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


class Worker:
    """A `celery worker` subprocess (its own process group, so SIGKILL takes its children)."""

    def __init__(self, broker: str, queue: str, tmp_path: Path):
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST']}:"
            f"{db['PORT'] or 5432}/{db['NAME']}",
            "REDIS_URL": broker,
            "ATTEST_CELERY_QUEUE": queue,
            "ATTEST_INGEST_SWEEP_AFTER_SECONDS": "1",
            # Small batches, so that a kill lands mid-drain and re-runs stay bounded by it.
            "ATTEST_INGEST_BATCH_SIZE": "2",
            "SECURE_SSL_REDIRECT": "false",
        }
        self.queue, self.log, self.process = queue, tmp_path / "worker.log", None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                self.queue,
                "--concurrency",
                "2",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert wait_until(lambda: b"ready." in self.log.read_bytes(), timeout=60), (
            self.log.read_text()[-3000:]
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker(redis_server, tmp_path):
    queue = f"attest-test-{uuid.uuid4().hex[:8]}"
    saved = {
        k: celery_app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")
    }
    celery_app.conf.update(
        task_always_eager=False, broker_url=redis_server, task_default_queue=queue
    )
    _reset_producer_pool()
    w = Worker(redis_server, queue, tmp_path)
    yield w
    w.stop()
    celery_app.conf.update(saved)
    _reset_producer_pool()


def _reset_producer_pool() -> None:
    """Make the next enqueue connect to the broker now configured.

    kombu keeps a process-wide registry of producer pools keyed by connection; closing the
    app's pool without clearing it leaves later enqueues (even eager ones, which Celery still
    routes through a producer) with "Acquire on closed pool"."""
    from kombu import pools

    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
        celery_app._pool = None
    celery_app.amqp._producer_pool = None
    pools.reset()


def sweep_and_requeue() -> int:
    """What the beat-driven sweeper does, with the clock moved past the sweep delay: hand back
    what a dead drainer held, and ask for a drain."""
    from catalog.tasks import drain_inbox

    ids = services.registry_inbox_sweep(now=timezone.now() + timedelta(hours=1))
    drain_inbox.delay()
    return len(ids)


def test_mlflow_webhooks_reach_the_catalog_through_a_real_worker(live_server, worker, tmp_path):
    worker.start()
    server = start_mlflow_server(tmp_path / "mlflow")
    try:
        with transaction.atomic():
            source = services.registry_source_create(
                actor=None, kind="mlflow", slug="live", base_url=server.url, secret=SECRET
            )
        webhook, _ = services.registry_source_webhook_register(
            actor=None, source=source, webhook_url=f"{live_server.url}/webhooks/live/"
        )
        assert webhook["status"] == "ACTIVE"

        mf = server.client()
        run = mf.create_run(experiment_id="0").info.run_id
        mf.create_registered_model("churn", tags={"domain": "marketing"}, description="churn")
        mf.create_model_version("churn", f"runs:/{run}/a", run_id=run, tags={"algo": "xgb"})
        mf.create_model_version("churn", f"runs:/{run}/b", run_id=run)
        mf.set_model_version_tag("churn", "2", "validated", "yes")
        mf.set_registered_model_alias("churn", "champion", "1")
        mf.set_registered_model_alias("churn", "champion", "2")

        expected = lambda: registry_snapshot(mf)  # noqa: E731
        assert wait_until(lambda: catalog_snapshot(source) == expected(), timeout=90), (
            catalog_snapshot(source),
            expected(),
        )
        entry = ModelService.objects.get(registry_name="churn")
        assert entry.versions.get(version="2").aliases == ["champion"]
        assert AuditEvent.objects.filter(action="catalog.alias_moved").exists()

        mf.rename_registered_model("churn", "churn-v2")
        mf.delete_model_version("churn-v2", "1")
        out = StringIO()
        call_command("sync_registry", "live", stdout=out)
        assert "models renamed 1" in out.getvalue() and "versions deleted 1" in out.getvalue()
        entry.refresh_from_db()
        assert entry.registry_name == "churn-v2"
        assert entry.versions.get(version="1").registry_deleted_at is not None
    finally:
        server.stop()


def _post_batch(client, slug, name, versions):
    for n in versions:
        body, meta = signed("model_version", "created", {"name": name, "version": str(n)})
        response = client.generic(
            "POST", f"/webhooks/{slug}/", body, content_type="application/json", **meta
        )
        assert response.status_code == 200


def _registry_with_versions(mlflow_server, slug, count):
    with transaction.atomic():
        source = services.registry_source_create(
            actor=None, kind="mlflow", slug=slug, base_url=mlflow_server.url, secret=SECRET
        )
    mf = mlflow_server.client()
    name = f"{slug}-{uuid.uuid4().hex[:8]}"
    run = mf.create_run(experiment_id="0").info.run_id
    mf.create_registered_model(name)
    for n in range(1, count + 1):
        mf.create_model_version(name, f"runs:/{run}/v{n}", run_id=run)
    return source, name


def _assert_each_processed_once(source, name, count):
    rows = WebhookDelivery.objects.filter(source=source)
    assert rows.count() == count
    assert set(rows.values_list("status", flat=True)) == {"processed"}
    assert ModelVersion.objects.filter(model_service__registry_name=name).count() == count
    assert (
        AuditEvent.objects.filter(
            action="catalog.version_registered", target_label__startswith=f"{name} v"
        ).count()
        == count
    )


def _other_database_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_c2_worker_killed_mid_batch_loses_nothing(client, worker, mlflow_server):
    source, name = _registry_with_versions(mlflow_server, "c2", 30)
    _post_batch(client, "c2", name, range(1, 31))  # queued; no worker yet
    worker.start()
    assert wait_until(
        lambda: WebhookDelivery.objects.filter(status="processed").count() >= 3, timeout=60
    )
    worker.kill()  # SIGKILL, mid-batch
    # PostgreSQL ends the dead worker's sessions (and releases their row locks) only when it
    # notices the closed sockets. The sweeper skips locked rows, so a sweep in that moment
    # would leave the in-flight rows to the next beat-driven sweep; wait for the sessions.
    assert wait_until(lambda: _other_database_sessions() == 0, timeout=60)
    done_before = WebhookDelivery.objects.filter(status="processed").count()
    assert done_before < 30, "the batch finished before the kill; nothing was tested"
    # The sweeper (beat's, in production) hands back the batch the dead drainer had claimed.
    assert sweep_and_requeue() == 30 - done_before
    worker.start()
    processed = lambda: WebhookDelivery.objects.filter(status="processed").count()  # noqa: E731
    # Generous on a loaded 2-core machine; the property is that all 30 arrive, not how fast.
    assert wait_until(lambda: processed() == 30, timeout=180), (
        f"{processed()}/30 processed; worker log:\n{worker.log.read_text()[-3000:]}"
    )
    _assert_each_processed_once(source, name, 30)
    reruns = sum(WebhookDelivery.objects.values_list("attempts", flat=True)) - 30
    assert reruns <= 2  # at most the batch in flight at the kill (ATTEST_INGEST_BATCH_SIZE 2)


def test_c4_redis_losing_its_queue_loses_nothing(client, worker, mlflow_server, redis_server):
    source, name = _registry_with_versions(mlflow_server, "c4", 50)
    _post_batch(client, "c4", name, range(1, 51))
    # Before issue 18 these were 50 tasks waiting in Redis; now the receivers publish nothing.
    assert redis.Redis.from_url(redis_server).dbsize() == 0
    redis.Redis.from_url(redis_server).flushall()  # Redis restarted without persistence
    worker.start()  # drains what is pending as it starts: no sweeper needed
    assert wait_until(
        lambda: WebhookDelivery.objects.filter(status="processed").count() == 50, timeout=90
    )
    _assert_each_processed_once(source, name, 50)
