#!/usr/bin/env python3
"""Re-verify an Attest audit export (JSON Lines) offline: python3 verify_audit_export.py x.jsonl

Needs only Python. Export the whole trail (or a contiguous range: ?since=N, then pass the hash
of event N-1 with --prev). Each line's hash is SHA-256 over the canonical JSON of its fields.
"""

import hashlib  # noqa: E401
import json
import sys

FIELDS = [
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
args = sys.argv[1:]
prev = args[args.index("--prev") + 1] if "--prev" in args else "0" * 64
seq = None
lines = open(args[0], encoding="utf-8").read().splitlines()  # noqa: SIM115
for number, line in enumerate(lines, 1):
    event = json.loads(line)
    canonical = json.dumps(
        {k: event[k] for k in FIELDS}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    if seq is not None and event["seq"] != seq + 1:
        sys.exit(f"line {number}: event #{event['seq']} follows #{seq}: events missing")
    if event["prev_hash"] != prev:
        sys.exit(f"line {number}: event #{event['seq']} does not link to the previous event")
    if hashlib.sha256(canonical).hexdigest() != event["hash"]:
        sys.exit(f"line {number}: event #{event['seq']} does not match its hash")
    prev, seq = event["hash"], event["seq"]
print(f"OK: {number if seq else 0} events, head #{seq} {prev}")
