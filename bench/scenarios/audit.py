"""The audit trail at a million events: append rate, verification time, filtered list latency.

- **Append rate**: 8 threads append events through ``audit_record``, each event in its own
  transaction, as every service does. Writers insert unsealed events and share no lock; the
  Celery worker's sequencer (``audit/sequencer.py``) seals them in batches. Reported with the
  sealing lag (``sealed_at - occurred_at``) and checked: every event sealed, no gap, no fork,
  and each writer's events in the order its transactions committed.
- **Inclusion proof**: ``GET /api/v1/audit-events/<id>/proof`` at the full size, random events.
- **Verification**: the trail is grown to 1,000,000 events (100,000 in quick mode) with the
  bulk chain builder (``_audit_chain``), then ``verify_chain`` - the function behind
  ``manage.py verify_audit`` - re-checks sequence, links and every hash from event #1.
- **Filtered list**: at that size, an auditor reads the audit log over HTTP from gunicorn: the
  HTML page (session cookie) and ``/api/v1/audit-events/`` (``audit:read`` token), filtered by
  one model, one action, or one actor - the three questions auditors ask. One client,
  sequential, a different model / action / actor on each call.

No peer: MLflow keeps no audit trail, so these figures stand alone.
"""

from __future__ import annotations

import threading
import time

import requests
from django.db import connection, connections, transaction

from accounts import services as account_services
from accounts.roles import Role
from audit import sequencer
from audit.models import AuditEvent
from audit.services import audit_record
from audit.verification import verify_chain
from bench import results
from bench.scenarios import _audit_chain, _people

WRITERS = 8
NO_PEER = "none: MLflow keeps no audit trail"


def concurrent_appends(per_writer: int) -> tuple[float, int]:
    """(events/s, events) with ``WRITERS`` threads, one transaction per event."""
    errors: list[BaseException] = []

    def work(writer: int) -> None:
        try:
            for i in range(per_writer):
                with transaction.atomic():
                    audit_record(
                        actor=None,
                        action="bench.appended",
                        target_type="bench.writer",
                        target_id=str(writer),
                        target_label=f"writer {writer}, event {i}",
                        after={"writer": writer, "i": i},
                    )
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(WRITERS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"a writer failed: {errors[0]!r}") from errors[0]
    return WRITERS * per_writer / elapsed, WRITERS * per_writer


def sealing_lag(expected: int, timeout: float = 120.0) -> dict:
    """Wait until the worker's sequencer sealed every appended event; the lag summary. Checks
    that each writer's events are sealed in the order its transactions committed."""
    events = AuditEvent.objects.filter(action="bench.appended")
    deadline = time.monotonic() + timeout
    while events.filter(seq__isnull=True).exists():
        if time.monotonic() > deadline:
            sequencer.seal_pending()  # the worker did not: say so, but measure the rest
            raise RuntimeError("the sequencer left appended events unsealed for 2 minutes")
        time.sleep(0.2)
    rows = list(
        events.order_by("seq").values_list("target_id", "after", "occurred_at", "sealed_at")
    )
    if len(rows) != expected:
        raise RuntimeError(f"{expected} events appended, {len(rows)} sealed")
    last: dict[str, int] = {}
    for writer, after, _, _ in rows:
        if after["i"] <= last.get(writer, -1):
            raise RuntimeError(f"writer {writer}'s events are not in commit order")
        last[writer] = after["i"]
    return results.latency_summary([(s - o).total_seconds() for *_, o, s in rows])


def _sample(session, url: str, params: list[dict], samples: int, check) -> dict:
    """``samples`` sequential calls cycling through ``params``; the latency summary."""
    for p in params[:5]:  # warm-up
        session.get(url, params=p, timeout=60)
    latencies = []
    for i in range(samples):
        start = time.perf_counter()
        response = session.get(url, params=params[i % len(params)], timeout=60)
        latencies.append(time.perf_counter() - start)
        if response.status_code != 200 or not check(response):
            raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:300]}")
    return results.latency_summary(latencies)


