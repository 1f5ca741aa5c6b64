"""Proofs in the standard shape: checked against an independent RFC 9162 implementation written
here (the recursive definitions of §2.1.1, §2.1.3.1 and §2.1.4.1 over the full leaf list), and
by the stand-alone verifier, which rejects forged proofs and inconsistent heads."""

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from audit import checkpoints
from audit.models import AuditEvent
from audit.services import audit_record

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = ROOT / "docs" / "verify_audit_export.py"


# --- RFC 9162 §2.1, straight from the text ---------------------------------------------------
def _k(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d):
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()


def path(m, d):
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m, d, b):
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = _k(n)
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


def canonical(event):
    """The documented form, from the API's fields alone."""
    names = [
        "seq", "occurred_at", "actor_id", "actor_label", "source", "action", "target_type",
        "target_id", "target_label", "subject_id", "before", "after", "request_id",
        "ip_address", "prev_hash",
    ]  # fmt: skip
    data = {k: event[k] for k in names}
    if event["chain_version"] >= 2:
        data["chain_version"] = event["chain_version"]
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- fixtures --------------------------------------------------------------------------------
@pytest.fixture
def auditor_api(personas):
    api = APIClient()
    api.force_login(personas.auditor)
    return api


def write(n, start=0):
    for i in range(start, start + n):
        with transaction.atomic():
            audit_record(
                actor=None,
                action="test.proved",
                target_label=f"event {i}",
                after={"i": i, "name": "é ✓", "nested": {"z": [1, 2.5, None], "a": True}},
            )


def leaves_from_api(api):
    """Every event's canonical bytes, rebuilt from GET /api/v1/audit-events/<id>/ alone."""
    out = []
    for event in AuditEvent.objects.order_by("seq"):
        detail = api.get(f"/api/v1/audit-events/{event.pk}/").json()
        assert detail["seq"] == event.seq and detail["chain_version"] == 2
        out.append(canonical(detail))
    return out


def run(*args):
    return subprocess.run(
        [sys.executable, str(VERIFIER), *map(str, args)], capture_output=True, text=True
    )


@pytest.mark.django_db
def test_proofs_match_an_independent_rfc_9162_implementation(auditor_api):
    sizes, written = [], 0
    for batch in (1, 2, 4, 6):  # the personas' own events come first
        write(batch, start=written)
        written += batch
        sizes.append(checkpoints.checkpoint_create().seq)
    assert [b - a for a, b in zip(sizes, sizes[1:], strict=False)] == [2, 4, 6]
    data = leaves_from_api(auditor_api)
    heads = auditor_api.get("/api/v1/audit/tree-heads/").json()
    assert [h["tree_size"] for h in heads] == sizes[::-1]  # newest first
    for head in heads:
        assert head["root_hash"] == mth(data[: head["tree_size"]]).hex()
        assert base64.b64decode(head["checkpoint"].split("\n")[2]) == bytes.fromhex(
            head["root_hash"]
        )
    events = list(AuditEvent.objects.order_by("seq"))
    for size in sizes:
        for event in events[:size]:
            proof = auditor_api.get(
                f"/api/v1/audit-events/{event.pk}/proof", {"tree_size": size}
            ).json()
            m = event.seq - 1
            assert proof["leaf_index"] == m and proof["tree_size"] == size
            assert proof["leaf_hash"] == hashlib.sha256(b"\x00" + data[m]).hexdigest()
            assert proof["inclusion_path"] == [h.hex() for h in path(m, data[:size])]
    for first in sizes:
        for second in sizes:
            if first > second:
                continue
            answer = auditor_api.get(
                "/api/v1/audit/consistency/", {"first": first, "second": second}
            ).json()
            expected = [] if first == second else subproof(first, data[:second], True)
            assert answer == {
                "first": first,
                "second": second,
                "consistency_path": [h.hex() for h in expected],
            }
    latest = auditor_api.get(f"/api/v1/audit-events/{events[4].pk}/proof").json()
    assert latest["tree_size"] == sizes[-1]  # default: the latest signed head


