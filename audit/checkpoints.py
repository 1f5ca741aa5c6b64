"""Signed tree heads of the audit trail (Ed25519), kept in a table and in a file outside the
database. The events alone cannot reveal a deleted tail or a fully recomputed trail; a signed
(tree size, root hash, time) taken earlier can, as long as the key is not in the database.

A tree head is a C2SP checkpoint (https://c2sp.org/tlog-checkpoint)::

    <origin>
    <tree size, decimal>
    <base64 of the RFC 9162 root hash>

signed as a C2SP signed note (https://c2sp.org/signed-note) with Ed25519: the note text, a
blank line, then ``— <key name> base64(key ID || signature)``, where the key name is the origin
and key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]. Anyone holding the
note verifier key (``<name>+<hex key ID>+base64(0x01 || public key)``, the form Go's
``golang.org/x/mod/sumdb/note`` and the transparency-log witnesses read) can check it, and
witnesses can add their co-signatures later. The time of signing is bound by a second Ed25519
signature (``signature``) over ``attest-audit-checkpoint:<size>:<hash of the last event>:<time>``,
the statement signed before the tree existed; older rows and file lines carry only that one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from audit.models import AuditCheckpoint

DEFAULT_ORIGIN = "attest.audit/log"
ED25519_TYPE = b"\x01"


def signing_key() -> Ed25519PrivateKey:
    """ATTEST_AUDIT_SIGNING_KEY (PEM); without it, a key derived from SECRET_KEY (also kept
    outside the database, but set a dedicated key in production)."""
    pem = settings.ATTEST_AUDIT_SIGNING_KEY
    if pem:
        return serialization.load_pem_private_key(pem.encode(), password=None)
    seed = hashlib.sha256(b"attest-audit-checkpoint:" + settings.SECRET_KEY.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_pem() -> str:
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public)).hexdigest()[:16]


def origin() -> str:
    """The log's name: the checkpoint's first line and the note key's name (no spaces, no
    "+"). ``ATTEST_AUDIT_LOG_ORIGIN`` names a deployment, e.g. ``attest.example.com/audit``."""
    name = getattr(settings, "ATTEST_AUDIT_LOG_ORIGIN", "") or DEFAULT_ORIGIN
    return "".join(ch for ch in name if not ch.isspace() and ch != "+") or DEFAULT_ORIGIN


def note_key_id(name: str, public_raw: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519_TYPE + public_raw).digest()[:4]


def note_verifier_key() -> str:
    """``<name>+<hex key ID>+<base64(0x01 || public key)>`` (C2SP signed-note verifier key)."""
    name, raw = origin(), _raw(signing_key().public_key())
    return f"{name}+{note_key_id(name, raw).hex()}+{base64.b64encode(ED25519_TYPE + raw).decode()}"


def checkpoint_text(name: str, size: int, root: bytes) -> str:
    return f"{name}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_note(text: str) -> str:
    key, name = signing_key(), origin()
    signature = note_key_id(name, _raw(key.public_key())) + key.sign(text.encode())
    return f"{text}\n\u2014 {name} {base64.b64encode(signature).decode()}\n"


class BadCheckpointError(ValueError):
    """A tree head that does not verify with this log's key, or is not a checkpoint."""


@dataclass(frozen=True)
class TreeHead:
    size: int
    root: bytes | None  # None for a head signed before the tree existed
    head_hash: str
    signed_at: str


def open_note(note: str, verifier_key: str | None = None) -> str:
    """The note's text if one signature of the verifier key is valid, else BadCheckpointError."""
    name, id_hex, key_b64 = (verifier_key or note_verifier_key()).split("+", 2)
    raw = base64.b64decode(key_b64)[1:]
    public = Ed25519PublicKey.from_public_bytes(raw)
    text, sep, signatures = note.rpartition("\n\n")
    if not sep:
        raise BadCheckpointError("not a signed note")
    text += "\n"
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != name:
            continue
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except ValueError:
            continue
        if blob[:4].hex() != id_hex:
            continue
        try:
            public.verify(blob[4:], text.encode())
        except InvalidSignature:
            raise BadCheckpointError("the checkpoint's signature is not valid") from None
        return text
    raise BadCheckpointError("the checkpoint carries no signature by this log's key")


