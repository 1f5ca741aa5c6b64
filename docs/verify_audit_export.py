#!/usr/bin/env python3
"""Re-verify Attest's audit trail offline, with nothing but its public key.

Needs Python 3.9+; checking signatures also needs the ``cryptography`` package.

    verify_audit_export.py EXPORT.jsonl [--prev HASH] [--head HEAD --key KEY]
    verify_audit_export.py EXPORT.jsonl --filtered
    verify_audit_export.py proof EVENT.json PROOF.json --key KEY
    verify_audit_export.py consistency HEAD1 HEAD2 PROOF.json --key KEY

1. An export (``/audit/export.jsonl``): every line's hash is SHA-256 over the canonical JSON of
   its fields (chain version 1, or 2 with ``chain_version`` among them), every line links to
   the previous one. For a contiguous range (``?since=N``) pass the hash of event N-1 with
   ``--prev``. With ``--head`` (a signed tree head, see below) and a full export, the RFC 9162
   Merkle tree over the events must have the signed root at the signed size.
   A filtered export (``?action=``, ``?actor=``, ``?subject=``, dates...) leaves out events by
   design, so it cannot show that none is missing. With ``--filtered`` each event is checked
   against its own hash (which covers the link to the event before it), and neighbours that
   follow each other in the trail must still link. That proves each listed event is as it was
   written, not that the list is complete: prove that an event is in the signed log with its
   inclusion proof (2. below), and completeness with the whole trail, or a range ``?since=N``
   with ``--prev``, against a signed head.
2. One event (``GET /api/v1/audit-events/<id>/``) and its inclusion proof
   (``GET /api/v1/audit-events/<id>/proof``): the leaf hash is rebuilt from the event's fields,
   the path leads to the root of the signed checkpoint (RFC 9162 §2.1.3.2).
3. Two saved heads and the consistency proof between them
   (``GET /api/v1/audit/consistency/?first=M&second=N``): the later tree contains the earlier
   one unchanged (RFC 9162 §2.1.4.2).

A head (HEAD, HEAD1, HEAD2) is a file holding the signed note (``checkpoint`` in the API's
answers) or a JSON object with a ``checkpoint`` member (one item of ``/api/v1/audit/tree-heads/``).
KEY is the note verifier key ``<name>+<key id>+<base64 key>`` (``note_verifier_key`` of
``/api/v1/audit/public-key/``) or a file holding it. Formats: C2SP signed-note and
tlog-checkpoint (https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint).
Exit status 0 when everything verifies, else 1 with the reason.
"""

import base64
import hashlib
import json
import os
import sys

FIELDS_V1 = [
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
]
FIELDS = {1: FIELDS_V1, 2: [*FIELDS_V1, "chain_version"]}


def fail(message):
    sys.exit(message)


def canonical(event):
    version = event.get("chain_version") or 1
    if version not in FIELDS:
        raise ValueError(f"unknown chain version {version!r}")
    data = {k: event[k] for k in FIELDS[version]}
    if version >= 2:
        data["chain_version"] = version
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- RFC 9162 §2.1 ----------------------------------------------------------------------------
def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_of(leaves):
    """MTH over the leaf hashes, with a stack of perfect subtrees (compact range)."""
    stack = []
    for n, h in enumerate(leaves):
        while n & 1:
            h = node_hash(stack.pop(), h)
            n >>= 1
        stack.append(h)
    if not stack:
        return hashlib.sha256(b"").digest()
    root = stack[-1]
    for left in reversed(stack[:-1]):
        root = node_hash(left, root)
    return root


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not (fn & 1 or fn == 0):
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, path):
    """RFC 9162 §2.1.4.2."""
    if first > second:
        return False
    if first == second:
        return not path and first_root == second_root
    if first == 0:
        return not path
    if not path:
        return False
    if first & (first - 1) == 0:
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
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not (fn & 1 or fn == 0):
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


# --- C2SP signed notes and checkpoints --------------------------------------------------------
def read_text(value):
    if os.path.exists(value):
        with open(value, encoding="utf-8") as handle:
            return handle.read()
    return value


def load_key(value):
    text = read_text(value).strip()
    try:
        name, key_id, key = text.split("+", 2)
        raw = base64.b64decode(key)
    except ValueError:
        fail("the key must be a note verifier key: <name>+<key id>+<base64 key>")
    if raw[:1] != b"\x01" or len(raw) != 33:
        fail("the key is not an Ed25519 note verifier key")
    expected = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex()
    if expected != key_id:
        fail("the key's id does not match its name and key")
    return name, bytes.fromhex(key_id), raw[1:]