def list_latencies(stack, samples: int) -> dict[str, dict]:
    """p50/p95/p99 of the audit page and API, per filter."""
    auditor = _people.user("bench-auditor", role=Role.AUDITOR)
    _, token = account_services.api_token_create(
        actor=None, user=auditor, name="bench-audit", scopes=["audit:read"], expires_in_days=1
    )
    page = _people.signed_in_session(auditor)
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    filters = {
        "one model": [{"subject": str(s)} for s in _audit_chain.subject_ids()[:40]],
        "one action": [
            {"action": a}
            for a in (
                "governance.request_approved",
                "governance.approval_expired",
                "monitoring.alert_opened",
                "governance.deployment_recorded",
            )
        ],
        "one actor": [{"actor": _audit_chain.actor_label(n)} for n in range(0, 300, 7)],
    }
    figures = {}
    for name, params in filters.items():
        figures[f"page, {name}"] = _sample(
            page, f"{stack.base_url}/audit/", params, samples, lambda r: "<table" in r.text
        )
        figures[f"API, {name}"] = _sample(
            api,
            f"{stack.base_url}/api/v1/audit-events/",
            params,
            samples,
            lambda r: len(r.json()["results"]) > 0,
        )
    return figures


def proof_latency(stack, samples: int) -> dict:
    """p50/p95/p99 of inclusion proofs at the latest head, random events, over HTTP."""
    import random

    auditor = _people.user("bench-auditor", role=Role.AUDITOR)
    _, token = account_services.api_token_create(
        actor=None, user=auditor, name="bench-proof", scopes=["audit:read"], expires_in_days=1
    )
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    rng = random.Random(7)  # noqa: S311 - which events to ask for, not secrets
    head = (
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    seqs = [rng.randint(1, head) for _ in range(samples + 5)]
    ids = dict(AuditEvent.objects.filter(seq__in=seqs).values_list("seq", "id"))
    params = [{"_": str(ids[s])} for s in seqs]

    def check(response):
        return len(response.json()["inclusion_path"]) > 0

    session_get = api.get
    latencies = []
    for p in params[:5]:
        session_get(f"{stack.base_url}/api/v1/audit-events/{p['_']}/proof", timeout=60)
    for p in params[5:]:
        start = time.perf_counter()
        response = session_get(f"{stack.base_url}/api/v1/audit-events/{p['_']}/proof", timeout=60)
        latencies.append(time.perf_counter() - start)
        if response.status_code != 200 or not check(response):
            raise RuntimeError(f"proof answered {response.status_code}: {response.text[:300]}")
    return results.latency_summary(latencies)


def run(stack) -> list[dict]:
    quick = stack.quick
    total = 100_000 if quick else 1_000_000
    per_writer = 100 if quick else 250
    rate, appended = concurrent_appends(per_writer=per_writer)
    lag = sealing_lag(appended)

    start = time.perf_counter()
    built = _audit_chain.grow_chain(total)
    build_seconds = time.perf_counter() - start
    with connection.cursor() as cursor:  # as autovacuum would after a bulk load
        cursor.execute(f"ANALYZE {AuditEvent._meta.db_table}")

    start = time.perf_counter()
    verdict = verify_chain()
    verify_seconds = time.perf_counter() - start
    if not verdict.intact:
        raise RuntimeError(f"the chain is broken at #{verdict.broken_seq}: {verdict.problem}")
    events = verdict.checked
    connections.close_all()  # the server has the database to itself while it is timed

    figures = list_latencies(stack, samples=40 if quick else 100)
    proofs = proof_latency(stack, samples=40 if quick else 100)
    stack.check_alive()
    rows = [
        results.row(
            "audit",
            f"append rate, {WRITERS} concurrent writers",
            "events/s",
            rate,
            better="higher",
            detail={"events": appended, "sealing_lag": lag, "peer": NO_PEER},
        ),
        results.row(
            "audit",
            f"sealing lag p99, {WRITERS} concurrent writers",
            "ms",
            lag["p99_ms"],
            detail={**lag, "peer": NO_PEER},
        ),
        results.row(
            "audit",
            f"inclusion proof p95 at {events:,} events",
            "ms",
            proofs["p95_ms"],
            detail={**proofs, "peer": NO_PEER},
        ),
        results.row(
            "audit",
            f"verify_audit over {events:,} events",
            "s",
            verify_seconds,
            detail={
                "events": events,
                "events_per_second": round(events / verify_seconds),
                "bulk_built_events": built,
                "bulk_build_seconds": round(build_seconds, 1),
                "peer": NO_PEER,
            },
        ),
    ]
    for name, summary in figures.items():
        rows.append(
            results.row(
                "audit",
                f"audit list {name}: p95 at {events:,} events",
                "ms",
                summary["p95_ms"],
                detail={**summary, "peer": NO_PEER},
            )
        )
    return rows
