"""Grow the audit trail to a million events fast, as a valid hash chain and Merkle tree.

Appending a million events through ``audit_record`` would take most of an hour; the figures
that matter at that size (verification time, proof and list latency) only need the rows to be
there, sealed, chained and in the tree. So rows are hashed here with the production canonical
form (``audit.chain.canonical``, chain version 2), written sealed with PostgreSQL ``COPY`` in
batches, and their tree nodes stored as the sequencer stores them; each batch is one
transaction holding the sequencer's advisory lock, so the sequencer sealing events meanwhile
cannot fork the trail. A signed tree head closes the build.

The content is shaped like a busy portal's trail, from a fixed seed: gate answers most often,
then registry syncs, approvals, monitoring; 300 actors over every channel; 10,000 models as
subjects; a year of history, in order. That gives the list filters realistic selectivity.
"""

from __future__ import annotations

import functools
import hashlib
import random
import uuid
from datetime import UTC, timedelta

from django.db import connection, transaction
from django.utils import timezone

from audit import chain, merkle, sequencer
from audit.models import AuditEvent

SEED = 20251
BATCH = 50_000
ACTORS = 300
SUBJECTS = 10_000
# (action, target type, weight): roughly what a registry-connected portal writes.
ACTIONS = [
    ("governance.gate_answered", "governance.deploymentrequest", 40),
    ("catalog.version_synced", "catalog.modelversion", 15),
    ("catalog.version_registered", "catalog.modelversion", 10),
    ("catalog.model_updated", "catalog.modelservice", 6),
    ("governance.request_submitted", "governance.deploymentrequest", 5),
    ("governance.request_approved", "governance.deploymentrequest", 4),
    ("governance.deployment_recorded", "governance.deployment", 4),
    ("monitoring.metrics_recorded", "monitoring.metricsnapshot", 8),
    ("monitoring.alert_opened", "monitoring.alert", 2),
    ("governance.assessment_submitted", "governance.riskassessment", 2),
    ("governance.document_generated", "governance.generateddocument", 2),
    ("governance.approval_expired", "governance.deploymentrequest", 1),
    ("catalog.access_granted", "catalog.modelservice", 1),
]
SOURCES = ["web", "api", "ci", "webhook", "task"]
# The table's columns for COPY: the id, the hash, and what the hash covers (audit.chain).
COLUMNS = ("id", "hash", *chain.ALL_FIELDS)


def actor_label(n: int) -> str:
    return f"bench-auditee-{n:04d}"


@functools.cache
def subject_ids() -> list[uuid.UUID]:
    """The 10,000 catalog ids the events belong to (the same on every call)."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible test data, not secrets
    return [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(SUBJECTS)]


@functools.cache
def _actors() -> list[tuple[str, str]]:
    """(id, username) of the 300 people acting in the trail."""
    rng = random.Random(SEED + 1)  # noqa: S311 - reproducible test data, not secrets
    return [(_uuid(rng), actor_label(n)) for n in range(ACTORS)]


def _head() -> tuple[int, str]:
    return sequencer._head()


def _events(rng: random.Random, seq: int, prev: str, count: int, clock, leaves: list):
    """``count`` chained rows after (``seq``, ``prev``), as tuples in ``COLUMNS`` order.

    Fields are built directly in canonical form (ids and time as the strings ``chain_fields``
    would make of them), which PostgreSQL also accepts as column values; ``event_hash`` is the
    production hash. ``clock(seq)`` gives the event's time as a canonical UTC string.
    """
    subjects = [str(s) for s in subject_ids()]
    actors = _actors()
    picks = rng.choices([(a, t) for a, t, _ in ACTIONS], [w for *_, w in ACTIONS], k=count)
    for action, target_type in picks:
        seq += 1
        actor_id, label = actors[rng.randrange(ACTORS)]
        fields = {
            "seq": seq,
            "prev_hash": prev,
            "occurred_at": clock(seq),
            "actor_id": actor_id,
            "actor_label": label,
            "source": SOURCES[seq % len(SOURCES)],
            "action": action,
            "target_type": target_type,
            "target_id": str(seq),
            "target_label": f"{action.split('.')[1]} #{seq}",
            "subject_id": subjects[rng.randrange(SUBJECTS)],
            "before": None,
            "after": {"n": seq, "state": "approved"},
            "request_id": f"{seq:032x}",
            "ip_address": None,
            "chain_version": chain.CURRENT_VERSION,
        }
        canon = chain.canonical(fields)
        prev = hashlib.sha256(canon).hexdigest()
        leaves.append(merkle.leaf_hash(canon))
        fields["after"] = f'{{"n": {seq}, "state": "approved"}}'
        yield (_uuid(rng), *(fields[c] if c != "hash" else prev for c in COLUMNS[1:]))


def _uuid(rng: random.Random) -> str:
    """A version-4 UUID from the seeded generator (cheaper than ``uuid.uuid4()`` a million
    times over)."""
    bits = rng.getrandbits(128) & ~(0xF000 << 64) & ~(0xC000 << 48)
    h = f"{bits | (0x4000 << 64) | (0x8000 << 48):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def grow_chain(total: int) -> int:
    """Append events until the trail holds ``total``; returns how many were appended."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible test data, not secrets
    start_seq, _ = _head()
    # A year of history, oldest first; times strictly increase with the sequence.
    step = timedelta(days=365) / max(1, total - start_seq)
    first = (timezone.now() - timedelta(days=365)).astimezone(UTC).replace(tzinfo=None)

    def clock(seq: int) -> str:
        return (first + step * (seq - start_seq)).isoformat(timespec="microseconds") + "Z"

    copy_sql = f"COPY {AuditEvent._meta.db_table} ({', '.join(COLUMNS)}) FROM STDIN"
    appended = 0
    while True:
        with transaction.atomic():
            sequencer._xact_lock()
            seq, prev = _head()
            if sequencer.tree_size() < seq:
                sequencer._backfill_tree(sequencer.tree_size(), seq)
            if seq >= total:
                break
            count = min(BATCH, total - seq)
            leaves: list[bytes] = []
            with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
                for row in _events(rng, seq, prev, count, clock, leaves):
                    copy.write_row(row)
            sequencer._store_nodes(seq, leaves)
            appended += count
    sequencer.sign_current_head()
    return appended
