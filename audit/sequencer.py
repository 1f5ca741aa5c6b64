"""The sequencer: seals committed audit events in commit order, grows the Merkle tree, signs
tree heads.

Writers (``audit_record``) insert events unsealed in their own transaction and take no lock, so
audited writes no longer queue behind one another. One sequencer at a time - a PostgreSQL
advisory lock on ``LOCK_KEY``, which works across hosts because every process shares the
database - then, per batch, in one transaction:

1. reads the sealed head (``seq``, ``hash``) *after* taking the lock, so it sees the previous
   sequencer's committed seals;
2. takes up to ``BATCH`` unsealed events that are visible, i.e. committed;
3. assigns ``seq`` head+1, head+2, ... (gapless), ``prev_hash`` and ``hash`` (chain version of
   each event, ``audit/chain.py``), the leaf hashes and the completed tree nodes
   (``audit/merkle.py``), and seals the rows (the trigger permits exactly this, once);
4. signs a tree head over the new size (``audit/checkpoints.py``); after the commit the head is
   appended to the checkpoint file, still under the lock so the file stays in order.

Commit order. Sequence numbers are handed out at sealing time, never at insert time: an
insert-time number (or ordering by insert id or ``occurred_at``) would let a transaction that
started earlier but commits later slip in below a head already signed, or leave a gap when it
rolls back. Under READ COMMITTED each statement sees exactly the transactions committed before
it, so an event is sealed by the first batch that runs after its transaction committed: if A
committed before B committed, A is sealed in an earlier batch than B or in the same one. Within
one batch events are ordered by the inserting transaction's id (``txid``, stamped by a trigger
from ``pg_current_xact_id()``), then time, then id: if A committed before B began, B's
transaction id is larger (ids are handed out at a transaction's first write), so real-time order
is kept; transactions that overlapped and committed within one batch interval had no observable
order (neither had a sequence number before the batch), and the batch gives them one. A rolled
back transaction's events are never visible, so they are never sealed and leave no gap. No
event waits for unrelated long transactions (nothing here uses the snapshot's xmin).

Crashes. A sequencer that dies mid-batch dies with its transaction: its seals, nodes and head
roll back, the lock goes with its connection, and the next sequencer seals the same events from
the same head. A head already committed but not yet in the file is simply missing there; the
next one follows.

Where it runs: the Celery task ``audit.tasks.seal`` (beat every second, and woken after each
audited commit); where tasks run eagerly (the embedded demo, the test suite) ``audit_record``
seals in-process inside the writer's transaction (``seal_inline``), holding the lock until that
transaction ends, and heads are signed after the commit.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit import chain, merkle
from audit.models import AuditCheckpoint, AuditEvent, AuditTreeNode

logger = logging.getLogger(__name__)

# The chain lock's key since the first release: a writer of the old code (rolling upgrade) and
# the sequencer exclude each other, so the trail never forks.
LOCK_KEY = 0x41545445535400  # "ATTEST\0"
BATCH = 5000
LEAF_LEVEL_END = 1 << merkle.LEVEL_SHIFT
_SEAL_COLUMNS = ("id", *chain.ALL_FIELDS)
_READ_FIELDS = tuple(f for f in _SEAL_COLUMNS if f not in {"seq", "prev_hash"})


def seal_inline_enabled() -> bool:
    """Seal in the writer's transaction: where tasks run eagerly (no worker to do it)."""
    inline = getattr(settings, "ATTEST_AUDIT_SEAL_INLINE", None)
    return settings.CELERY_TASK_ALWAYS_EAGER if inline is None else bool(inline)


# --- locking ---------------------------------------------------------------------------------
def _pg() -> bool:
    return connection.vendor == "postgresql"


def _try_session_lock(wait_seconds: float) -> bool:
    """The sequencer's lock for the session (released by ``_unlock`` or with the connection)."""
    if not _pg():
        return True
    deadline = time.monotonic() + wait_seconds
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            if cursor.fetchone()[0]:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)


def _unlock() -> None:
    if _pg():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _xact_lock() -> None:
    if _pg():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


