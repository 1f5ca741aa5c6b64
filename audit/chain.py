"""The audit trail's canonical form: the exact bytes of one event that are hashed. Pure, no ORM.

Chain version 1 (every event written before the Merkle tree): an event's ``hash`` is SHA-256
over the UTF-8 bytes of this JSON object (keys sorted, no spaces, non-ASCII kept as is, i.e.
``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``)::

    {"action", "actor_id", "actor_label", "after", "before", "ip_address", "occurred_at",
     "prev_hash", "request_id", "seq", "source", "subject_id", "target_id", "target_label",
     "target_type"}

Chain version 2 (events sealed by the sequencer, ``audit/sequencer.py``): the same object plus
``"chain_version": 2``. The version is inside the hashed bytes so that nobody can relabel an
event's version to have it checked under another form. ``prev_hash`` stays: the sequencer is the
only writer of seals, so linking costs nothing, and the link still names the first bad event of
an edited trail without any tree. The Merkle tree (``audit/merkle.py``) is built over the same
bytes: leaf hash = SHA-256(0x00 || canonical bytes), for events of every version.

``occurred_at`` is UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; ids are lowercase UUID strings or
null; ``prev_hash`` is the previous event's hash (64 zeros for the first event). Change nothing
here without a new chain version: auditors re-verify exports with docs/verify_audit_export.py.

``canonical`` produces these bytes with orjson where that is provably the same output (no
floats, no integers of 16 digits or more in ``before``/``after``, where orjson's number
formatting may differ from Python's ``repr``), and with ``json.dumps`` otherwise;
tests/audit/test_canonical.py holds the two byte-identical over varied events.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

try:  # The fast path; the documented json.dumps form is the reference and the fallback.
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency, but never a correctness one
    orjson = None

GENESIS = "0" * 64
CURRENT_VERSION = 2
# Version 1's fields. Kept under this name: exports, COPY builders and tests list them.
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
FIELDS_BY_VERSION = {1: FIELDS, 2: (*FIELDS, "chain_version")}
# Every column the canonical form of any version reads.
ALL_FIELDS = FIELDS_BY_VERSION[CURRENT_VERSION]
# Numbers orjson might write differently from json.dumps: floats ("1e-05" vs "0.00001") and
# integers beyond 64 bits. Anything with a digit before ".", "e" or "E", or 16 digits in a row,
# takes the reference path (strings like "10.0.0.1" too: slower, never wrong).
_NUMBER_RISK = re.compile(rb"[0-9][.eE]|[0-9]{16}")


class UnknownChainVersionError(ValueError):
    """An event claims a chain version this code does not know."""


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def version_of(event: dict[str, Any]) -> int:
    version = event.get("chain_version") or 1
    if version not in FIELDS_BY_VERSION:
        raise UnknownChainVersionError(f"unknown chain version {version!r}")
    return version


def _fields(event: dict[str, Any]) -> dict[str, Any]:
    version = version_of(event)
    data = {key: event.get(key) for key in FIELDS_BY_VERSION[version]}
    if version >= 2:
        data["chain_version"] = version
    return data


def canonical_reference(event: dict[str, Any]) -> bytes:
    """The documented form, with the standard library (what auditors' scripts do)."""
    return json.dumps(
        _fields(event), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def _json_value(value: Any) -> Any:
    """A ``before``/``after`` value as an orjson fragment, by the reference path if risky."""
    if value is None or isinstance(value, orjson.Fragment):  # fragments: checked already
        return value
    try:
        encoded = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # beyond 64-bit integers, non-str keys...
        encoded = None
    if encoded is None or _NUMBER_RISK.search(encoded):
        encoded = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    return orjson.Fragment(encoded)


def canonical(event: dict[str, Any]) -> bytes:
    """The exact bytes that are hashed (see the module docstring)."""
    if orjson is None:
        return canonical_reference(event)
    data = _fields(event)
    data["before"] = _json_value(data["before"])
    data["after"] = _json_value(data["after"])
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return canonical_reference(event)


def json_text_value(text: str | bytes | None) -> Any:
    """A JSON column's text as ``canonical`` should take it: the decoded value when orjson
    writes it exactly as json.dumps would, else the reference bytes as a fragment.

    Verification reads ``before``/``after`` as text (no ORM decode); the value they stand for is
    ``json.loads(text)``, exactly what the ORM gives back. Text without a risky number (see
    ``_NUMBER_RISK``) holds only strings, booleans, nulls and integers below 16 digits, which
    both libraries decode and write alike.
    """
    if text is None:
        return None
    if orjson is not None and not _NUMBER_RISK.search(
        text.encode() if isinstance(text, str) else text
    ):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    value = json.loads(text)
    if orjson is None:
        return value
    return orjson.Fragment(
        json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )


def event_hash(event: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def chain_fields(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row (values() dict) in canonical form: strings for ids and times."""
    occurred = row["occurred_at"]
    return {
        **{key: row.get(key) for key in ALL_FIELDS},
        "occurred_at": timestamp(occurred) if isinstance(occurred, datetime) else occurred,
        "actor_id": str(row["actor_id"]) if row.get("actor_id") else None,
        "subject_id": str(row["subject_id"]) if row.get("subject_id") else None,
        "ip_address": row.get("ip_address") or None,
        "chain_version": row.get("chain_version") or 1,
    }


def first_break(rows, *, expected_prev: str = GENESIS, expected_seq: int = 1):
    """Walk rows in sequence order; return (seq, id, what is wrong) at the first bad event."""
    for row in rows:
        problem = row_problem(row, expected_prev=expected_prev, expected_seq=expected_seq)
        if problem:
            return problem
        expected_prev, expected_seq = row["hash"], expected_seq + 1
    return None


def row_problem(row: dict[str, Any], *, expected_prev: str, expected_seq: int, digest=None):
    """(seq, id, what is wrong) when ``row`` is not the event expected next, else None.

    ``digest`` is SHA-256 of the row's canonical bytes when the caller computed it already."""
    seq = row["seq"]
    if seq != expected_seq:
        return (
            seq,
            row.get("id"),
            f"sequence jumps from {expected_seq - 1} to {seq} (events missing)",
        )
    if row.get("prev_hash") != expected_prev:
        return seq, row.get("id"), "prev_hash does not link to the previous event"
    try:
        digest = digest or event_hash(chain_fields(row))
    except UnknownChainVersionError as exc:
        return seq, row.get("id"), f"{exc} (edited)"
    if digest != row["hash"]:
        return seq, row.get("id"), "content does not match its hash (edited)"
    return None