@pytest.mark.django_db
def test_the_standalone_verifier_accepts_real_proofs_and_rejects_forged_ones(auditor_api, tmp_path):
    write(5)
    first = checkpoints.checkpoint_create()
    write(6, start=5)
    second = checkpoints.checkpoint_create()
    key = auditor_api.get("/api/v1/audit/public-key/").json()
    assert "BEGIN PUBLIC KEY" in key["pem"] and key["note_verifier_key"].startswith(key["origin"])
    (tmp_path / "key").write_text(key["note_verifier_key"])
    event = AuditEvent.objects.get(seq=first.seq - 1)
    n = second.seq
    (tmp_path / "event.json").write_text(
        auditor_api.get(f"/api/v1/audit-events/{event.pk}/").content.decode()
    )
    proof = auditor_api.get(f"/api/v1/audit-events/{event.pk}/proof").json()
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    ok = run("proof", tmp_path / "event.json", tmp_path / "proof.json", "--key", tmp_path / "key")
    assert ok.returncode == 0 and f"is in the signed tree of {n} events" in ok.stdout, ok.stderr

    forgeries = {
        "a flipped path hash": {
            **proof,
            "inclusion_path": [
                ("0" if proof["inclusion_path"][0][0] != "0" else "1")
                + proof["inclusion_path"][0][1:],
                *proof["inclusion_path"][1:],
            ],
        },
        "another position": {**proof, "leaf_index": proof["leaf_index"] - 1},
        "a shortened path": {**proof, "inclusion_path": proof["inclusion_path"][:-1]},
        "another tree size in the note": {
            **proof,
            "checkpoint": proof["checkpoint"].replace(f"\n{n}\n", f"\n{n + 1}\n", 1),
            "tree_size": n + 1,
        },
    }
    for name, forged in forgeries.items():
        (tmp_path / "forged.json").write_text(json.dumps(forged))
        bad = run(
            "proof", tmp_path / "event.json", tmp_path / "forged.json", "--key", tmp_path / "key"
        )
        assert bad.returncode != 0, name
    edited = json.loads((tmp_path / "event.json").read_text())
    edited["actor_label"] = "someone else"
    (tmp_path / "edited.json").write_text(json.dumps(edited))
    bad = run("proof", tmp_path / "edited.json", tmp_path / "proof.json", "--key", tmp_path / "key")
    assert bad.returncode != 0 and "do not make the proof's leaf hash" in bad.stderr

    # Consistency between the two real heads verifies...
    (tmp_path / "head1").write_text(first.checkpoint)
    heads = auditor_api.get("/api/v1/audit/tree-heads/").json()
    (tmp_path / "head2.json").write_text(json.dumps(heads[0]))
    consistency = auditor_api.get(
        "/api/v1/audit/consistency/", {"first": first.seq, "second": n}
    ).json()
    (tmp_path / "consistency.json").write_text(json.dumps(consistency))
    args = ["consistency", tmp_path / "head1", tmp_path / "head2.json"]
    ok = run(*args, tmp_path / "consistency.json", "--key", tmp_path / "key")
    assert ok.returncode == 0 and f"extends the tree of {first.seq}" in ok.stdout, ok.stderr

    # ...but a head signed over another history (the log's own key: a split view) does not.
    other_root = mth([b"a forked history"] * n)
    forked = checkpoints.sign_note(checkpoints.checkpoint_text(checkpoints.origin(), n, other_root))
    (tmp_path / "forked").write_text(forked)
    bad = run(
        "consistency",
        tmp_path / "head1",
        tmp_path / "forked",
        tmp_path / "consistency.json",
        "--key",
        tmp_path / "key",
    )
    assert bad.returncode != 0 and "NOT an extension" in bad.stderr
    # A head whose text was changed after signing is refused for its signature.
    tampered = first.checkpoint.replace(f"\n{first.seq}\n", f"\n{first.seq + 1}\n", 1)
    (tmp_path / "tampered").write_text(tampered)
    bad = run(
        "consistency",
        tmp_path / "tampered",
        tmp_path / "head2.json",
        tmp_path / "consistency.json",
        "--key",
        tmp_path / "key",
    )
    assert bad.returncode != 0 and "signature is not valid" in bad.stderr


@pytest.mark.django_db
def test_an_export_verifies_against_a_signed_head(client_for, personas, tmp_path, auditor_api):
    write(9)
    head = checkpoints.checkpoint_create()
    response = client_for(personas.auditor).get("/audit/export.jsonl")
    export = tmp_path / "audit.jsonl"
    export.write_bytes(b"".join(response.streaming_content))
    (tmp_path / "head").write_text(head.checkpoint)
    (tmp_path / "key").write_text(checkpoints.note_verifier_key())
    ok = run(export, "--head", tmp_path / "head", "--key", tmp_path / "key")
    assert ok.returncode == 0 and "signed root" in ok.stdout, ok.stderr
    lines = export.read_text().splitlines()
    export.write_text("\n".join(lines[:-2]) + "\n")  # the tail left out
    bad = run(export, "--head", tmp_path / "head", "--key", tmp_path / "key")
    assert bad.returncode != 0 and f"signs {head.seq} events" in bad.stderr


