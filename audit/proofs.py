"""Reading proofs out of the stored tree (selectors: the caller has checked the audit-log
permission). Shapes follow RFC 9162 §2.1.3 (inclusion) and §2.1.4 (consistency); hashes are
hex. A proof is only offered against a *signed* tree head, so that the answer can carry the
checkpoint it leads to and be checked by anyone holding the public key."""

from __future__ import annotations

from dataclasses import dataclass

from audit import merkle, sequencer
from audit.models import AuditCheckpoint, AuditEvent


class ProofUnavailableError(LookupError):
    """What was asked for has no signed head, or no place in the tree (yet)."""


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: str
    inclusion_path: list[str]
    checkpoint: str


def signed_head(tree_size: int | None = None) -> AuditCheckpoint:
    """The newest signed head of that size (or the newest of all); heads from before the tree
    carry no checkpoint note and prove nothing."""
    heads = AuditCheckpoint.objects.exclude(checkpoint="").order_by("-id")
    if tree_size is not None:
        heads = heads.filter(seq=tree_size)
    head = heads.first()
    if head is None:
        if tree_size is None:
            raise ProofUnavailableError("No signed tree head yet: retry in a few seconds.")
        raise ProofUnavailableError(
            f"No signed tree head of size {tree_size}: pick one from /api/v1/audit/tree-heads/."
        )
    return head


def signed_head_covering(tree_size: int) -> AuditCheckpoint | None:
    """The earliest signed head whose tree holds the first ``tree_size`` events. Heads only
    grow, so once there is one it stays the earliest: evidence packs prove their events
    against it and come out the same however many heads are signed later."""
    return (
        AuditCheckpoint.objects.exclude(checkpoint="")
        .filter(seq__gte=tree_size)
        .order_by("seq", "id")
        .first()
    )


def _path(builder, *args) -> list[str]:
    keys, finish = merkle.collect(builder, *args)
    found = sequencer.nodes(keys)
    if len(found) != len(keys):
        raise ProofUnavailableError("The tree is still being built up to this size.")
    return [h.hex() for h in finish(found)]


def inclusion_proof(event: AuditEvent, tree_size: int | None = None) -> InclusionProof:
    if event.seq is None:
        raise ProofUnavailableError("This event is still sealing: retry in a few seconds.")
    head = signed_head(tree_size)
    index = event.seq - 1
    if index >= head.seq:
        raise ProofUnavailableError(
            f"Event #{event.seq} is not in the tree of size {head.seq}: ask a later head."
        )
    leaf = sequencer.nodes([merkle.node_key(0, index)]).get(merkle.node_key(0, index))
    if leaf is None:
        raise ProofUnavailableError("The tree is still being built up to this event.")
    return InclusionProof(
        leaf_index=index,
        tree_size=head.seq,
        leaf_hash=leaf.hex(),
        inclusion_path=_path(merkle.inclusion_path, index, head.seq),
        checkpoint=head.checkpoint,
    )


def consistency_proof(first: int, second: int) -> list[str]:
    """Between two signed heads (both must exist)."""
    signed_head(first)
    signed_head(second)
    if first == 0 or first == second:
        return []
    return _path(merkle.consistency_path, first, second)


def tree_heads(limit: int = 100, before: int | None = None):
    heads = AuditCheckpoint.objects.exclude(checkpoint="").order_by("-id")
    if before is not None:
        heads = heads.filter(id__lt=before)
    return list(heads[:limit])