def parse_checkpoint(text: str) -> tuple[str, int, bytes]:
    lines = text.split("\n")
    if len(lines) < 4 or not lines[1].isdigit():
        raise BadCheckpointError("not a tlog checkpoint")
    return lines[0], int(lines[1]), base64.b64decode(lines[2])


def legacy_message(seq: int, head_hash: str, signed_at: str) -> bytes:
    return f"attest-audit-checkpoint:{seq}:{head_hash}:{signed_at}".encode()


def sign_head(*, size: int, root: bytes, head_hash: str, signed_at: str) -> AuditCheckpoint:
    """Store a signed tree head (inside the sequencer's transaction and lock)."""
    key = signing_key()
    return AuditCheckpoint.objects.create(
        seq=size,
        head_hash=head_hash,
        signed_at=signed_at,
        signature=base64.b64encode(key.sign(legacy_message(size, head_hash, signed_at))).decode(),
        key_id=key_id(key.public_key()),
        root_hash=root.hex(),
        checkpoint=sign_note(checkpoint_text(origin(), size, root)),
    )


def checkpoint_file() -> Path:
    return Path(settings.ATTEST_AUDIT_CHECKPOINT_FILE)


def file_line(row: AuditCheckpoint) -> dict:
    return {
        "seq": row.seq,
        "head_hash": row.head_hash,
        "signed_at": row.signed_at,
        "signature": row.signature,
        "key_id": row.key_id,
        "root_hash": row.root_hash,
        "checkpoint": row.checkpoint,
    }


def append_to_file(row: AuditCheckpoint) -> None:
    """Append a committed head to the checkpoint file outside the database (fsynced)."""
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(file_line(row), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def checkpoint_create() -> AuditCheckpoint:
    """Seal what is pending and sign the tree's head (also when nothing happened since the last
    head); stored and appended to the checkpoint file. Celery beat runs it every 15 minutes."""
    from audit import sequencer

    return sequencer.sign_current_head()


def latest_checkpoint() -> dict | None:
    """The newest head: from the file outside the database when there is one (a database
    administrator could rewrite the table), else from the table."""
    path = checkpoint_file()
    if path.exists():
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if lines:
            return json.loads(lines[-1])
    return AuditCheckpoint.objects.order_by("-created_at", "-id").values().first()


def open_head(checkpoint: dict) -> TreeHead:
    """The head a stored checkpoint signs, once both its signatures verify; else
    BadCheckpointError. The size and root come from the signed note, never from the
    unsigned fields beside it."""
    public = signing_key().public_key()
    try:
        public.verify(
            base64.b64decode(checkpoint["signature"]),
            legacy_message(checkpoint["seq"], checkpoint["head_hash"], checkpoint["signed_at"]),
        )
    except (InvalidSignature, ValueError, KeyError, TypeError):
        raise BadCheckpointError("the latest checkpoint's signature is not valid") from None
    note = checkpoint.get("checkpoint") or ""
    if not note:
        return TreeHead(checkpoint["seq"], None, checkpoint["head_hash"], checkpoint["signed_at"])
    try:
        _, size, root = parse_checkpoint(open_note(note))
    except (BadCheckpointError, ValueError) as exc:
        problem = f"the latest checkpoint's signature is not valid ({exc})"
        raise BadCheckpointError(problem) from None
    if size != checkpoint["seq"]:
        raise BadCheckpointError("the latest checkpoint's signature is not valid for its size")
    return TreeHead(size, root, checkpoint["head_hash"], checkpoint["signed_at"])
