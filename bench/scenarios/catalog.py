"""Catalog read: Attest's catalog API and list page against MLflow's own registry search.

Data (bench/dataset.py, fixed seed): 10,000 models x 10 versions in 50 teams (quick: 1,000 x
10), the same names, tiers and versions on both sides. The reader is in 3 teams, so Attest
shows it 3/50 of the catalog (600 models) and must filter by permission on every query;
MLflow has no access control and searches every model.

Timed over HTTP by one ``requests.Session`` per side, interleaved (Attest call, MLflow call,
...), so both see the same machine load. Queries, at the same page size (Attest's API default,
50):

- list, default page: ``GET /api/v1/models/`` vs ``registered-models/search``
- name search: ``?search=fraud`` vs ``filter=name ILIKE '%fraud%'``
- risk-tier filter: ``?risk_tier=high`` vs ``filter=tags.risk_tier = 'high'``
- one model's versions: ``/api/v1/models/<id>/versions/`` vs ``model-versions/search?filter=
  name='<name>'`` (cycling over 20 visible models)
- the HTML catalog list page ``/models/`` (Attest only; MLflow's UI is a JavaScript app over
  the same search API)

Each query gets a p50 and a p95 row, ratio Attest/MLflow (lower is better; the README quotes
p95, p50 is beside it). The SQL query count of each Attest request is measured in-process
(django.test.Client on the same database) and shown in the measure's name.
"""

from __future__ import annotations

import re
import time

import requests
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import dataset
from bench.mlflow_peer import running_mlflow
from bench.results import latency_summary, progress, row
from bench.scenarios import _catalog_fill, _profile
from bench.stack import Stack

PAGE = 50  # Attest's API default page size (REST_FRAMEWORK PAGE_SIZE)
PEER = "MLflow registry server"


def _sizes(stack: Stack) -> tuple[int, int]:
    """(models, samples per query)."""
    return (1_000, 60) if stack.quick else (10_000, 200)


def _queries(catalog: _catalog_fill.AttestCatalog) -> list[dict]:
    """Each query as (Attest path + params, MLflow path + params); versions cycle models."""
    some = catalog.visible[:20]
    search = f"name ILIKE '%{dataset.SEARCH_TERM}%'"
    return [
        {
            "key": "list",
            "label": "API list, default page",
            "attest": lambda i: ("/api/v1/models/", {}),
            "peer": lambda i: ("registered-models/search", {"max_results": PAGE}),
        },
        {
            "key": "search",
            "label": f"API name search '{dataset.SEARCH_TERM}'",
            "attest": lambda i: ("/api/v1/models/", {"search": dataset.SEARCH_TERM}),
            "peer": lambda i: ("registered-models/search", {"max_results": PAGE, "filter": search}),
        },
        {
            "key": "tier",
            "label": f"API risk-tier filter '{dataset.FILTER_TIER}'",
            "attest": lambda i: ("/api/v1/models/", {"risk_tier": dataset.FILTER_TIER}),
            "peer": lambda i: (
                "registered-models/search",
                {"max_results": PAGE, "filter": f"tags.risk_tier = '{dataset.FILTER_TIER}'"},
            ),
        },
        {
            "key": "versions",
            "label": "API one model's versions",
            "attest": lambda i: (f"/api/v1/models/{some[i % len(some)][0]}/versions/", {}),
            "peer": lambda i: (
                "model-versions/search",
                {"max_results": PAGE, "filter": f"name='{some[i % len(some)][1]}'"},
            ),
        },
        {
            "key": "page",
            "label": "HTML catalog list page",
            "attest": lambda i: ("/models/", {}),
            "peer": None,
        },
    ]


def _timed(session: requests.Session, url: str, params: dict) -> tuple[float, requests.Response]:
    start = time.perf_counter()
    response = session.get(url, params=params, timeout=60, allow_redirects=False)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} {params} -> {response.status_code}: {response.text[:300]}")
    return elapsed, response


def _sessions(catalog) -> tuple[dict[str, requests.Session], Client]:
    """Attest's API session carries the bearer token, its page session a signed-in session
    cookie; MLflow's needs nothing. Also the in-process client used to count SQL queries."""
    client = Client()
    client.force_login(catalog.user)
    api, page = requests.Session(), requests.Session()
    api.headers["Authorization"] = f"Bearer {catalog.token}"
    page.cookies.set("sessionid", client.cookies["sessionid"].value, domain="127.0.0.1")
    return {"api": api, "page": page, "peer": requests.Session()}, client


def _sql_counts(client: Client, token: str, queries: list[dict]) -> dict[str, int]:
    """SQL queries per Attest request, in-process on the same database (after one warm call)."""
    counts = {}
    for q in queries:
        path, params = q["attest"](0)
        extra = {} if q["key"] == "page" else {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        client.get(path, params, **extra)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path, params, **extra)
        if response.status_code != 200:
            raise RuntimeError(f"in-process {path}: {response.status_code}")
        counts[q["key"]] = len(ctx.captured_queries)
    return counts


