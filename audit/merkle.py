"""The audit trail's Merkle tree, exactly RFC 9162 §2.1 (Certificate Transparency v2). Pure.

https://www.rfc-editor.org/rfc/rfc9162#section-2.1

- leaf hash = SHA-256(0x00 || the event's canonical bytes, ``audit/chain.py``) (§2.1.1);
- node hash = SHA-256(0x01 || left || right);
- leaves in sequence order: event #1 is leaf 0, so a tree of size N holds events #1..#N;
- MTH(D[n]) splits at k, the largest power of two smaller than n (§2.1.1).

Stored nodes (``AuditTreeNode``) are the roots of the *perfect* subtrees: level L, index i
covers leaves [i * 2^L, (i + 1) * 2^L). Any MTH(D[a:b]) the proofs need decomposes into them
(``subtree_keys``), so a proof at a million events reads a few dozen rows, never the leaves.

Proofs: inclusion ``PATH(m, D[n])`` §2.1.3.1, verified by §2.1.3.2; consistency
``PROOF(m, D[n])`` §2.1.4.1, verified by §2.1.4.2. The verifiers below are the RFC's algorithms
step by step; docs/verify_audit_export.py repeats them so that it stays stand-alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

LEVEL_SHIFT = 48  # node key = level << 48 | index: one bigint primary key, 2^48 leaves at most


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def node_key(level: int, index: int) -> int:
    return (level << LEVEL_SHIFT) | index


def split(n: int) -> int:
    """k: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_keys(a: int, b: int) -> list[int]:
    """The stored perfect subtrees whose hashes make MTH(D[a:b]), left to right.

    In every range the RFC's recursion asks for, ``a`` is a multiple of the largest power of
    two not above ``b - a``, so the range is a run of aligned perfect subtrees."""
    keys = []
    while a < b:
        size = b - a
        level = size.bit_length() - 1
        while a % (1 << level):
            level -= 1
        keys.append(node_key(level, a >> level))
        a += 1 << level
    return keys


def fold(hashes: list[bytes]) -> bytes:
    """MTH of a range from its perfect subtrees left to right (sizes strictly decreasing):
    the right-most ones combine first, as the recursion of §2.1.1 does."""
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


SubtreeHash = Callable[[int, int], bytes]


def inclusion_path(m: int, n: int, mth: SubtreeHash) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1, leaf m of a tree of n leaves, leaf to root order."""
    if not 0 <= m < n:
        raise ValueError("leaf index outside the tree")
    path: list[bytes] = []
    lo, hi = 0, n
    while hi - lo > 1:
        k = split(hi - lo)
        if m - lo < k:
            path.append(mth(lo + k, hi))
            hi = lo + k
        else:
            path.append(mth(lo, lo + k))
            lo += k
    return list(reversed(path))


def consistency_path(m: int, n: int, mth: SubtreeHash) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1 (SUBPROOF(m, D[n], true)), 0 < m <= n."""
    if not 0 < m <= n:
        raise ValueError("consistency needs 0 < first <= second")
    proof: list[bytes] = []
    lo, hi, complete = 0, n, True
    while True:
        size = hi - lo
        if m == size:
            if not complete:
                proof.append(mth(lo, hi))
            break
        k = split(size)
        if m <= k:
            proof.append(mth(lo + k, hi))
            hi = lo + k
        else:
            proof.append(mth(lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    return list(reversed(proof))


def collect(builder, *args) -> tuple[list[int], Callable[[dict[int, bytes]], list[bytes]]]:
    """Run a proof builder twice: first to learn which stored nodes it needs (the recursion
    does not depend on hash values), then with them. Returns (keys, finish(nodes))."""
    wanted: list[int] = []

    def record(a: int, b: int) -> bytes:
        wanted.extend(subtree_keys(a, b))
        return b""

    builder(*args, record)

    def finish(nodes: dict[int, bytes]) -> list[bytes]:
        return builder(*args, lambda a, b: fold([nodes[key] for key in subtree_keys(a, b)]))

    return sorted(set(wanted)), finish


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, path: Iterable[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2."""
    if leaf_index >= tree_size:
        return False
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: list[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2 (a tree is consistent with itself by an empty proof, and the empty
    tree with every tree)."""
    if first > second:
        return False
    if first == second:
        return not path and first_root == second_root
    if first == 0:
        return not path
    if not path:
        return False
    if first & (first - 1) == 0:  # an exact power of two
        path = [first_root, *path]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


class Frontier:
    """The right edge of a growing tree (a compact range): the perfect subtrees of its size,
    largest first. Appending a leaf merges equal sizes; ``root()`` is MTH of what is in it."""

    __slots__ = ("size", "stack")

    def __init__(self, size: int = 0, stack: list[bytes] | None = None) -> None:
        self.size = size
        self.stack = stack or []

    @staticmethod
    def keys(size: int) -> list[int]:
        return subtree_keys(0, size)

    def append(self, leaf: bytes) -> None:
        h, n = leaf, self.size
        while n & 1:
            h = node_hash(self.stack.pop(), h)
            n >>= 1
        self.stack.append(h)
        self.size += 1

    def root(self) -> bytes:
        return fold(self.stack) if self.stack else hashlib.sha256(b"").digest()


def empty_root() -> bytes:
    """MTH of the empty tree: SHA-256 of the empty string (§2.1.1)."""
    return hashlib.sha256(b"").digest()


def new_nodes(start: int, leaves: list[bytes], left_of: Callable[[int, int], bytes]):
    """The perfect subtrees completed by appending ``leaves`` at index ``start``: yields
    (key, hash) for each, leaves included. ``left_of(level, index)`` reads a stored node that
    lies left of the new ones (at most one per level)."""
    level_nodes = dict(enumerate(leaves, start))
    for index, h in level_nodes.items():
        yield node_key(0, index), h
    lo, hi, level = start, start + len(leaves), 0
    while True:
        plo, phi = lo >> 1, hi >> 1
        if plo >= phi:
            return
        parents = {}
        for p in range(plo, phi):
            left = level_nodes.get(2 * p)
            if left is None:
                left = left_of(level, 2 * p)
            parents[p] = node_hash(left, level_nodes[2 * p + 1])
        level += 1
        for index, h in parents.items():
            yield node_key(level, index), h
        level_nodes, lo, hi = parents, plo, phi
