"""Webhook ingest: can Attest keep up with what a registry can send it?

1. Peer: the MLflow server (PostgreSQL backend, 2 workers) creates N new model versions through
   its own REST API (``model-versions/create``) with concurrency 8 -> versions/s: the ceiling of
   what a registry on this machine can announce. Each of the 8 clients owns its own models, so
   MLflow's version numbering never races.
2. Attest: one signed MLflow-format ``model_version.created`` delivery per created version is
   posted to ``/webhooks/<slug>/`` with concurrency 8 (signature exactly as
   reference/mlflow-webhooks.md) -> deliveries accepted/s and acknowledgement latency.
3. End to end: the real Celery worker processes the inbox, re-reading every version from the
   MLflow server, until the catalog holds all N versions -> events/s from the first post.

N: 5,000 (quick: 500), over N/10 registered models bulk-loaded into MLflow beforehand.
Rows: accepted/s and end-to-end/s against MLflow's create/s (higher is better), ack p99.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import requests

from bench import dataset
from bench.mlflow_peer import MlflowPeer, running_mlflow
from bench.results import Ticker, latency_summary, progress, row
from bench.stack import Stack

CONCURRENCY = 8
DELIVERIES = {"full": 5_000, "quick": 500}
VERSIONS_PER_MODEL = 10
SLUG = "bench-ingest"
PEER = "MLflow create-version rate"


def sign(secret: str, delivery_id: str, timestamp: str, body: bytes) -> str:
    """MLflow's webhook signature (reference/mlflow-webhooks.md), written here independently of
    Attest's verifier so the benchmark also checks the contract."""
    message = f"{delivery_id}.{timestamp}.".encode() + body
    return (
        "v1,"
        + base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()
    )


def delivery(version: dict) -> bytes:
    """The raw body MLflow sends for ``model_version.created`` (its field order and spacing)."""
    event = {
        "entity": "model_version",
        "action": "created",
        "timestamp": datetime.now(tz=UTC).isoformat(),
        "data": {
            "name": version["name"],
            "version": version["version"],
            "source": version.get("source"),
            "run_id": version.get("run_id"),
            "tags": {},
            "description": version.get("description"),
        },
    }
    return json.dumps(event).encode()


class _Clients:
    """One keep-alive ``requests.Session`` per worker thread."""

    def __init__(self):
        self.local = threading.local()

    def get(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session


def _create_versions(peer: MlflowPeer, models: list[dataset.CatalogModel], per_model: int):
    """MLflow creates ``per_model`` versions of every model, 8 clients at once, each on its own
    models. Returns the created versions, their latencies and the wall time."""
    clients, created, latencies = _Clients(), [], []
    lock, ticker = threading.Lock(), Ticker("ingest: MLflow created", len(models) * per_model)

    def worker(w: int) -> None:
        session = clients.get()
        for m in models[w::CONCURRENCY]:
            for v in range(per_model):
                body = {"name": m.name, "source": f"s3://bench-ingest/{m.name}/{v + 1}",
                        "run_id": uuid.uuid4().hex}  # fmt: skip
                start = time.perf_counter()
                response = session.post(peer.api("model-versions/create"), json=body, timeout=60)
                elapsed = time.perf_counter() - start
                if response.status_code != 200:
                    raise RuntimeError(f"MLflow create: {response.status_code} {response.text}")
                with lock:
                    created.append(response.json()["model_version"])
                    latencies.append(elapsed)
                ticker.tick()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        list(pool.map(worker, range(CONCURRENCY)))
    return created, latencies, time.perf_counter() - start


def _post_deliveries(url: str, secret: str, versions: list[dict]):
    """Post one signed delivery per version, 8 at once; returns ack latencies and wall time."""
    clients, ticker = _Clients(), Ticker("ingest: Attest accepted", len(versions))

    def post(version: dict) -> float:
        body, delivery_id = delivery(version), str(uuid.uuid4())
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-MLflow-Delivery-Id": delivery_id,
            "X-MLflow-Timestamp": timestamp,
            "X-MLflow-Signature": sign(secret, delivery_id, timestamp, body),
        }
        start = time.perf_counter()
        response = clients.get().post(url, data=body, headers=headers, timeout=60)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"webhook answered {response.status_code}: {response.text}")
        ticker.tick()
        return elapsed

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        latencies = list(pool.map(post, versions))
    return latencies, time.perf_counter() - start


