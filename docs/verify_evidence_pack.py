#!/usr/bin/env python3
"""Verify an Attest evidence pack offline, with nothing but Attest's document-signing certificate.

Needs Python 3.9+ and the ``cryptography`` package; nothing of Attest.

    verify_evidence_pack.py PACK.zip --cert CERT.pem [--audit-key KEY]

CERT.pem is the document-signing certificate (``GET /api/v1/documents/signing-certificate/``,
or *Download signing certificate* on a document's page); get it from Attest by a channel you
trust, not from the pack. KEY (optional) pins the audit log's note verifier key
(``note_verifier_key`` of ``/api/v1/audit/public-key/``, or a file holding it); without it, the
key named in the pack is used, which the signed manifest vouches for.

Checks, each problem named by the file or audit event at fault:

1. ``manifest.json.sig`` is the certificate key's signature over the exact bytes of
   ``manifest.json`` (ECDSA with SHA-256, DER; or RSA PKCS#1 v1.5 with SHA-256).
2. Every file the manifest lists is in the pack with that SHA-256 and size (changed, removed),
   and the pack holds no file the manifest does not list (added); the manifest's inputs hash
   is the SHA-256 of its subject and file list.
3. Every audit event in ``audit/events.jsonl`` matches its hash (SHA-256 over its canonical JSON,
   Attest's ``audit/chain.py``), and its RFC 9162 inclusion proof (§2.1.3.2) leads from its leaf
   hash, SHA-256(0x00 || canonical bytes), to the root of the signed tree head in
   ``audit/proofs.json``, a C2SP checkpoint signed as a C2SP signed note with the audit log's
   Ed25519 key (https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note).
4. Each document and evidence file is the one the audit trail recorded: its SHA-256 is the one
   the pack's events about it recorded (``file_sha256`` of ``governance.document_generated``,
   ``sha256`` of ``governance.evidence_added`` on the evidence's obligation).

Exit status 0 when the pack is intact, 1 with one line per problem otherwise, 2 for bad usage.
"""

import base64
import hashlib
import json
import os
import sys
import zipfile

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
EVENTS = "audit/events.jsonl"
PROOFS = "audit/proofs.json"

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


def usage(message):
    print(message, file=sys.stderr)
    sys.exit(2)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def canonical(event):
    """The bytes an event's hash covers (audit/chain.py; docs/verify_audit_export.py)."""
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


# --- C2SP signed notes and checkpoints --------------------------------------------------------
def parse_key(text):
    """(name, key id, raw Ed25519 key) of a note verifier key ``<name>+<hex id>+<base64>``."""
    name, key_id, key = text.strip().split("+", 2)
    raw = base64.b64decode(key)
    if raw[:1] != b"\x01" or len(raw) != 33:
        raise ValueError("not an Ed25519 note verifier key")
    if hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() != key_id:
        raise ValueError("the key's id does not match its name and key")
    return name, bytes.fromhex(key_id), raw[1:]


