"""Wakes the inbox drain when a receiver stores a delivery (an adapter, like ``tasks.py``).

The receiver's INSERT calls ``pg_notify('attest_inbox', '')`` (``catalog.services.inbox``),
which PostgreSQL delivers at commit to every session listening on the channel, on any host.
Each Celery worker process starts one thread that LISTENs on its own connection and, when
woken, publishes one ``drain_inbox`` task, however many deliveries arrived in the last
``COALESCE_SECONDS``: the broker sees a message per burst per worker, never one per delivery.
The receivers never talk to the broker. A lost notification (listener reconnecting, broker
down) only waits for beat's ``drain-registry-inbox`` tick.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)
COALESCE_SECONDS = 0.05
_started = threading.Event()


def _ask_for_a_drain() -> None:
    from catalog.tasks import drain_inbox

    try:
        drain_inbox.apply_async(expires=60)
    except Exception:  # broker down: beat's tick (or the next wake) drains
        logger.warning("inbox listener: could not queue a drain")


def _connect_params() -> dict:
    db = connection.settings_dict
    params = {"dbname": db["NAME"], "user": db["USER"], "password": db["PASSWORD"]}
    params.update({k: v for k, v in (("host", db["HOST"]), ("port", db["PORT"])) if v})
    return params


def _listen_forever() -> None:
    import psycopg

    from catalog.services.inbox import CHANNEL

    while True:
        try:
            with psycopg.connect(**_connect_params(), autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                # What was committed while nobody listened (start-up, a reconnect).
                _ask_for_a_drain()
                while True:
                    woken = False
                    for _ in conn.notifies(timeout=30.0, stop_after=1):
                        woken = True
                    if woken:
                        for _ in conn.notifies(timeout=COALESCE_SECONDS):
                            pass  # the rest of the burst: one drain covers it
                        _ask_for_a_drain()
        except Exception:
            logger.exception("inbox listener: connection lost; reconnecting in 5 s")
            time.sleep(5)


def start_listener(**_kwargs) -> None:
    """``worker_ready``: start the listening thread (PostgreSQL, a real broker, once)."""
    from celery import current_app

    if (
        current_app.conf.task_always_eager
        or connection.vendor != "postgresql"
        or not settings.ATTEST_INGEST_LISTEN
        or _started.is_set()
    ):
        return
    _started.set()
    threading.Thread(target=_listen_forever, name="attest-inbox-listener", daemon=True).start()
