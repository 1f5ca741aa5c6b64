"""Re-verifying the stored trail (a read: no permission needed by the command-line caller).

Every sealed event is re-hashed from its columns: sequence, link and hash per event (the first
bad one is named), and the RFC 9162 tree over all of them must have the root that the latest
signed tree head signed (``audit/checkpoints.py``): that catches a deleted tail or a trail
recomputed from some event on, which per-event checks cannot.

Speed (a million events in seconds): on PostgreSQL the rows come through a server-side (named)
cursor inside a transaction - a cursor declared WITH HOLD outside one, as Django's iterator does
in autocommit, materialises the whole result first - with times, ids and JSON as text straight
from SQL (no ORM decoding, no timestamp parsing), and the canonical bytes are built with orjson
(``chain.canonical``, byte-identical to the documented ``json.dumps`` form).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction

from audit import chain, checkpoints, merkle
from audit.models import AuditEvent

CHAIN_COLUMNS = ("id", "hash", *chain.ALL_FIELDS)

_PG_SELECT = """
SELECT id::text, seq, prev_hash, hash, chain_version,
       to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       actor_id::text, actor_label, source, action, target_type, target_id, target_label,
       subject_id::text, before::text, after::text, request_id, host(ip_address)
  FROM audit_auditevent
 WHERE seq >= %s AND seq <= %s
 ORDER BY seq
