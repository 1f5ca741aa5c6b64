"""Reading one day of a deployment's traffic from the Prometheus HTTP API (``query_range``).

Pure: no ORM. Counters are read raw over ``query_range`` and their increase is computed here,
per series, with counter resets handled (a value below the previous one restarted from zero),
because PromQL's ``increase()`` extrapolates to the window's edges and would not give the
number of requests actually served. A series first seen within the window is a counter that
started during it (from zero). Latency quantiles come from the histogram's buckets:
``histogram_quantile(q, sum by (le) (increase(<buckets>[window])))`` at the window's end.

The URL is a team's input: every request goes through ``common.outbound`` (the outgoing
webhooks' SSRF check): the host's addresses are checked (private ones refused unless
``allow_private``, ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE) and the connection pinned to the
checked address; redirects are not followed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

import urllib3

from common.outbound import TargetRefused, host_header, pinned_pool, resolve_target

MAX_BODY = 64 * 1024 * 1024  # a day of one selector's points is far below this
MAX_POINTS = 10_000  # Prometheus refuses a query_range of more than 11,000 points per series


class PrometheusError(Exception):
    """Prometheus could not be reached, or refused the query (the message says which)."""


@dataclass(frozen=True)
class DayReading:
    requests: int
    errors: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None


def _get(base_url: str, params: dict, timeout: float, allow_private: bool = False) -> list[dict]:
    url = base_url.rstrip("/") + "/api/v1/query_range"
    try:
        scheme, host, port, address = resolve_target(
            url,
            allow_private=allow_private,
            what="usage reads",
            setting="ATTEST_USAGE_PROMETHEUS_ALLOW_PRIVATE",
        )
    except TargetRefused as exc:
        raise PrometheusError(f"Prometheus at {base_url} may not be called: {exc}") from None
    path = (urlsplit(url).path or "/") + "?" + urlencode(params)
    pool = pinned_pool(scheme, host, port, address, urllib3.Timeout(connect=timeout, read=timeout))
    try:
        answer = pool.urlopen(
            "GET",
            path,
            headers={"Host": host_header(scheme, host, port), "Accept": "application/json"},
            redirect=False,
            retries=False,
            preload_content=False,
        )
        try:
            raw = answer.read(MAX_BODY + 1, decode_content=True) or b""
        finally:
            answer.release_conn()
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise PrometheusError(f"Prometheus at {base_url} is unreachable: {exc}") from None
    finally:
        pool.close()
    status_code = answer.status
    try:
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        raise PrometheusError(
            f"Prometheus at {base_url} answered {status_code} without JSON."
        ) from None
    if status_code != 200 or body.get("status") != "success":
        raise PrometheusError(
            f"Prometheus refused {params['query']!r}: {body.get('error') or status_code}"
        )
    data = body.get("data") or {}
    if data.get("resultType") != "matrix":
        raise PrometheusError(f"Prometheus answered a {data.get('resultType')} to query_range.")
    return data.get("result") or []


def _ts(moment: datetime) -> str:
    return f"{moment.timestamp():.3f}"


def query_range(
    base_url: str,
    query: str,
    start: datetime,
    end: datetime,
    step: int,
    timeout: float,
    allow_private: bool = False,
) -> dict[str, list[tuple[float, float]]]:
    """Series labels (as a key) → [(unix time, value)], evaluated at start, start+step, ... and
    at ``end`` itself; split into requests of at most ``MAX_POINTS`` points."""
    series: dict[str, list[tuple[float, float]]] = {}

    def add(result):
        for item in result:
            key = repr(sorted((item.get("metric") or {}).items()))
            series.setdefault(key, []).extend(
                (float(t), float(v)) for t, v in item.get("values") or []
            )

    chunk_start = start
    last = start
    while chunk_start <= end:
        chunk_end = min(end, chunk_start + timedelta(seconds=step * (MAX_POINTS - 1)))
        params = {"query": query, "start": _ts(chunk_start), "end": _ts(chunk_end), "step": step}
        add(_get(base_url, params, timeout, allow_private))
        points = int((chunk_end - chunk_start).total_seconds() // step)
        last = chunk_start + timedelta(seconds=points * step)
        chunk_start = last + timedelta(seconds=step)
    if last < end:  # the window's end itself, when it is not on a step
        add(
            _get(
                base_url,
                {"query": query, "start": _ts(end), "end": _ts(end), "step": step},
                timeout,
                allow_private,
            )
        )
    for values in series.values():
        values.sort()
    return series


def counter_increase(series: dict[str, list[tuple[float, float]]], start: datetime) -> float:
    """What the counters grew by over the window; resets count from zero."""
    total = 0.0
    begin = start.timestamp()
    for values in series.values():
        clean = [(t, v) for t, v in values if math.isfinite(v)]
        if not clean:
            continue
        previous = clean[0][1] if clean[0][0] <= begin else 0.0  # born within the window
        for _, value in clean:
            total += value - previous if value >= previous else value
            previous = value
    return total


def _quantile(base_url, q, buckets, start, end, step, timeout, allow_private) -> float | None:
    window = max(1, int((end - start).total_seconds()))
    query = f"histogram_quantile({q}, sum by (le) (increase({buckets}[{window}s])))"
    result = _get(
        base_url,
        {"query": query, "start": _ts(end), "end": _ts(end), "step": step},
        timeout,
        allow_private,
    )
    for item in result:
        for _, value in item.get("values") or []:
            number = float(value)
            if math.isfinite(number):
                return round(number * 1000, 3)  # seconds → ms
    return None


def read_day(
    *,
    base_url: str,
    requests_selector: str,
    errors_selector: str,
    latency_selector: str,
    start: datetime,
    end: datetime,
    step: int,
    timeout: float,
    allow_private: bool = False,
) -> DayReading:
    """Requests, errors and p50/p95 latency (ms) served in [start, end]."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    served = counter_increase(
        query_range(base_url, requests_selector, start, end, step, timeout, allow_private), start
    )
    failed = 0.0
    if errors_selector:
        failed = counter_increase(
            query_range(base_url, errors_selector, start, end, step, timeout, allow_private), start
        )
    p50 = p95 = None
    if latency_selector:
        p50 = _quantile(base_url, 0.5, latency_selector, start, end, step, timeout, allow_private)
        p95 = _quantile(base_url, 0.95, latency_selector, start, end, step, timeout, allow_private)
    return DayReading(round(served), round(failed), p50, p95)