def open_checkpoint(note, key):
    """(size, root) of a checkpoint signed by ``key``; ValueError saying why not."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    name, key_id, raw = key
    text, sep, signatures = note.rpartition("\n\n")
    if not sep:
        raise ValueError("not a signed note")
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
            raise ValueError("its signature is not valid for the audit log's key") from None
        lines = text.split("\n")
        if lines[0] != name or not lines[1].isdigit():
            raise ValueError("it is not a checkpoint of this log")
        return int(lines[1]), base64.b64decode(lines[2])
    raise ValueError("it carries no signature by the audit log's key")


# --- The document-signing certificate ---------------------------------------------------------
def load_certificate(path):
    from cryptography import x509

    try:
        with open(path, "rb") as handle:
            pem = handle.read()
    except OSError as exc:
        usage(f"{path}: cannot be read ({exc})")
    try:
        return x509.load_pem_x509_certificates(pem)[0]
    except ValueError:
        usage(f"{path}: not a PEM certificate")
    return None


def signature_valid(certificate, data, signature):
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    public = certificate.public_key()
    try:
        if isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True


# --- The checks -------------------------------------------------------------------------------
class Pack:
    def __init__(self, path):
        self.problems = []
        try:
            archive = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            usage(f"{path}: not a readable ZIP archive ({exc})")
        names = [info.filename for info in archive.infolist()]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.problem(f"{name}: more than one file of this name in the pack (added)")
        self.members = {}
        for name in names:
            try:
                self.members[name] = archive.read(name)
            except (zipfile.BadZipFile, OSError) as exc:  # a changed byte breaks its CRC-32
                self.problem(f"{name}: cannot be read from the pack (changed: {exc})")

    def problem(self, text):
        self.problems.append(text)

    def json(self, name):
        try:
            return json.loads(self.members[name])
        except (KeyError, ValueError):
            return None


def check_manifest(pack, certificate):
    data, signature = pack.members.get(MANIFEST), pack.members.get(SIGNATURE)
    if data is None:
        pack.problem(f"{MANIFEST}: missing (removed); nothing in the pack can be trusted")
        return None
    if signature is None:
        pack.problem(f"{SIGNATURE}: missing (removed); the manifest is not signed")
    elif not signature_valid(certificate, data, signature):
        pack.problem(
            f"{MANIFEST}: its signature ({SIGNATURE}) does not verify with this certificate "
            "(the manifest was changed, or another key signed it)"
        )
    try:
        manifest = json.loads(data)
        files = manifest["files"]
    except (ValueError, KeyError, TypeError):
        pack.problem(f"{MANIFEST}: not an evidence-pack manifest")
        return None
    return manifest if isinstance(files, dict) else None


def check_files(pack, manifest):
    listed = manifest["files"]
    for name in sorted(listed):
        entry = listed[name] if isinstance(listed[name], dict) else {}
        content = pack.members.get(name)
        if content is None:
            if name not in pack.members:
                pack.problem(f"{name}: listed in the manifest but not in the pack (removed)")
            continue
        if sha256(content) != entry.get("sha256") or len(content) != entry.get("size"):
            pack.problem(f"{name}: its SHA-256 is not the one in the manifest (changed)")
    for name in sorted(pack.members):
        if name not in listed and name not in (MANIFEST, SIGNATURE):
            pack.problem(f"{name}: not listed in the manifest (added)")
    expected = sha256(
        json.dumps(
            {
                "subject": manifest.get("subject"),
                "files": {
                    name: entry.get("sha256") if isinstance(entry, dict) else None
                    for name, entry in listed.items()
                },
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
    )
    if manifest.get("inputs_hash") != expected:
        pack.problem(f"{MANIFEST}: its inputs_hash is not the hash of its subject and files")


def _events(pack):
    raw = pack.members.get(EVENTS)
    if raw is None:
        return []
    events = []
    for number, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
        try:
            event = json.loads(line)
            if not isinstance(event, dict):
                raise ValueError("not an object")
        except ValueError:
            pack.problem(f"{EVENTS}: line {number} is not an audit event (changed)")
            continue
        events.append(event)
    return events


def _label(event):
    return f"audit event #{event.get('seq')} ({event.get('id')}, {event.get('action')})"


def check_audit(pack, manifest, pinned_key):
    proofs, events = pack.json(PROOFS), _events(pack)
    if not isinstance(proofs, dict):
        proofs = None
    if proofs is None:
        if PROOFS in pack.members or events:
            pack.problem(f"{PROOFS}: missing or not JSON; the events cannot be proved")
        return events
    try:
        key = parse_key(pinned_key or proofs["log_key"])
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        pack.problem(f"{PROOFS}: the audit log's key cannot be read ({exc})")
        return events
    if pinned_key and str(proofs.get("log_key", "")).strip() != pinned_key.strip():
        pack.problem(f"{PROOFS}: names another audit log key than the one given with --audit-key")
    size, root = 0, None
    if proofs.get("checkpoint"):
        try:
            size, root = open_checkpoint(proofs["checkpoint"], key)
        except ValueError as exc:
            pack.problem(f"{PROOFS}: the signed tree head does not verify: {exc}")
            return events
    if size != proofs.get("tree_size") or size != manifest.get("audit_tree_size"):
        pack.problem(f"{PROOFS}: its tree size is not the signed head's or the manifest's")
    inclusion = proofs.get("proofs")
    if not isinstance(inclusion, dict):
        pack.problem(f"{PROOFS}: holds no inclusion proofs")
        inclusion = {}
    seen = set()
    for event in events:
        label, seq = _label(event), event.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            pack.problem(f"{label}: its sequence number is not a number (edited)")
            continue
        if seq in seen:
            pack.problem(f"{label}: appears twice (added)")
        seen.add(seq)
        try:
            data = canonical(event)
        except (KeyError, ValueError) as exc:
            pack.problem(f"{label}: not an audit event ({exc}) (edited)")
            continue
        if sha256(data) != event.get("hash"):
            pack.problem(f"{label}: its fields do not match its hash (edited)")
        proof = inclusion.get(str(seq))
        if not isinstance(proof, dict):
            pack.problem(f"{label}: no inclusion proof in {PROOFS}")
            continue
        leaf = leaf_hash(data)
        try:
            path = [bytes.fromhex(h) for h in proof["inclusion_path"]]
            index = proof["leaf_index"]
        except (KeyError, TypeError, ValueError):
            pack.problem(f"{label}: its inclusion proof cannot be read")
            continue
        if index != seq - 1 or not verify_inclusion(index, size, leaf, path, root):
            pack.problem(
                f"{label}: NOT in the signed tree of {size} events (edited, or not Attest's)"
            )
    for seq in sorted(set(inclusion) - {str(e.get("seq")) for e in events}):
        pack.problem(f"{EVENTS}: the proof for event #{seq} has no event (removed)")
    return events


def check_recorded_hashes(pack, events):
    """Each stored file against the hash the trail recorded for its record."""
    recorded = {}
    for event in events:
        after = event.get("after") if isinstance(event.get("after"), dict) else {}
        digest = after.get("file_sha256") or after.get("sha256")
        if digest and event.get("target_id"):
            recorded.setdefault(event["target_id"], []).append((event.get("seq"), digest))
    # A document's generation event targets the document; an evidence upload's targets the
    # obligation the evidence is for.
    for records, key in (
        ("records/documents.json", "id"),
        ("records/evidence.json", "obligation_id"),
    ):
        for record in pack.json(records) or []:
            path = record.get("file") if isinstance(record, dict) else None
            content = pack.members.get(path) if path else None
            if content is None or record.get(key) not in recorded:
                continue
            digests = recorded[record[key]]
            if sha256(content) not in {d for _, d in digests}:
                seqs = ", ".join(f"#{s}" for s, _ in digests)
                pack.problem(
                    f"{path}: its SHA-256 is not the one the audit trail recorded ({seqs})"
                )


def main(argv):
    args = list(argv)
    options = {}
    for flag in ("--cert", "--audit-key"):
        if flag in args:
            at = args.index(flag)
            if at + 1 >= len(args):
                usage(f"{flag} needs a value")
            options[flag] = args[at + 1]
            del args[at : at + 2]
    if len(args) != 1 or "--cert" not in options:
        usage(__doc__)
    pinned = options.get("--audit-key")
    if pinned and os.path.exists(pinned):
        with open(pinned, encoding="utf-8") as handle:
            pinned = handle.read()
    certificate = load_certificate(options["--cert"])
    pack = Pack(args[0])
    manifest = check_manifest(pack, certificate)
    events = []
    if manifest is not None:
        check_files(pack, manifest)
        events = check_audit(pack, manifest, pinned)
        check_recorded_hashes(pack, events)
    if pack.problems:
        print(f"FAILED: {args[0]}", file=sys.stderr)
        for problem in pack.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    subject = manifest.get("subject") or {}
    print(
        f"OK: evidence pack of {subject.get('model')} v{subject.get('version')}"
        + (
            f", deployment request {subject['deployment_request']}"
            if subject.get("deployment_request")
            else ""
        )
        + f", as of {manifest.get('as_of')}: {len(manifest['files'])} files intact, "
        f"{len(events)} audit events in the signed tree of {manifest.get('audit_tree_size')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