"""
_MAX_SEQ = 2**63 - 1


@dataclass(frozen=True)
class Verdict:
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    broken_id: str | None = None
    problem: str = ""
    signed_size: int | None = None  # the signed head the tree was checked against

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


def chain_rows(since: int = 1):
    """Sealed events from ``since`` in sequence order, as values() dicts (the slow, portable
    path: SQLite, exports)."""
    return (
        AuditEvent.objects.filter(seq__gte=since)
        .order_by("seq")
        .values(*CHAIN_COLUMNS)
        .iterator(chunk_size=5000)
    )


def _pg_canonical_rows(first: int, last: int) -> Iterator[tuple[dict, bytes]]:
    """(row, canonical bytes) straight from a named cursor: the columns arrive in canonical
    form (text times and ids) and the JSON columns decoded once, so one orjson call makes the
    bytes (``chain.canonical`` semantics; tests/audit/test_canonical.py holds them equal to
    the reference). Call inside a transaction."""
    if chain.orjson is None:  # pragma: no cover - the portable path
        for row in _orm_rows(first, last):
            yield row, chain.canonical(chain.chain_fields(row))
        return
    dumps, text_value = chain.orjson.dumps, chain.json_text_value
    sort = chain.orjson.OPT_SORT_KEYS
    connection.ensure_connection()
    with connection.connection.cursor(name="attest_audit_verify") as cursor:
        cursor.itersize = 20_000
        cursor.execute(_PG_SELECT, [first, last])
        for (
            event_id, seq, prev_hash, digest, version, occurred_at, actor_id, actor_label,
            source, action, target_type, target_id, target_label, subject_id, before, after,
            request_id, ip_address,
        ) in cursor:  # fmt: skip
            data = {
                "action": action,
                "actor_id": actor_id,
                "actor_label": actor_label,
                "after": text_value(after),
                "before": text_value(before),
            }
            if version != 1:
                if version not in chain.FIELDS_BY_VERSION:
                    row = {"id": event_id, "seq": seq, "prev_hash": prev_hash, "hash": digest}
                    yield {**row, "chain_version": version}, b""
                    continue
                data["chain_version"] = version
            data["ip_address"] = ip_address
            data["occurred_at"] = occurred_at
            data["prev_hash"] = prev_hash
            data["request_id"] = request_id
            data["seq"] = seq
            data["source"] = source
            data["subject_id"] = subject_id
            data["target_id"] = target_id
            data["target_label"] = target_label
            data["target_type"] = target_type
            row = {"id": event_id, "seq": seq, "prev_hash": prev_hash, "hash": digest}
            yield row, dumps(data, option=sort)


def _orm_rows(first: int, last: int) -> Iterator[dict]:
    for row in chain_rows(first):
        if row["seq"] > last:
            return
        yield row


def canonical_rows(first: int, last: int) -> Iterator[tuple[dict, bytes]]:
    """(row, canonical bytes) of events #first..#last; inside a transaction on PostgreSQL.
    ``row`` has at least id, seq, prev_hash and hash."""
    if connection.vendor == "postgresql":
        yield from _pg_canonical_rows(first, last)
        return
    for row in _orm_rows(first, last):
        try:
            yield row, chain.canonical(chain.chain_fields(row))
        except chain.UnknownChainVersionError:
            yield row, b""


def verify_chain(*, since: int = 1) -> Verdict:
    """Check sequence, links and hashes from ``since`` to the head, then the tree against the
    latest signed head. With ``since`` > 1 the tree left of ``since`` is taken from the stored
    nodes (``verify_audit`` without ``--since`` recomputes all of it)."""
    since = max(1, since)
    latest = checkpoints.latest_checkpoint()
    head = None
    if latest:
        try:
            head = checkpoints.open_head(latest)
        except checkpoints.BadCheckpointError as exc:
            return Verdict(0, 0, "", latest.get("seq", 0), None, str(exc))
    with transaction.atomic():  # the named cursor lives in a transaction (no WITH HOLD copy)
        return _verify(since, head)


def _verify(since: int, head: checkpoints.TreeHead | None) -> Verdict:
    from audit import sequencer

    previous = AuditEvent.objects.filter(seq=since - 1).values_list("hash", flat=True).first()
    expected_prev = previous or chain.GENESIS
    if since > 1 and previous is None:
        return Verdict(0, since - 1, "", since - 1, None, f"event #{since - 1} is missing")
    frontier = sequencer.frontier_at(since - 1) if since > 1 else merkle.Frontier()
    n, seq, last_hash, head_root = 0, since - 1, expected_prev, None
    sha256 = hashlib.sha256
    for row, canon in canonical_rows(since, _MAX_SEQ):
        digest = sha256(canon).hexdigest()
        if row["seq"] != seq + 1 or row["prev_hash"] != expected_prev or digest != row["hash"]:
            if not canon and row["seq"] == seq + 1 and row["prev_hash"] == expected_prev:
                problem = f"unknown chain version {row.get('chain_version')!r} (edited)"
                return Verdict(n, seq, last_hash, row["seq"], str(row["id"]), problem)
            broken = chain.row_problem(
                row, expected_prev=expected_prev, expected_seq=seq + 1, digest=digest
            )
            return Verdict(n, seq, last_hash, broken[0], str(broken[1]), broken[2])
        frontier.append(sha256(b"\x00" + canon).digest())
        n, seq, last_hash, expected_prev = n + 1, row["seq"], digest, digest
        if head is not None and seq == head.size:
            head_root = frontier.root()
    if head is None or head.size == 0:
        return Verdict(n, seq, last_hash)
    if seq < head.size:
        return Verdict(
            n,
            seq,
            last_hash,
            head.size,
            None,
            f"event #{head.size}, signed in the checkpoint of {head.signed_at}, is missing: "
            "the tail was truncated",
        )
    rewritten = (
        f"the tree of {head.size} events no longer has the root signed on {head.signed_at}: "
        "the trail was rewritten"
    )
    if head.root is not None and head_root != head.root:
        return Verdict(n, seq, last_hash, head.size, None, rewritten)
    signed_event = AuditEvent.objects.filter(seq=head.size).values_list("hash", flat=True).first()
    if signed_event != head.head_hash:
        return Verdict(n, seq, last_hash, head.size, None, rewritten)
    return Verdict(n, seq, last_hash, signed_size=head.size)
