"""The evidence pack's file format: a deterministic ZIP with a signed manifest. Pure: no ORM.

Layout (docs/verify_evidence_pack.py checks it offline)::

    manifest.json          what is in the pack: every other file's SHA-256 and size, the subject,
                           the as-of time, the inputs hash, the audit tree size
    manifest.json.sig      detached signature over the exact bytes of manifest.json with the
                           document-signing key (ECDSA P-256/P-384 with SHA-256, DER-encoded, or
                           RSA PKCS#1 v1.5 with SHA-256: ``SigningIdentity.sign``)
    records/*.json         the model version, risk assessments, evidence, approvals, documents
    documents/*            the generated documents (PDFs) as stored
    evidence/<id>/<name>   the evidence files as uploaded
    audit/events.jsonl     the audit events about those records, in sequence order, each with
                           every field of its canonical form (audit/chain.py), its id and hash
    audit/proofs.json      the signed tree head (C2SP checkpoint), the audit log's note verifier
                           key, and one RFC 9162 inclusion proof per event

Deterministic: members in sorted order, a fixed timestamp (1980-01-01, the earliest a ZIP can
hold), fixed permissions, deflate at a fixed level, JSON with sorted keys. The same files give
the same ZIP bytes except for the signature (ECDSA signatures are randomised).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable

FORMAT = "attest-evidence-pack/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
# ZIP's MS-DOS time field starts in 1980 (APPNOTE.TXT 4.4.6), so this is the fixed earliest one.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
# -rw-r--r-- in the upper 16 bits (Unix mode), as zipfile writes for a regular file.
FILE_MODE = 0o100644 << 16


def canonical_json(value) -> bytes:
    """Sorted keys, two-space indents, UTF-8, a final newline: stable and readable."""
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inputs_hash(subject: dict, files: dict[str, bytes]) -> str:
    """SHA-256 over the subject and every file's name and SHA-256 (canonical JSON): what the
    pack was made from. The same records, events and documents give the same value."""
    listing = {name: sha256(content) for name, content in files.items()}
    return sha256(
        json.dumps(
            {"subject": subject, "files": listing}, sort_keys=True, separators=(",", ":")
        ).encode()
    )


def manifest(*, subject: dict, as_of: str, tree_size: int, files: dict[str, bytes]) -> dict:
    return {
        "format": FORMAT,
        "subject": subject,
        "as_of": as_of,
        "inputs_hash": inputs_hash(subject, files),
        "audit_tree_size": tree_size,
        "signature": {
            "file": SIGNATURE,
            "over": MANIFEST,
            "algorithm": "ECDSA with SHA-256 (DER) or RSA PKCS#1 v1.5 with SHA-256",
        },
        "files": {
            name: {"sha256": sha256(content), "size": len(content)}
            for name, content in sorted(files.items())
        },
    }


def write_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = FILE_MODE
            info.create_system = 3  # Unix, so the mode above is read as one
            archive.writestr(info, members[name], compresslevel=6)
    return buffer.getvalue()


def build(
    *, subject: dict, as_of: str, tree_size: int, files: dict[str, bytes], sign: Callable
) -> tuple[bytes, bytes]:
    """(ZIP bytes, manifest bytes): the files, their manifest and its detached signature."""
    for name in files:
        if name in (MANIFEST, SIGNATURE) or name.startswith("/") or ".." in name.split("/"):
            raise ValueError(f"not a member name: {name!r}")
    manifest_bytes = canonical_json(
        manifest(subject=subject, as_of=as_of, tree_size=tree_size, files=files)
    )
    members = {**files, MANIFEST: manifest_bytes, SIGNATURE: sign(manifest_bytes)}
    return write_zip(members), manifest_bytes