@pytest.mark.django_db
def test_the_note_is_a_c2sp_signed_checkpoint():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    write(2)
    note = checkpoints.checkpoint_create().checkpoint
    name, key_id, key = checkpoints.note_verifier_key().split("+")
    raw = base64.b64decode(key)
    assert raw[0] == 1 and len(raw) == 33
    assert hashlib.sha256(name.encode() + b"\n\x01" + raw[1:]).digest()[:4].hex() == key_id
    text, signature_line = note.split("\n\n")
    assert text.split("\n") == [name, str(AuditEvent.objects.count()), text.split("\n")[2]]
    dash, signer, signature = signature_line.rstrip("\n").split(" ")
    assert dash == "\u2014" and signer == name
    blob = base64.b64decode(signature)
    assert blob[:4].hex() == key_id
    Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[4:], (text + "\n").encode())


@pytest.mark.django_db
def test_proof_endpoints_answer_bad_input_with_400_or_404(
    auditor_api, client_for, personas, api_token
):
    write(3)
    event = AuditEvent.objects.order_by("-seq").first()
    size = event.seq
    base = f"/api/v1/audit-events/{event.pk}/proof"
    assert auditor_api.get(base).status_code == 404  # no signed head yet
    checkpoints.checkpoint_create()
    assert auditor_api.get(base).status_code == 200
    for params, status in [
        ({"tree_size": "abc"}, 400),
        ({"tree_size": "-1"}, 400),
        ({"tree_size": "9" * 40}, 400),
        ({"tree_size": str(size - 1)}, 404),  # no head of that size
        ({"tree_size": "0"}, 404),
    ]:
        response = auditor_api.get(base, params)
        assert response.status_code == status, params
        assert "detail" in response.json() or "errors" in response.json()
    missing = "00000000-0000-4000-8000-000000000000"
    assert auditor_api.get(f"/api/v1/audit-events/{missing}/").status_code == 404
    assert auditor_api.get(f"/api/v1/audit-events/{missing}/proof").status_code == 404
    assert auditor_api.get("/api/v1/audit-events/not-a-uuid/proof").status_code == 404
    consistency = "/api/v1/audit/consistency/"
    for params, status in [
        ({}, 400),
        ({"first": "1"}, 400),
        ({"first": str(size), "second": "1"}, 400),
        ({"first": "x", "second": str(size)}, 400),
        ({"first": "1", "second": str(size)}, 404),  # no head of size 1
        ({"first": str(size), "second": str(size)}, 200),
    ]:
        assert auditor_api.get(consistency, params).status_code == status, params
    assert auditor_api.get("/api/v1/audit/tree-heads/", {"limit": "x"}).status_code == 400
    for url in (
        base,
        consistency,
        "/api/v1/audit/tree-heads/",
        "/api/v1/audit/public-key/",
        f"/api/v1/audit-events/{event.pk}/",
    ):
        owner = client_for(personas.owner)
        assert owner.get(url).status_code == 403
        no_scope = APIClient()
        no_scope.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(user=personas.auditor)}")
        assert no_scope.get(url).status_code == 403
    scoped = APIClient()
    scoped.credentials(
        HTTP_AUTHORIZATION="Bearer " + api_token(scopes=["audit:read"], user=personas.auditor)
    )
    assert scoped.get(base).status_code == 200
    assert scoped.get("/api/v1/audit/public-key/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_sealing_event_shows_as_sealing_and_has_no_proof_yet(
    settings, monkeypatch, auditor_api, client_for, personas
):
    from audit import sequencer

    settings.ATTEST_AUDIT_SEAL_INLINE = False
    monkeypatch.setattr(sequencer, "wake_after_commit", lambda: None)
    with transaction.atomic():
        event = audit_record(actor=None, action="test.pending", target_label="pending one")
    detail = auditor_api.get(f"/api/v1/audit-events/{event.pk}/").json()
    assert detail["sealed"] is False and detail["seq"] is None and detail["hash"] is None
    response = auditor_api.get(f"/api/v1/audit-events/{event.pk}/proof")
    assert response.status_code == 404 and "sealing" in response.json()["detail"]
    page = client_for(personas.auditor).get("/audit/").content.decode()
    assert "pending one" in page and "sealing" in page
    sequencer.seal_pending()
    assert auditor_api.get(f"/api/v1/audit-events/{event.pk}/proof").status_code == 200
