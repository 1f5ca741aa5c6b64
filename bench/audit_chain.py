"""Benchmark the audit chain on PostgreSQL (not a test: figures go to the README).

- append rate with 8 concurrent writers (each event its own transaction, as services do);
- verification time for BENCH_VERIFY_EVENTS events (default 1,000,000; built with bulk inserts
  of correctly chained rows, then checked by the real verifier).

Runs on its own throw-away database (test_<name>_bench), dropped afterwards.
Usage: make bench   (or BENCH_VERIFY_EVENTS=100000 make bench)
"""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from django.db import connection, connections, transaction  # noqa: E402
from django.test.utils import get_runner  # noqa: E402,F401

from audit import chain  # noqa: E402
from audit.models import AuditEvent  # noqa: E402
from audit.services import audit_record  # noqa: E402
from audit.verification import verify_chain  # noqa: E402


def concurrent_appends(writers: int = 8, per_writer: int = 250) -> float:
    def work(w):
        for i in range(per_writer):
            with transaction.atomic():
                audit_record(actor=None, action="bench.appended", target_label=f"{w}-{i}")
        connections.close_all()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return writers * per_writer / (time.perf_counter() - start)


def bulk_chain(total: int, batch: int = 20_000) -> None:
    head = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    seq, prev = (head["seq"], head["hash"]) if head else (0, chain.GENESIS)
    now = datetime.now(tz=UTC)
    while seq < total:
        rows = []
        for _ in range(min(batch, total - seq)):
            seq += 1
            fields = {
                "seq": seq,
                "prev_hash": prev,
                "occurred_at": now,
                "actor_id": None,
                "actor_label": "bench",
                "source": "system",
                "action": "bench.bulk",
                "target_type": "",
                "target_id": "",
                "target_label": f"#{seq}",
                "subject_id": None,
                "before": None,
                "after": {"n": seq},
                "request_id": "",
                "ip_address": None,
            }
            digest = chain.event_hash(chain.chain_fields(fields))
            rows.append(AuditEvent(id=uuid.uuid4(), hash=digest, **fields))
            prev = digest
        AuditEvent.objects.bulk_create(rows)


def main() -> None:
    total = int(os.environ.get("BENCH_VERIFY_EVENTS", "1000000"))
    creation = connection.creation
    name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
    print(f"database {name}")
    try:
        rate = concurrent_appends()
        print(f"append: {rate:,.0f} events/s with 8 concurrent writers (2,000 events)")
        start = time.perf_counter()
        bulk_chain(total)
        print(f"built a chain of {total:,} events in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        verdict = verify_chain()
        elapsed = time.perf_counter() - start
        if not verdict.intact:
            raise SystemExit(f"chain broken in the benchmark: {verdict}")
        print(
            f"verify: {verdict.checked:,} events in {elapsed:.1f} s "
            f"({verdict.checked / elapsed:,.0f} events/s)"
        )
    finally:
        creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
