"""Where one request's time goes, measured in this process (not over HTTP).

``profile(call, calls)`` runs ``call`` (a ``django.test.Client`` request) ``calls`` times after
one warm call and reports, per call: wall time, the SQL statements and the time spent in them
(timed around each ``execute``: the round trip to PostgreSQL, planning and execution
included), the Redis round trips and their time, and the rest (Python: the
framework, the ORM building SQL, serialising). It also keeps each statement's first words of
one call, so the README can say which statements they are. The bench's figures over HTTP stay
the measure; this says what is inside them.
"""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager

from django.db import connection


@contextmanager
def _redis_counter(counts: list[float]):
    """Count round trips (one per packed send: a pipeline is one) and time until the reply."""
    from redis.connection import AbstractConnection

    send, read = AbstractConnection.send_packed_command, AbstractConnection.read_response
    started: list[float] = []

    def counted_send(self, *args, **kwargs):
        counts[0] += 1
        started.append(time.perf_counter())
        return send(self, *args, **kwargs)

    def timed_read(self, *args, **kwargs):
        try:
            return read(self, *args, **kwargs)
        finally:
            if started:
                counts[1] += time.perf_counter() - started.pop()

    AbstractConnection.send_packed_command = counted_send
    AbstractConnection.read_response = timed_read
    try:
        yield
    finally:
        AbstractConnection.send_packed_command = send
        AbstractConnection.read_response = read


class _Statements:
    """``connection.execute_wrapper``: every statement with its time (perf_counter)."""

    def __init__(self):
        self.captured: list[dict] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.captured.append({"sql": sql, "s": time.perf_counter() - start})


def _head(sql: str) -> str:
    words = " ".join(sql.split())
    return words[:90] + ("…" if len(words) > 90 else "")


def profile(call, calls: int = 200) -> dict:
    call()
    walls, sql_ms, statements, redis_trips, redis_ms = [], [], [], [], []
    last: list[dict] = []
    for _ in range(calls):
        counts = [0, 0.0]
        queries = _Statements()
        with connection.execute_wrapper(queries), _redis_counter(counts):
            start = time.perf_counter()
            response = call()
            walls.append((time.perf_counter() - start) * 1000)
        if response.status_code >= 300:
            raise RuntimeError(f"profiled call answered {response.status_code}")
        sql_ms.append(sum(q["s"] for q in queries.captured) * 1000)
        statements.append(len(queries.captured))
        redis_trips.append(counts[0])
        redis_ms.append(counts[1] * 1000)
        last = queries.captured
    wall, sql, redis_time = (statistics.mean(x) for x in (walls, sql_ms, redis_ms))
    return {
        "calls": calls,
        "wall_ms_mean": round(wall, 3),
        "sql_statements": max(statements),
        "sql_ms_mean": round(sql, 3),
        "redis_round_trips": max(redis_trips),
        "redis_ms_mean": round(redis_time, 3),
        "python_ms_mean": round(wall - sql - redis_time, 3),
        "statements": [{"ms": round(q["s"] * 1000, 3), "sql": _head(q["sql"])} for q in last],
    }
