"""Deploy gate throughput and latency against the framework's floor, over real HTTP.

``GET /api/v1/gate/`` is what a CD pipeline calls before every deploy, so it must never be the
slow step. Every answer is a full one: bearer-token check, visibility, the approval and its
fingerprint re-computed, and the answer appended to the hash-chained audit trail
(``governance.gate_answered``). That append takes the chain's advisory lock, so gate answers
are serialised at the database for a moment each: the lock, not Python, caps throughput.

The peer is ``GET /bench/floor/``: a bare Django view returning a constant JSON, served by the
same gunicorn (2 sync workers) through the same middleware. Both get the same load, 16 client
threads each with its own keep-alive ``requests.Session``, in alternating blocks (gate, floor,
floor, gate, ...) so drift on a busy machine hits both alike. The client runs on the same
2 cores as the servers, so both figures include its cost too; the floor is the ceiling this
machine reaches for any Django view.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from django.db import connection
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from accounts.roles import Role
from approvals import services as approval_services
from audit.models import AuditEvent
from bench import results
from bench.scenarios import _people, _profile
from catalog import services as catalog_services
from catalog.models import ModelService
from risk import services as assessment_services
from risk.demo import BASE

MODEL, VERSION, ENVIRONMENT = "bench-gate-credit-scoring", "1", "production"
CONCURRENCY = 16
BLOCKS = 4  # per endpoint, alternating: gate floor, floor gate, gate floor, floor gate
PEER = "bare Django view, same gunicorn"


def set_up() -> str:
    """A team, its CI service account and reviewer, an assessed model (minimal tier), an
    approved request for production, and a gate:read token for the CI account."""
    team = _people.team("bench-gate", "Bench gate")
    admin = _people.user("bench-gate-admin", role=Role.ADMIN)
    reviewer = _people.user("bench-gate-reviewer", role=Role.REVIEWER)
    account_services.team_reviewer_add(actor=None, team=team, user=reviewer)
    ci = _people.member(team, _people.user("bench-gate-ci", service_account=True))
    if not ModelService.objects.filter(name=MODEL).exists():
        model = catalog_services.model_service_register(
            actor=None,
            name=MODEL,
            owner_team=team,
            metadata={
                "description": "Scores retail credit applications.",
                "intended_use": "Support credit officers.",
            },
        )
        version = catalog_services.model_version_register(
            actor=None,
            model_service=model,
            version=VERSION,
            source_uri=f"s3://models/{MODEL}/{VERSION}",
            run_id="benchgate0001",
        )
        assessment_services.assessment_submit(
            actor=admin, model_service=model, answers={**BASE, "autonomy": "advisory"}
        )
        request = approval_services.deployment_request_create(
            actor=ci, model_version=version, environment=ENVIRONMENT, justification="Benchmark."
        )
        request = approval_services.deployment_request_decide(
            actor=reviewer, request=request, verdict="approve", comment="Benchmark."
        )
        if request.state != request.State.APPROVED:
            raise RuntimeError(f"set-up failed: the request is {request.state}, not approved")
    _, token = account_services.api_token_create(
        actor=None, user=ci, name="bench-gate", scopes=["gate:read"], expires_in_days=1
    )
    return token


def queries_per_answer(params: dict, token: str) -> int:
    """SQL statements behind one gate answer, counted in this process with the test client
    (same settings and database as gunicorn)."""
    with CaptureQueriesContext(connection) as queries:
        response = DjangoClient().get("/api/v1/gate/", params, HTTP_AUTHORIZATION=f"Bearer {token}")
    if response.status_code != 200:
        raise RuntimeError(f"the gate answered {response.status_code}: {response.content[:300]}")
    return len(queries)


class Client:
    """16 threads, one keep-alive session each, timing every call."""

    def __init__(self):
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="bench-gate")

    def _call(self, url: str, params: dict, headers: dict, check) -> float:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        start = time.perf_counter()
        response = session.get(url, params=params, headers=headers, timeout=60)
        elapsed = time.perf_counter() - start
        if response.status_code != 200 or not check(response.json()):
            raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:300]}")
        return elapsed

    def load(self, target: tuple, calls: int) -> tuple[list[float], float]:
        """``calls`` calls at concurrency 16: (latencies, wall seconds)."""
        start = time.perf_counter()
        latencies = list(self.pool.map(lambda _: self._call(*target), range(calls)))
        return latencies, time.perf_counter() - start


def run(stack) -> list[dict]:
    calls = 1_000 if stack.quick else 5_000
    token = set_up()
    gate = (
        f"{stack.base_url}/api/v1/gate/",
        {"model": MODEL, "version": VERSION, "environment": ENVIRONMENT},
        {"Authorization": f"Bearer {token}"},
        lambda answer: answer.get("allowed") is True,
    )
    floor = (f"{stack.base_url}/bench/floor/", {}, {}, lambda answer: answer.get("allowed"))
    client = Client()
    try:
        for target in (gate, floor):  # warm-up: every worker, session, connection and cache
            client.load(target, CONCURRENCY * 4)
        events_before = AuditEvent.objects.count()
        measured = {"gate": ([], 0.0), "floor": ([], 0.0)}
        order = ["gate", "floor"]
        for block in range(BLOCKS):
            for name in order if block % 2 == 0 else order[::-1]:
                latencies, wall = client.load(gate if name == "gate" else floor, calls // BLOCKS)
                measured[name] = (measured[name][0] + latencies, measured[name][1] + wall)
        audited = AuditEvent.objects.count() - events_before
        queries = queries_per_answer(gate[1], token)
        in_process = DjangoClient()  # one client: a new one loads the middleware again
        per_call = _profile.profile(
            lambda: in_process.get("/api/v1/gate/", gate[1], HTTP_AUTHORIZATION=f"Bearer {token}"),
            calls=100 if stack.quick else 500,
        )
    finally:
        client.pool.shutdown()
    stack.check_alive()

    (gate_lat, gate_wall), (floor_lat, floor_wall) = measured["gate"], measured["floor"]
    g, f = results.latency_summary(gate_lat), results.latency_summary(floor_lat)
    g_rate, f_rate = len(gate_lat) / gate_wall, len(floor_lat) / floor_wall
    detail = {
        "calls_each": len(gate_lat),
        "concurrency": CONCURRENCY,
        "blocks": BLOCKS,
        "gunicorn_workers": 2,
        "gate": g,
        "floor": f,
        "audit_events_written_by_gate": audited,
        "sql_queries_per_answer": queries,
        "profile_in_process": per_call,
        "note": "every gate answer appends one audit event under the chain's advisory lock",
    }
    return [
        results.row(
            "gate",
            f"GET /api/v1/gate/ throughput, concurrency {CONCURRENCY}",
            "req/s",
            g_rate,
            peer=f_rate,
            peer_name=PEER,
            better="higher",
            detail=detail,
        ),
        results.row(
            "gate", "gate p50 latency", "ms", g["p50_ms"], peer=f["p50_ms"], peer_name=PEER
        ),
        results.row(
            "gate", "gate p99 latency", "ms", g["p99_ms"], peer=f["p99_ms"], peer_name=PEER
        ),
    ]
