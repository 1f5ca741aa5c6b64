"""The audit hash chain: canonical serialisation and hashing of one event. Pure, no ORM.

An event's hash is SHA-256 over the UTF-8 bytes of this JSON object (keys sorted, no spaces,
non-ASCII kept as is)::

    {"action", "actor_id", "actor_label", "after", "before", "ip_address", "occurred_at",
     "prev_hash", "request_id", "seq", "source", "subject_id", "target_id", "target_label",
     "target_type"}

``occurred_at`` is UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; ids are lowercase UUID strings or
null; ``prev_hash`` is the previous event's hash (64 zeros for the first event). Change nothing
here without a new chain version: auditors re-verify exports with docs/verify_audit_export.py.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "source",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "subject_id",
    "before",
    "after",
    "request_id",
    "ip_address",
    "prev_hash",
)


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(event: dict[str, Any]) -> bytes:
    """The exact bytes that are hashed (see the module docstring)."""
    data = {key: event.get(key) for key in FIELDS}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(event: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def chain_fields(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row (values() dict) in canonical form: strings for ids and times."""
    occurred = row["occurred_at"]
    return {
        **{key: row.get(key) for key in FIELDS},
        "occurred_at": timestamp(occurred) if isinstance(occurred, datetime) else occurred,
        "actor_id": str(row["actor_id"]) if row.get("actor_id") else None,
        "subject_id": str(row["subject_id"]) if row.get("subject_id") else None,
        "ip_address": row.get("ip_address") or None,
    }


def first_break(rows, *, expected_prev: str = GENESIS, expected_seq: int = 1):
    """Walk rows in sequence order; return (seq, id, what is wrong) at the first bad event."""
    for row in rows:
        fields = chain_fields(row)
        if fields["seq"] != expected_seq:
            return (
                fields["seq"],
                row.get("id"),
                (f"sequence jumps from {expected_seq - 1} to {fields['seq']} (events missing)"),
            )
        if fields["prev_hash"] != expected_prev:
            return fields["seq"], row.get("id"), "prev_hash does not link to the previous event"
        if event_hash(fields) != row["hash"]:
            return fields["seq"], row.get("id"), "content does not match its hash (edited)"
        expected_prev, expected_seq = row["hash"], expected_seq + 1
    return None