def open_checkpoint(note, key):
    """(size, root) of a checkpoint signed by ``key``; exits when it is not."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    name, key_id, raw = key
    text, sep, signatures = note.rpartition("\n\n")
    if not sep:
        fail("the head is not a signed note")
    text += "\n"
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != name:
            continue
        blob = base64.b64decode(parts[2])
        if blob[:4] != key_id:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(raw).verify(blob[4:], text.encode())
        except InvalidSignature:
            fail("the head's signature is not valid for this key")
        lines = text.split("\n")
        if lines[0] != name or not lines[1].isdigit():
            fail("the head is not a checkpoint of this log")
        return int(lines[1]), base64.b64decode(lines[2])
    fail("the head carries no signature by this key")
    return None


def load_head(value, key):
    text = read_text(value)
    if text.lstrip().startswith("{"):
        text = json.loads(text)["checkpoint"]
    return open_checkpoint(text, key)


def option(args, name):
    if name not in args:
        return None
    at = args.index(name)
    value = args[at + 1]
    del args[at : at + 2]
    return value


GAP = (
    "line {number}: event #{seq} follows #{previous}: events missing. If this is a filtered "
    "export (?action=, ?actor=, ?subject=, dates), the gaps are the filter's: run again with "
    "--filtered to check each event against its hash. A filtered export proves each event, "
    "not that none is missing; for that, export the whole trail (or ?since=N with --prev)."
)


def check_export(args):
    filtered = "--filtered" in args
    if filtered:
        args.remove("--filtered")
    prev = option(args, "--prev") or "0" * 64
    head, key = option(args, "--head"), option(args, "--key")
    if head and not key:
        fail("--head needs --key")
    if filtered and head:
        fail(
            "--head proves a whole trail; a filtered export has gaps: check each event's "
            "inclusion proof instead (proof EVENT.json PROOF.json --key KEY)"
        )
    if filtered:
        check_filtered(args[0])
        return
    seq, first, leaves = None, None, []
    with open(args[0], encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    for number, line in enumerate(lines, 1):
        event = json.loads(line)
        try:
            data = canonical(event)
        except (KeyError, ValueError) as exc:
            fail(f"line {number}: event #{event.get('seq')} is not an audit event ({exc})")
        if seq is not None and event["seq"] != seq + 1:
            fail(GAP.format(number=number, seq=event["seq"], previous=seq))
        if event["prev_hash"] != prev:
            fail(f"line {number}: event #{event['seq']} does not link to the previous event")
        if hashlib.sha256(data).hexdigest() != event["hash"]:
            fail(f"line {number}: event #{event['seq']} does not match its hash")
        first = event["seq"] if first is None else first
        leaves.append(leaf_hash(data))
        prev, seq = event["hash"], event["seq"]
    if head:
        size, root = load_head(head, load_key(key))
        if first not in (None, 1):
            fail("--head needs the whole trail from event #1")
        if len(leaves) < size:
            fail(f"the head signs {size} events but the export holds {len(leaves)}")
        if root_of(leaves[:size]) != root:
            fail(f"the events #1..#{size} do not have the root the head signed")
        print(f"OK: the first {size} events have the signed root {root.hex()}")
    print(f"OK: {len(lines) if seq else 0} events, head #{seq} {prev}")


def check_filtered(path):
    """Each event against its own hash; consecutive neighbours must link."""
    seq, prev, count = None, None, 0
    with open(path, encoding="utf-8") as handle:
        lines = [line for line in handle.read().splitlines() if line.strip()]
    for number, line in enumerate(lines, 1):
        event = json.loads(line)
        try:
            data = canonical(event)
        except (KeyError, ValueError) as exc:
            fail(f"line {number}: event #{event.get('seq')} is not an audit event ({exc})")
        if seq is not None and event["seq"] <= seq:
            fail(f"line {number}: event #{event['seq']} comes after #{seq}: out of order")
        if hashlib.sha256(data).hexdigest() != event["hash"]:
            fail(f"line {number}: event #{event['seq']} does not match its hash")
        if seq is not None and event["seq"] == seq + 1 and event["prev_hash"] != prev:
            fail(f"line {number}: event #{event['seq']} does not link to event #{seq}")
        prev, seq, count = event["hash"], event["seq"], count + 1
    print(
        f"OK: {count} events of a filtered export, each as it was written (its hash matches). "
        "This does not show that no event is missing: check an event's inclusion proof to "
        "prove it is in the signed log, and the whole trail for completeness."
    )


def check_proof(args):
    key = option(args, "--key")
    if not key or len(args) != 2:
        fail("usage: proof EVENT.json PROOF.json --key KEY")
    event = json.loads(read_text(args[0]))
    proof = json.loads(read_text(args[1]))
    size, root = open_checkpoint(proof["checkpoint"], load_key(key))
    if proof["tree_size"] != size:
        fail("the proof's tree size is not the signed checkpoint's")
    leaf = leaf_hash(canonical(event))
    if leaf.hex() != proof["leaf_hash"]:
        fail(f"event #{event.get('seq')}: its fields do not make the proof's leaf hash")
    if event.get("seq") != proof["leaf_index"] + 1:
        fail("the proof is for another position than the event's sequence number")
    path = [bytes.fromhex(h) for h in proof["inclusion_path"]]
    if not verify_inclusion(proof["leaf_index"], size, leaf, path, root):
        fail(f"event #{event.get('seq')} is NOT in the signed tree of {size} events")
    print(f"OK: event #{event['seq']} is in the signed tree of {size} events")


def check_consistency(args):
    key = option(args, "--key")
    if not key or len(args) != 3:
        fail("usage: consistency HEAD1 HEAD2 PROOF.json --key KEY")
    key = load_key(key)
    first, first_root = load_head(args[0], key)
    second, second_root = load_head(args[1], key)
    proof = json.loads(read_text(args[2]))
    if (proof["first"], proof["second"]) != (first, second):
        fail("the proof is not between these two heads' sizes")
    path = [bytes.fromhex(h) for h in proof["consistency_path"]]
    if not verify_consistency(first, second, first_root, second_root, path):
        fail(f"the tree of {second} events is NOT an extension of the tree of {first}")
    print(f"OK: the tree of {second} events extends the tree of {first} unchanged")


def main(argv):
    args = list(argv)
    if not args:
        fail(__doc__)
    if args[0] == "proof":
        check_proof(args[1:])
    elif args[0] == "consistency":
        check_consistency(args[1:])
    else:
        check_export(args)


if __name__ == "__main__":
    main(sys.argv[1:])