def _wait_for_catalog(source, expected: int, started: float, stack: Stack) -> float:
    """Poll the catalog until it holds every version; returns seconds since ``started``."""
    from catalog.models import ModelVersion

    deadline, last, said = time.monotonic() + max(600, expected / 2), 0, 0.0
    while time.monotonic() < deadline:
        last = ModelVersion.objects.filter(model_service__registry_source=source).count()
        if last >= expected:
            return time.perf_counter() - started
        if time.monotonic() - said >= 10:
            said = time.monotonic()
            progress(f"ingest: the catalog holds {last:,}/{expected:,} versions")
        stack.check_alive()
        time.sleep(0.25)
    raise TimeoutError(f"the catalog held {last:,} of {expected:,} versions when time ran out")


def _inbox(source) -> dict:
    from django.db.models import Count

    from catalog.models import WebhookDelivery

    rows = WebhookDelivery.objects.filter(source=source).values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}


def run(stack: Stack) -> list[dict]:
    from catalog.services import registry_source_create

    total = DELIVERIES["quick" if stack.quick else "full"]
    per_model = VERSIONS_PER_MODEL
    models = [
        dataset.CatalogModel(i, f"ingest-{m.name}", m.team, m.risk_tier, m.description)
        for i, m in enumerate(dataset.catalog_models(total // per_model))
    ]
    with running_mlflow(stack, "ingest") as peer:
        peer.fill(models, versions_per_model=0)
        progress(f"ingest: MLflow creates {total:,} versions, concurrency {CONCURRENCY}")
        versions, create_latencies, create_wall = _create_versions(peer, models, per_model)
        peer_rate = len(versions) / create_wall
        progress(f"ingest: MLflow created {len(versions):,} versions at {peer_rate:,.0f}/s")
        secret = secrets.token_urlsafe(24)
        source = registry_source_create(
            actor=None, kind="mlflow", slug=SLUG, base_url=peer.url, secret=secret
        )
        started = time.perf_counter()
        acks, post_wall = _post_deliveries(f"{stack.base_url}/webhooks/{SLUG}/", secret, versions)
        accepted_rate = len(acks) / post_wall
        progress(f"ingest: Attest accepted {len(acks):,} deliveries at {accepted_rate:,.0f}/s")
        end_to_end = _wait_for_catalog(source, len(versions), started, stack)
        inbox = _inbox(source)
    e2e_rate = len(versions) / end_to_end
    progress(f"ingest: catalog complete after {end_to_end:.1f} s ({e2e_rate:,.0f}/s); {inbox}")
    ack = latency_summary(acks)
    detail = {
        "deliveries": len(versions),
        "concurrency": CONCURRENCY,
        "mlflow_create_latency": latency_summary(create_latencies),
        "mlflow_create_seconds": round(create_wall, 2),
        "attest_ack_latency": ack,
        "attest_post_seconds": round(post_wall, 2),
        "end_to_end_seconds": round(end_to_end, 2),
        "inbox_status": inbox,
    }
    return [
        row("ingest", f"deliveries accepted/s, {len(acks):,} posted by 8 clients", "events/s",
            accepted_rate, peer=peer_rate, peer_name=PEER, better="higher", detail=detail),
        row("ingest", "acknowledgement latency, p99", "ms", ack["p99_ms"], detail=detail),
        row("ingest", "end to end: posted -> every version in the catalog", "events/s",
            e2e_rate, peer=peer_rate, peer_name=PEER, better="higher", detail=detail),
    ]  # fmt: skip
