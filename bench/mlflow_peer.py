"""The peer: a real ``mlflow server`` with a PostgreSQL backend store, on the same machine.

``running_mlflow`` creates a database ``mlflow_bench_<pid>_<label>``, starts the venv's
``mlflow server`` on it with 2 workers (as Attest's gunicorn has 2) and a free port; MLflow
creates its own schema at start-up. ``MlflowPeer.fill`` then bulk-loads registered models,
versions and tags straight into MLflow's tables with COPY (the layout of MLflow's SQLAlchemy
models ``mlflow/store/model_registry/dbmodels/models.py``), which is thousands of times faster
than its REST API and gives exactly the rows the API would have written. On the way out the
server is stopped by PID and the database dropped.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests

from bench import dataset
from bench.pg import create_database, database_url, drop_database
from bench.stack import Stack, free_port, log_tail, start_process, stop_process

MLFLOW = Path(sys.executable).with_name("mlflow")
WORKERS = 2
API = "/api/2.0/mlflow"


@dataclass
class MlflowPeer:
    url: str
    db_name: str
    log: Path
    process: subprocess.Popen

    def wait_until_up(self, timeout: float = 180) -> None:
        """Block until ``/health`` answers (about 15-30 s after start on 2 busy cores)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mlflow server exited:\n{log_tail(self.log)}")
            try:
                if requests.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass  # still starting
            time.sleep(0.5)
        raise TimeoutError(f"mlflow server not ready in {timeout:.0f} s:\n{log_tail(self.log)}")

    def conninfo(self) -> str:
        return database_url(self.db_name).replace("postgres://", "postgresql://", 1)

    def api(self, path: str) -> str:
        return f"{self.url}{API}/{path}"

    def fill(self, models: list[dataset.CatalogModel], versions_per_model: int) -> None:
        """Bulk-load ``models`` with their versions and tags: a ``risk_tier`` and a ``team``
        tag on each registered model (the tier filter's MLflow equivalent), a ``framework``
        tag on each version."""
        with psycopg.connect(self.conninfo()) as conn, conn.cursor() as cur:
            with cur.copy(
                "COPY registered_models (name, creation_time, last_updated_time, description)"
                " FROM STDIN"
            ) as copy:
                for m in models:
                    created = dataset.BASE_TIME_MS + m.index * 60_000
                    copy.write_row((m.name, created, created, m.description))
            with cur.copy("COPY registered_model_tags (name, key, value) FROM STDIN") as copy:
                for m in models:
                    copy.write_row((m.name, "risk_tier", m.risk_tier))
                    copy.write_row((m.name, "team", dataset.team_slug(m.team)))
            with cur.copy(
                "COPY model_versions (name, version, creation_time, last_updated_time,"
                " description, user_id, current_stage, source, storage_location, run_id,"
                " run_link, status, status_message) FROM STDIN"
            ) as copy:
                for m in models:
                    for v in dataset.catalog_versions(m, versions_per_model):
                        copy.write_row(
                            (m.name, v.version, v.created_ms, v.created_ms, "", None, "None",
                             v.source, v.source, v.run_id, "", "READY", "")
                        )  # fmt: skip
            with cur.copy("COPY model_version_tags (name, version, key, value) FROM STDIN") as copy:
                for m in models:
                    for v in range(1, versions_per_model + 1):
                        copy.write_row((m.name, v, "framework", "sklearn"))
        self.analyze()

    def analyze(self) -> None:
        """Fresh planner statistics after a bulk load (Attest's side gets the same)."""
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute("ANALYZE")

    def count_versions(self) -> int:
        with psycopg.connect(self.conninfo()) as conn:
            return conn.execute("SELECT count(*) FROM model_versions").fetchone()[0]


def _environment(workdir: Path) -> dict:
    """As reference/mlflow-webhooks.md runs it on loopback; no Django settings leak in."""
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MLFLOW_"))}
    env.update(
        {
            "MLFLOW_WEBHOOK_ALLOWED_SCHEMES": "http,https",
            "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS": "true",
            "MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "HOME": str(workdir),
        }
    )
    return env


@contextmanager
def running_mlflow(stack: Stack, label: str, wait: bool = True) -> Iterator[MlflowPeer]:
    """A fresh MLflow server on its own PostgreSQL database, stopped and dropped afterwards.
    With ``wait=False`` it yields at once (to overlap the start-up with other work): call
    ``peer.wait_until_up()`` before using it."""
    db_name = f"mlflow_bench_{os.getpid()}_{label}"
    workdir = stack.workdir / f"mlflow-{label}"
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    backend = database_url(db_name).replace("postgres://", "postgresql+psycopg://", 1)
    create_database(db_name)
    name = f"mlflow-{label}"
    process = None
    try:
        process = start_process(
            name,
            [str(MLFLOW), "server", "--backend-store-uri", backend,
             "--default-artifact-root", str(workdir / "artifacts"),
             "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS)],
            stack.workdir,
            _environment(workdir),
        )  # fmt: skip
        peer = MlflowPeer(
            url=f"http://127.0.0.1:{port}",
            db_name=db_name,
            log=stack.workdir / f"{name}.log",
            process=process,
        )
        if wait:
            peer.wait_until_up()
        yield peer
    finally:
        if process is not None:
            stop_process(process)
        drop_database(db_name)
