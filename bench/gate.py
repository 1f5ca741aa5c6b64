"""Benchmark the deploy gate over real HTTP (not a test: figures go to the README).

A real server process (gunicorn, configured as the Dockerfile runs it: config.wsgi, 3 sync
workers, production settings) answers ``GET /api/v1/gate/`` for an approved version:

- 1,000 sequential calls from one ``requests.Session``;
- 1,000 calls from 8 threads (one session each).

The client keeps connections alive, but gunicorn's sync workers close each one after the
answer, so every call also pays a loopback TCP connect (a fraction of a millisecond).

Every answer is a full one: token check, visibility, approval, fingerprint re-computed, and
the answer appended to the hash-chained audit trail. The per-token rate limits
(ATTEST_RATE_GATE, ATTEST_RATE_API) are lifted for the server process, or they would throttle
the benchmark rather than measure it.

Runs on its own throw-away PostgreSQL database (test_gate_<pid>_bench), dropped afterwards.
Usage: make bench   (or .venv/bin/python bench/gate.py; BENCH_GATE_CALLS=5000 for more calls)
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()
logging.getLogger("celery").setLevel(logging.WARNING)  # set-up tasks run eagerly: no chatter

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402

from accounts import services as account_services  # noqa: E402
from accounts.models import User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from catalog import services as catalog_services  # noqa: E402
from governance import services as assessment_services  # noqa: E402
from governance.approvals import services as approval_services  # noqa: E402
from governance.demo import BASE  # noqa: E402

MODEL, VERSION, ENVIRONMENT = "bench-credit-scoring", "1", "production"
CONCURRENCY = 8
WORKERS = 3  # as the Dockerfile runs gunicorn


def set_up_data() -> str:
    """A team, its CI service account and reviewer, an assessed model (minimal tier), an
    approved request for production, and a gate:read token. Returns the token."""
    team = account_services.team_create(actor=None, name="Bench", slug="bench")
    admin = User.objects.create_user("bench-admin")
    account_services.user_role_grant(actor=None, user=admin, role=Role.ADMIN)
    reviewer = User.objects.create_user("bench-reviewer")
    account_services.user_role_grant(actor=None, user=reviewer, role=Role.REVIEWER)
    account_services.team_reviewer_add(actor=None, team=team, user=reviewer)
    ci = User.objects.create_user("bench-ci", is_service_account=True)
    account_services.team_member_add(actor=None, team=team, user=ci)
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
        run_id="bench0001",
    )
    assessment_services.assessment_submit(
        actor=admin, model_service=model, answers={**BASE, "autonomy": "advisory"}
    )
    request = approval_services.deployment_request_create(
        actor=ci,
        model_version=version,
        environment=ENVIRONMENT,
        justification="Benchmark.",
    )
    request = approval_services.deployment_request_decide(
        actor=reviewer, request=request, verdict="approve", comment="Benchmark."
    )
    if request.state != request.State.APPROVED:
        raise SystemExit(f"set-up failed: the request is {request.state}, not approved")
    _, token = account_services.api_token_create(
        actor=None, user=ci, name="bench", scopes=["gate:read"], expires_in_days=1
    )
    return token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(db: dict) -> str:
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_server(port: int, workdir: Path) -> tuple[subprocess.Popen, Path]:
    """gunicorn with the production settings module, pointed at the bench database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "ATTEST_SECRETS_KEY": settings.ATTEST_SECRETS_KEY,
        "ATTEST_TOKEN_PEPPER": settings.ATTEST_TOKEN_PEPPER,  # the token was hashed with it
        "DATABASE_URL": database_url(connection.settings_dict),
        "DB_CONN_MAX_AGE": "60",
        "REDIS_URL": os.environ["REDIS_URL"],
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "ATTEST_RATE_GATE": "1000000/60",
        "ATTEST_RATE_API": "1000000/60",
        "ATTEST_VAR_DIR": str(workdir),
        "ATTEST_AUDIT_CHECKPOINT_FILE": str(workdir / "audit-checkpoints.jsonl"),
        "LOG_LEVEL": "WARNING",
    }
    log = workdir / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
    ]
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_until_up(server, f"http://127.0.0.1:{port}/healthz", log)
    except BaseException:
        stop_server(server)
        raise
    return server, log


def wait_until_up(server: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass  # workers still booting
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s:\n{log.read_text()}")


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM to the gunicorn master (a graceful stop of its workers), SIGKILL if it hangs."""
    if server.poll() is not None:
        return
    os.kill(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(server.pid, signal.SIGKILL)
        server.wait()


class Gate:
    def __init__(self, base_url: str, token: str):
        self.url = f"{base_url}/api/v1/gate/"
        self.params = {"model": MODEL, "version": VERSION, "environment": ENVIRONMENT}
        self.headers = {"Authorization": f"Bearer {token}"}
        self.local = threading.local()

    def call(self) -> float:
        """One gate call on this thread's keep-alive session; its latency in seconds."""
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        start = time.perf_counter()
        response = session.get(self.url, params=self.params, headers=self.headers, timeout=30)
        elapsed = time.perf_counter() - start
        if response.status_code != 200 or response.json().get("allowed") is not True:
            raise SystemExit(f"the gate did not allow: {response.status_code} {response.text}")
        return elapsed


def report(label: str, latencies: list[float], wall: float) -> None:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    ms = [value * 1000 for value in (cuts[49], cuts[94], cuts[98], max(latencies))]
    print(
        f"{label}: p50 {ms[0]:.1f} ms, p95 {ms[1]:.1f} ms, p99 {ms[2]:.1f} ms, "
        f"max {ms[3]:.1f} ms; {len(latencies) / wall:,.0f} requests/s"
    )


def run(gate: Gate, calls: int) -> None:
    for _ in range(20):  # warm-up: imports, connections, caches in every worker
        gate.call()
    start = time.perf_counter()
    sequential = [gate.call() for _ in range(calls)]
    report(f"sequential, {calls:,} calls", sequential, time.perf_counter() - start)

    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        list(pool.map(lambda _: gate.call(), range(CONCURRENCY * 4)))  # warm-up sessions
        start = time.perf_counter()
        concurrent = list(pool.map(lambda _: gate.call(), range(calls)))
        wall = time.perf_counter() - start
    report(f"concurrency {CONCURRENCY}, {calls:,} calls", concurrent, wall)


def main() -> None:
    calls = int(os.environ.get("BENCH_GATE_CALLS", "1000"))
    creation = connection.creation
    original_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"test_gate_{os.getpid()}_bench"
    name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
    print(f"database {name}")
    server = None
    try:
        token = set_up_data()
        connections.close_all()  # the server has the database to itself
        with tempfile.TemporaryDirectory(prefix="attest-gate-bench-") as workdir:
            port = free_port()
            server, log = start_server(port, Path(workdir))
            print(
                f"gunicorn config.wsgi: {WORKERS} sync workers on 127.0.0.1:{port} "
                f"(pid {server.pid}), {os.cpu_count()} CPUs; every answer audited"
            )
            try:
                run(Gate(f"http://127.0.0.1:{port}", token), calls)
            finally:
                stop_server(server)
                errors = [line for line in log.read_text().splitlines() if "ERROR" in line]
                if errors:
                    print("server errors:\n" + "\n".join(errors[:20]))
    finally:
        connections.close_all()
        creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