def _list_profile(client: Client, token: str, quick: bool) -> dict:
    """Where one API list call (default page) goes, in this process: statements and their
    times, Python, and what the listing statement reads (``bench/scenarios/_profile.py``)."""
    found = _profile.profile(
        lambda: client.get("/api/v1/models/", HTTP_AUTHORIZATION=f"Bearer {token}"),
        calls=50 if quick else 200,
    )
    with CaptureQueriesContext(connection) as ctx:
        client.get("/api/v1/models/", HTTP_AUTHORIZATION=f"Bearer {token}")
    listing = [q["sql"] for q in ctx.captured_queries if '"catalog_modelservice"' in q["sql"]]
    found["listing_statements"] = len(listing)
    found["listing_joins_auth_permission"] = any("auth_permission" in sql for sql in listing)
    found["listing_joins_auth_group"] = any('"auth_group"' in sql for sql in listing)
    found["model_columns_loaded"] = max(
        (len(set(re.findall(r'"catalog_modelservice"\."(\w+)"', sql.split(" FROM ")[0])))
         for sql in listing),
        default=0,
    )  # fmt: skip
    return found


def _attest_call(stack, sessions, q, i) -> tuple[float, requests.Response]:
    path, params = q["attest"](i)
    session = sessions["page" if q["key"] == "page" else "api"]
    return _timed(session, stack.base_url + path, params)


def _peer_call(peer, sessions, q, i) -> tuple[float, requests.Response]:
    path, params = q["peer"](i)
    return _timed(sessions["peer"], peer.api(path), params)


def _measure(stack, peer, queries, sessions, samples) -> dict[str, dict[str, list[float]]]:
    times = {q["key"]: {"attest": [], "peer": []} for q in queries}
    for warm in range(10):  # connections, caches and every server worker
        for q in queries:
            _attest_call(stack, sessions, q, warm)
            if q["peer"]:
                _peer_call(peer, sessions, q, warm)
    for i in range(samples):
        for q in queries:
            times[q["key"]]["attest"].append(_attest_call(stack, sessions, q, i)[0])
            if q["peer"]:
                times[q["key"]]["peer"].append(_peer_call(peer, sessions, q, i)[0])
        if (i + 1) % 50 == 0:
            progress(f"catalog: {i + 1}/{samples} samples of each query")
    return times


def _check_page(stack, sessions, queries, catalog) -> None:
    """The HTML page answered is the reader's catalog (not a sign-in page): it names the
    alphabetically first model the reader may see."""
    page = next(q for q in queries if q["key"] == "page")
    first = min(name for _, name in catalog.visible)
    if first not in _attest_call(stack, sessions, page, 0)[1].text:
        raise RuntimeError(f"the HTML catalog page does not list {first!r}")


def _result_sizes(stack, peer, queries, sessions) -> dict:
    """What each side answered: Attest's ``count`` and MLflow's page length (it has no total)."""
    sizes = {}
    for q in queries:
        if not q["peer"]:
            continue
        answer = _attest_call(stack, sessions, q, 0)[1].json()
        peer_answer = _peer_call(peer, sessions, q, 0)[1].json()
        peer_items = peer_answer.get("registered_models", peer_answer.get("model_versions", []))
        sizes[q["key"]] = {
            "attest_total": answer.get("count"),
            "attest_page": len(answer.get("results", [])),
            "peer_page": len(peer_items),
            "peer_has_more": bool(peer_answer.get("next_page_token")),
        }
    return sizes


def _rows(queries, times, counts, sizes, models) -> list[dict]:
    rows = []
    for q in queries:
        a = latency_summary(times[q["key"]]["attest"])
        p = latency_summary(times[q["key"]]["peer"]) if q["peer"] else None
        detail = {"attest": a, "peer": p, "sql_queries": counts[q["key"]], "models": models}
        detail.update(sizes.get(q["key"], {}))
        if p:
            detail["ratio_p50"] = round(a["p50_ms"] / p["p50_ms"], 2)
            detail["ratio_p95"] = round(a["p95_ms"] / p["p95_ms"], 2)
        for pct in ("p50", "p95"):
            rows.append(
                row(
                    "catalog",
                    f"{q['label']} [{counts[q['key']]} SQL], {pct}",
                    "ms",
                    a[f"{pct}_ms"],
                    peer=p[f"{pct}_ms"] if p else None,
                    peer_name=PEER if p else None,
                    detail=detail,
                )
            )
    return rows


def run(stack: Stack) -> list[dict]:
    models_count, samples = _sizes(stack)
    models = dataset.catalog_models(models_count)
    with running_mlflow(stack, "catalog", wait=False) as peer:
        progress(f"catalog: building {models_count:,} models x 10 versions in Attest")
        catalog = _catalog_fill.fill(models, peer.url, progress)
        peer.wait_until_up()
        peer.fill(models, dataset.VERSIONS_PER_MODEL)
        progress(f"catalog: MLflow holds {peer.count_versions():,} versions")
        queries = _queries(catalog)
        sessions, client = _sessions(catalog)
        counts = _sql_counts(client, catalog.token, queries)
        list_profile = _list_profile(client, catalog.token, stack.quick)
        _check_page(stack, sessions, queries, catalog)
        sizes = _result_sizes(stack, peer, queries, sessions)
        progress(f"catalog: {samples} interleaved samples per query; SQL per request {counts}")
        times = _measure(stack, peer, queries, sessions, samples)
    rows = _rows(queries, times, counts, sizes, models_count)
    rows[0]["detail"]["profile_in_process"] = list_profile  # the API list, default page
    return rows
