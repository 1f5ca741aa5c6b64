"""Re-verifying the stored chain (a read: no permission needed by the command-line caller)."""

from __future__ import annotations

from dataclasses import dataclass

from audit import chain, checkpoints
from audit.models import AuditEvent

CHAIN_COLUMNS = ("id", "hash", *chain.FIELDS)


@dataclass(frozen=True)
class Verdict:
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    broken_id: str | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


def chain_rows(since: int = 1):
    return (
        AuditEvent.objects.filter(seq__gte=since)
        .order_by("seq")
        .values(*CHAIN_COLUMNS)
        .iterator(chunk_size=5000)
    )


def verify_chain(*, since: int = 1) -> Verdict:
    """Check sequence, links and hashes from ``since`` to the head."""
    since = max(1, since)
    previous = AuditEvent.objects.filter(seq=since - 1).values_list("hash", flat=True).first()
    expected_prev = previous or chain.GENESIS
    counted = {"n": 0, "seq": since - 1, "hash": expected_prev}

    def counting():
        for row in chain_rows(since):
            counted["n"] += 1
            yield row
            counted["seq"], counted["hash"] = row["seq"], row["hash"]

    broken = chain.first_break(counting(), expected_prev=expected_prev, expected_seq=since)
    if broken:
        seq, event_id, problem = broken
        return Verdict(counted["n"], counted["seq"], counted["hash"], seq, str(event_id), problem)
    latest = checkpoints.latest_checkpoint()
    problem = checkpoints.check_against(latest) if latest else None
    if problem:
        return Verdict(counted["n"], counted["seq"], counted["hash"], latest["seq"], None, problem)
    return Verdict(counted["n"], counted["seq"], counted["hash"])
