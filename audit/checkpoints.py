"""Signed checkpoints of the audit chain (Ed25519), kept in a table and in a file outside the
database. The chain alone cannot reveal a deleted tail or a fully recomputed chain; a signed
(sequence, head hash, time) taken earlier can, as long as the key is not in the database."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit import chain
from audit.models import AuditCheckpoint, AuditEvent


def signing_key() -> Ed25519PrivateKey:
    """ATTEST_AUDIT_SIGNING_KEY (PEM); without it, a key derived from SECRET_KEY (also kept
    outside the database, but set a dedicated key in production)."""
    pem = settings.ATTEST_AUDIT_SIGNING_KEY
    if pem:
        return serialization.load_pem_private_key(pem.encode(), password=None)
    seed = hashlib.sha256(b"attest-audit-checkpoint:" + settings.SECRET_KEY.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_pem() -> str:
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def message(seq: int, head_hash: str, signed_at: str) -> bytes:
    return f"attest-audit-checkpoint:{seq}:{head_hash}:{signed_at}".encode()


def checkpoint_file() -> Path:
    return Path(settings.ATTEST_AUDIT_CHECKPOINT_FILE)


@transaction.atomic
def checkpoint_create() -> AuditCheckpoint:
    """Sign the current head (also when nothing happened since the last checkpoint), store it
    and append it to the checkpoint file (fsynced)."""
    head = AuditEvent.objects.order_by("-seq").values("seq", "hash").first() or {
        "seq": 0,
        "hash": chain.GENESIS,
    }
    key = signing_key()
    signed_at = chain.timestamp(timezone.now())
    signature = base64.b64encode(key.sign(message(head["seq"], head["hash"], signed_at))).decode()
    row = AuditCheckpoint.objects.create(
        seq=head["seq"],
        head_hash=head["hash"],
        signed_at=signed_at,
        signature=signature,
        key_id=key_id(key.public_key()),
    )
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {
            "seq": row.seq,
            "head_hash": row.head_hash,
            "signed_at": signed_at,
            "signature": signature,
            "key_id": row.key_id,
        }
    )
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return row


def latest_checkpoint() -> dict | None:
    """The newest checkpoint: from the file outside the database when there is one (a database
    administrator could rewrite the table), else from the table."""
    path = checkpoint_file()
    if path.exists():
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if lines:
            return json.loads(lines[-1])
    return AuditCheckpoint.objects.order_by("-created_at").values().first()


def check_against(checkpoint: dict) -> str | None:
    """None when the chain still holds what the checkpoint signed, else what is wrong."""
    public = signing_key().public_key()
    try:
        public.verify(
            base64.b64decode(checkpoint["signature"]),
            message(checkpoint["seq"], checkpoint["head_hash"], checkpoint["signed_at"]),
        )
    except (InvalidSignature, ValueError):
        return "the latest checkpoint's signature is not valid for this key"
    if checkpoint["seq"] == 0:
        return None
    event = AuditEvent.objects.filter(seq=checkpoint["seq"]).values("hash").first()
    if event is None:
        return (
            f"event #{checkpoint['seq']}, signed in the checkpoint of "
            f"{checkpoint['signed_at']}, is missing: the tail was truncated"
        )
    if event["hash"] != checkpoint["head_hash"]:
        return (
            f"event #{checkpoint['seq']} no longer has the hash signed on "
            f"{checkpoint['signed_at']}: the chain was rewritten"
        )
    return None