# --- the tree in the database ----------------------------------------------------------------
def tree_size() -> int:
    """How many leaves the stored tree has (the largest level-0 node + 1)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MAX(id) FROM {AuditTreeNode._meta.db_table} WHERE id < %s",  # noqa: S608
            [LEAF_LEVEL_END],
        )
        top = cursor.fetchone()[0]
    return 0 if top is None else top + 1


def nodes(keys: Iterable[int]) -> dict[int, bytes]:
    keys = list(keys)
    found: dict[int, bytes] = {}
    for start in range(0, len(keys), 5000):
        chunk = AuditTreeNode.objects.filter(id__in=keys[start : start + 5000])
        for key, value in chunk.values_list("id", "hash"):
            found[key] = bytes(value)
    return found


def root_at(size: int) -> bytes:
    """MTH of the first ``size`` leaves, from the stored perfect subtrees."""
    if size == 0:
        return merkle.empty_root()
    keys = merkle.Frontier.keys(size)
    found = nodes(keys)
    return merkle.fold([found[key] for key in keys])


def frontier_at(size: int) -> merkle.Frontier:
    keys = merkle.Frontier.keys(size)
    found = nodes(keys)
    return merkle.Frontier(size, [found[key] for key in keys])


def _store_nodes(start: int, leaves: list[bytes]) -> None:
    def left_of(level: int, index: int) -> bytes:
        key = merkle.node_key(level, index)
        return bytes(AuditTreeNode.objects.values_list("hash", flat=True).get(id=key))

    new = list(merkle.new_nodes(start, leaves, left_of))
    if _pg():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {AuditTreeNode._meta.db_table} (id, hash) "  # noqa: S608
                "SELECT * FROM unnest(%s::bigint[], %s::bytea[])",
                [[k for k, _ in new], [h for _, h in new]],
            )
    else:
        AuditTreeNode.objects.bulk_create([AuditTreeNode(id=k, hash=h) for k, h in new])


def _backfill_tree(start: int, end: int) -> None:
    """Leaves for events #start+1..#end sealed without tree nodes: the events of chain
    version 1, from before the tree, and rows bulk-loaded sealed."""
    from audit.verification import canonical_rows

    while start < end:
        stop = min(end, start + 20_000)
        leaves = [merkle.leaf_hash(canon) for _, canon in canonical_rows(start + 1, stop)]
        if len(leaves) != stop - start:
            raise RuntimeError(f"events #{start + 1}..#{stop} are not all there: run verify_audit")
        _store_nodes(start, leaves)
        start = stop


# --- sealing ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Seal:
    id: object
    seq: int
    prev_hash: str
    hash: str


def _head() -> tuple[int, str]:
    head = (
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    return head if head else (0, chain.GENESIS)


def _seal_batch(limit: int) -> list[Seal]:
    """Seal up to ``limit`` committed unsealed events (the caller holds the lock)."""
    seq, prev = _head()
    size = tree_size()
    if size < seq:
        _backfill_tree(size, seq)
    elif size > seq:
        raise RuntimeError(f"the tree has {size} leaves but the trail only {seq} sealed events")
    rows = list(
        AuditEvent.objects.filter(seq__isnull=True)
        .order_by("txid", "occurred_at", "id")
        .values(*_READ_FIELDS)[:limit]
    )
    if not rows:
        return []
    seals, leaves = [], []
    for row in rows:
        seq += 1
        canon = chain.canonical(chain.chain_fields({**row, "seq": seq, "prev_hash": prev}))
        digest = hashlib.sha256(canon).hexdigest()
        seals.append(Seal(row["id"], seq, prev, digest))
        leaves.append(merkle.leaf_hash(canon))
        prev = digest
    now = timezone.now()
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if _pg():
            cursor.execute(
                f"UPDATE {table} AS e SET seq = v.seq, prev_hash = v.prev, hash = v.hash, "  # noqa: S608
                "sealed_at = %s FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::text[]) "
                "AS v(id, seq, prev, hash) WHERE e.id = v.id AND e.seq IS NULL",
                [
                    now,
                    [s.id for s in seals],
                    [s.seq for s in seals],
                    [s.prev_hash for s in seals],
                    [s.hash for s in seals],
                ],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s, sealed_at = %s "  # noqa: S608
                "WHERE id = %s AND seq IS NULL",
                [(s.seq, s.prev_hash, s.hash, now, s.id.hex) for s in seals],
            )
        if cursor.rowcount != len(seals):
            raise RuntimeError("an event was sealed by someone else meanwhile: lock not held")
    _store_nodes(seals[0].seq - 1, leaves)
    return seals


def _sign(size: int, head_hash: str) -> AuditCheckpoint:
    from audit import checkpoints

    return checkpoints.sign_head(
        size=size,
        root=root_at(size),
        head_hash=head_hash,
        signed_at=chain.timestamp(timezone.now()),
    )


def seal_pending(
    *,
    batch_size: int = BATCH,
    wait_seconds: float = 2.0,
    sign: bool = True,
    max_seconds: float = 30.0,
) -> int:
    """Seal committed events, batch after batch, until none is pending; sign a head after each
    batch. Returns how many were sealed; 0 at once if another sequencer kept the lock for
    ``wait_seconds`` (it will seal them). Call outside transactions."""
    if not _try_session_lock(wait_seconds):
        return 0
    total, deadline = 0, time.monotonic() + max_seconds
    try:
        while True:
            with transaction.atomic():
                seals = _seal_batch(batch_size)
                head = _sign(seals[-1].seq, seals[-1].hash) if seals and sign else None
            if head is not None:
                _append(head)
            total += len(seals)
            if len(seals) < batch_size or time.monotonic() > deadline:
                return total
    finally:
        _unlock()


def sign_current_head() -> AuditCheckpoint:
    """Seal what is pending and sign the head as it is (also when nothing changed)."""
    if not _try_session_lock(60.0):
        raise RuntimeError("another sequencer held the audit lock for a minute")
    try:
        with transaction.atomic():
            while len(_seal_batch(BATCH)) == BATCH:
                pass
            size, head_hash = _head()
            if tree_size() < size:
                _backfill_tree(tree_size(), size)
            head = _sign(size, head_hash)
        _append(head)
        return head
    finally:
        _unlock()


def _append(head: AuditCheckpoint) -> None:
    from audit import checkpoints

    try:
        checkpoints.append_to_file(head)
    except OSError:
        logger.exception("audit: tree head %s stored but not appended to the file", head.seq)


def seal_inline(event: AuditEvent) -> None:
    """Seal in the writer's own transaction (eager mode): the lock is held until it ends, so
    the next writer sees these seals, or, after a rollback, the same free numbers. Heads are
    signed after the commit (never over events that could still roll back)."""
    _xact_lock()
    for seal in _seal_batch(BATCH):
        if seal.id == event.pk:
            event.seq, event.prev_hash, event.hash = seal.seq, seal.prev_hash, seal.hash
    transaction.on_commit(_sign_after_commit, robust=True)


_throttle = threading.local()


def _sign_after_commit() -> None:
    """Eager mode: a head over what the commit made final, at most four times a second."""
    now = time.monotonic()
    if now - getattr(_throttle, "signed", 0.0) < 0.25:
        return
    _throttle.signed = now
    try:
        latest = AuditCheckpoint.objects.order_by("-id").values_list("seq", flat=True).first()
        size, _ = _head()
        if latest is None or latest < size:
            sign_current_head()
    except Exception:  # after the commit: never turn a saved change into an error
        logger.exception("audit: signing a tree head after commit failed")


def wake_after_commit() -> None:
    """Worker mode: ask the sequencer task to run soon (at most four asks a second per process,
    so busy writers do not fill the queue; the task seals until nothing is pending, and a lost
    or skipped ask only waits for beat's next tick, a second at most)."""
    now = time.monotonic()
    if now - getattr(_throttle, "woken", 0.0) < 0.25:
        return
    _throttle.woken = now
    try:
        from audit.tasks import seal

        seal.apply_async(expires=30)
    except Exception:  # broker down: beat's tick seals them
        logger.warning("audit: could not wake the sequencer; the periodic tick will seal")
