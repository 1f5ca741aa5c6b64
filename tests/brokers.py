"""A Redis broker of a test's own, for broker-outage tests (registered in tests/conftest.py).

``redis_broker`` points Celery at a free loopback port with eager mode off and nothing listening
yet (the broker is down until the test calls ``start()``); ``running_broker`` starts it first.
Both put Celery, kombu's process-wide producer pools and the root logger back afterwards, and
stop the redis-server they started by PID.
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import subprocess
import time

import pytest
import redis

from config.celery import app as celery_app


def wait_until(predicate, *, timeout: float, interval: float = 0.25, tick=None) -> bool:
    """Poll ``predicate`` until true or ``timeout``; ``tick`` runs between polls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if tick is not None:
            tick()
        time.sleep(interval)
    return predicate()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reset_producer_pool() -> None:
    """Make the next publish connect to the broker now configured (kombu's process-wide
    producer pools are keyed by connection; see tests/catalog/test_ingest_worker.py)."""
    from kombu import pools

    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
        celery_app._pool = None
    celery_app.amqp._producer_pool = None
    pools.reset()


class RedisBroker:
    """A redis-server of the test's own on a fixed free port, started and stopped by PID."""

    def __init__(self, tmp_path):
        self.port, self.dir, self.process = free_port(), tmp_path, None
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.pids: list[int] = []

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=2)

    def up(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.pids.append(self.process.pid)
        assert wait_until(self.up, timeout=10), f"redis-server on {self.port} did not start"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def _messages(self) -> list[dict]:
        client = self.client()
        queued = [json.loads(v) for v in client.lrange(celery_app.conf.task_default_queue, 0, -1)]
        # kombu keeps each unacked message as [message, exchange, routing key]
        queued += [json.loads(v)[0] for v in client.hgetall("unacked").values()]
        return queued

    def queued(self) -> list[str]:
        """Task names waiting in the default queue plus those a worker holds unacked."""
        return [message["headers"]["task"] for message in self._messages()]

    def queued_task_ids(self) -> list[str]:
        return [message["headers"]["id"] for message in self._messages()]


def _pointed_at(handle: RedisBroker, *, start: bool):
    keys = ("task_always_eager", "broker_url", "worker_hijack_root_logger")
    saved = {k: celery_app.conf[k] for k in keys}
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    log_setup = type(celery_app.log)._setup
    if start:
        handle.start()
    celery_app.conf.update(
        task_always_eager=False, broker_url=handle.url, worker_hijack_root_logger=False
    )
    reset_producer_pool()
    try:
        yield handle
    finally:
        handle.stop()
        celery_app.conf.update(saved)
        reset_producer_pool()
        type(celery_app.log)._setup = log_setup
        root.setLevel(saved_root[0])
        root.handlers[:] = saved_root[1]


@pytest.fixture
def redis_broker(tmp_path):
    """Celery pointed at a Redis of the test's own that is down until ``start()``."""
    yield from _pointed_at(RedisBroker(tmp_path), start=False)


@pytest.fixture
def running_broker(tmp_path):
    """Celery pointed at a Redis of the test's own, already running."""
    yield from _pointed_at(RedisBroker(tmp_path), start=True)
