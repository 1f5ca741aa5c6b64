"""The production-like stack a benchmark run measures: PostgreSQL, Redis, gunicorn, Celery.

``running_stack`` creates a throw-away database ``attest_bench_<pid>``, points this process's
Django at it (``bench.settings``: the production settings plus the floor view and lifted rate
limits), migrates it, collects static files as the Dockerfile does, starts a real Celery worker
(concurrency 2, as docker-compose runs it) on a queue of its own, and gunicorn with 2 sync
workers on a free port. On the way out, also on an exception or Ctrl-C, it stops every process
it started (by PID: SIGTERM, then SIGKILL), drops the database and empties its Redis queue.

Environment knobs: BENCH_DATABASE_URL (bench/pg.py) and BENCH_REDIS_URL (default
redis://127.0.0.1:6379/14, one index away from the test suite's).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.pg import create_database, database_url, drop_database

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_WORKERS = 2
CELERY_CONCURRENCY = 2  # as docker-compose runs the worker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_process(name: str, command: list[str], workdir: Path, env: dict) -> subprocess.Popen:
    """Start one server process in its own session (Ctrl-C reaches only us; we stop it),
    logging to ``<workdir>/<name>.log``."""
    with (workdir / f"{name}.log").open("ab") as log:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_process(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM (a graceful stop), then SIGKILL if it has not exited within ``timeout``."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Stack:
    """What a scenario needs to reach the running stack."""

    base_url: str
    db_name: str
    database_url: str
    redis_url: str
    workdir: Path
    quick: bool
    queue: str
    env: dict = field(repr=False, default_factory=dict)
    processes: dict = field(repr=False, default_factory=dict)

    def check_alive(self) -> None:
        """Raise, with its log, if a server process of the stack has died."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {process.returncode}:\n"
                    f"{log_tail(self.workdir / f'{name}.log')}"
                )

    def wait_for_celery_idle(self, timeout: float = 300) -> None:
        """Wait until the queue is empty and no task is running or reserved, twice in a row."""
        import redis

        from config.celery import app

        broker = redis.Redis.from_url(self.redis_url)
        deadline, quiet = time.monotonic() + timeout, 0
        while time.monotonic() < deadline:
            self.check_alive()
            inspect = app.control.inspect(timeout=1, limit=1)
            busy = broker.llen(self.queue) + sum(
                len(tasks)
                for answer in (inspect.active() or {}, inspect.reserved() or {})
                for tasks in answer.values()
            )
            quiet = quiet + 1 if busy == 0 else 0
            if quiet >= 2:
                return
            time.sleep(0.5)
        raise TimeoutError(f"the Celery worker was still busy after {timeout:.0f} s")


def _environment(db_url: str, redis_url: str, workdir: Path, queue: str) -> dict:
    """The environment the production containers get (docker-compose's x-attest-env), with
    fresh secrets, plain HTTP on loopback (no TLS proxy in front), and paths under workdir."""
    from cryptography.fernet import Fernet

    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ATTEST_SECRETS_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": db_url,
        "DB_CONN_MAX_AGE": "60",
        "REDIS_URL": redis_url,
        "ATTEST_CELERY_QUEUE": queue,
        "BENCH_RUN_ID": str(os.getpid()),
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "ATTEST_VAR_DIR": str(workdir),
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "ATTEST_AUDIT_CHECKPOINT_FILE": str(workdir / "audit-checkpoints.jsonl"),
        "LOG_LEVEL": "WARNING",
    }


def _wait_until(check, what: str, stack: Stack, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.check_alive()
        try:
            if check():
                return
        except Exception:  # noqa: S110 - still starting
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{what} was not ready within {timeout:.0f} s")


def _prepare_django(workdir: Path) -> None:
    """Set up Django in this process on the bench database, migrate, collect static files."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    (workdir / "media").mkdir(exist_ok=True)
    call_command("collectstatic", interactive=False, verbosity=0)


def _control_socket(workdir: Path) -> list[str]:
    """gunicorn >= 26 opens a control socket at one path per user: concurrent runs would share
    it, so each run gets its own."""
    import gunicorn

    return (
        ["--control-socket", str(workdir / "gunicorn.ctl")]
        if gunicorn.version_info >= (26,)
        else []
    )


def _start_servers(stack: Stack) -> None:
    import requests

    from config.celery import app

    python = sys.executable
    stack.processes["celery"] = start_process(
        "celery",
        [
            python,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(CELERY_CONCURRENCY),
        ],
        stack.workdir,
        stack.env,
    )
    port = free_port()
    stack.base_url = f"http://127.0.0.1:{port}"
    stack.processes["gunicorn"] = start_process(
        "gunicorn",
        [
            python,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--access-logfile",
            "-",
            *_control_socket(stack.workdir),
        ],
        stack.workdir,
        stack.env,
    )
    _wait_until(
        lambda: requests.get(f"{stack.base_url}/readyz", timeout=5).status_code == 200,
        "gunicorn /readyz",
        stack,
    )
    _wait_until(lambda: bool(app.control.ping(timeout=1)), "the Celery worker", stack)


@contextmanager
def running_stack(quick: bool) -> Iterator[Stack]:
    """The whole stack for one benchmark run; everything started is stopped on the way out."""
    pid = os.getpid()
    db_name = f"attest_bench_{pid}"
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    workdir = Path(tempfile.mkdtemp(prefix="attest-bench-"))
    stack = Stack(
        base_url="",
        db_name=db_name,
        database_url=database_url(db_name),
        redis_url=redis_url,
        workdir=workdir,
        quick=quick,
        queue=f"attest-bench-{pid}",
    )
    failed = True
    create_database(db_name)
    try:
        stack.env = _environment(stack.database_url, redis_url, workdir, stack.queue)
        os.environ.update(stack.env)
        stack.env = {**os.environ}
        _prepare_django(workdir)
        _start_servers(stack)
        yield stack
        failed = False
    finally:
        for process in reversed(list(stack.processes.values())):
            stop_process(process)
        if failed:
            for name in stack.processes:
                print(
                    f"--- {name} log ({workdir / f'{name}.log'}) ---\n"
                    f"{log_tail(workdir / f'{name}.log')}",
                    file=sys.stderr,
                )
        _tear_down(stack, keep_workdir=failed)


def _tear_down(stack: Stack, keep_workdir: bool) -> None:
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: S110 - Django may not have been set up
        pass
    drop_database(stack.db_name)
    try:
        import redis

        redis.Redis.from_url(stack.redis_url).delete(stack.queue)
    except Exception as exc:
        print(f"could not empty the Redis queue {stack.queue}: {exc}", file=sys.stderr)
    if keep_workdir:
        print(f"logs kept in {stack.workdir}", file=sys.stderr)
    else:
        shutil.rmtree(stack.workdir, ignore_errors=True)
