"""Evidence packs: a signed ZIP per model version or deployment request that
docs/verify_evidence_pack.py (run as a subprocess, as a recipient would) accepts when intact
and rejects, naming the file or audit event at fault, when anything in it was changed."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from audit import checkpoints
from audit.models import AuditEvent
from documents import evidence_pack_format, services, signing_keys
from documents.models import GeneratedDocument
from risk import services as risk_services
from tests.permission_world import build_world

pytestmark = pytest.mark.django_db
VERIFIER = Path(settings.BASE_DIR) / "docs" / "verify_evidence_pack.py"


@pytest.fixture(autouse=True)
def signing(settings, tmp_path):
    """A self-signed document-signing identity of this test's own (in its own var dir)."""
    settings.VAR_DIR = tmp_path / "var"
    settings.ATTEST_DOCUMENT_SIGNING_KEY = settings.ATTEST_DOCUMENT_SIGNING_CERT = ""
    settings.MEDIA_ROOT = tmp_path / "media"
    signing_keys._identity.cache_clear()
    yield signing_keys.document_signing_identity()
    signing_keys._identity.cache_clear()


@pytest.fixture
def world(personas):
    return build_world(personas)


def make_pack(actor, version, **parameters) -> GeneratedDocument:
    document = services.document_request(
        actor=actor, kind="evidence_pack", model_version=version, parameters=parameters or None
    )
    return services.document_render(document_pk=document.pk)


def pack_bytes(document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(data: bytes, **changes) -> bytes:
    """The pack with members replaced (bytes), removed (None) or added; names use "__" for "/"
    and "_dot_" for "."."""
    files = members(data)
    for key, value in changes.items():
        name = key.replace("__", "/").replace("_dot_", ".")
        if value is None:
            files.pop(name)
        else:
            files[name] = value
    return evidence_pack_format.write_zip(files)


def verify(tmp_path, data: bytes, cert_pem: bytes, *extra: str) -> subprocess.CompletedProcess:
    pack, cert = tmp_path / "pack.zip", tmp_path / "cert.pem"
    pack.write_bytes(data)
    cert.write_bytes(cert_pem)
    return subprocess.run(
        [sys.executable, str(VERIFIER), str(pack), "--cert", str(cert), *extra],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_fresh_pack_of_a_version_verifies_and_holds_its_records(
    personas, world, signing, tmp_path
):
    version = world["approved"].model_version  # v2: approved, decided, deployed
    document = make_pack(personas.owner, version)
    assert document.status == "done", document.error
    assert document.download_name.endswith(".zip")
    data = pack_bytes(document)
    files = members(data)
    result = verify(tmp_path, data, signing.certificate_pem())
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: evidence pack of owned-model v2")

    manifest = json.loads(files["manifest.json"])
    assert set(manifest["files"]) == set(files) - {"manifest.json", "manifest.json.sig"}
    assert manifest["inputs_hash"] == document.inputs_hash
    assert document.content_hash == hashlib.sha256(files["manifest.json"]).hexdigest()
    [approval] = json.loads(files["records/approvals.json"])
    assert approval["id"] == str(world["approved"].pk)
    assert [d["verdict"] for d in approval["decisions"]] == ["approve"]
    assert len(approval["deployments"]) == 1
    evidence = world["evidence"]
    assert files[f"evidence/{evidence.pk}/e.txt"] == b"evidence"
    # Every event about the records is in the pack, proved in one signed tree head.
    events = [json.loads(line) for line in files["audit/events.jsonl"].decode().splitlines()]
    actions = {e["action"] for e in events}
    assert {"governance.request_approved", "governance.evidence_added"} <= actions, actions
    assert {e["target_id"] for e in events} >= {
        str(world["approved"].pk),
        str(evidence.obligation_id),
    }
    assert manifest["as_of"] == events[-1]["occurred_at"]
    proofs = json.loads(files["audit/proofs.json"])
    assert proofs["log_key"] == checkpoints.note_verifier_key()
    assert set(proofs["proofs"]) == {str(e["seq"]) for e in events}
    # The pack's own request is about the pack, not the records: left out.
    assert "documents.document_requested" not in actions
    # The generation is audited with the manifest's and the file's hashes.
    generated = AuditEvent.objects.get(
        action="governance.document_generated", target_id=str(document.pk)
    )
    assert generated.after["content_hash"] == document.content_hash
    assert generated.after["file_sha256"] == hashlib.sha256(data).hexdigest()
    assert generated.after["signing_certificate_sha256"] == signing.fingerprint_sha256()
    assert document.signature_level == "manifest"  # shown on its page and in the API
    assert document.signer_fingerprint == signing.fingerprint_sha256()


def test_the_same_inputs_give_the_same_pack_apart_from_the_signature(personas, world):
    version = world["approved"].model_version
    first, second = (members(pack_bytes(make_pack(personas.owner, version))) for _ in range(2))
    assert first.keys() == second.keys()
    differing = sorted(name for name in first if first[name] != second[name])
    assert differing == ["manifest.json.sig"]  # ECDSA signatures are randomised
    # A change to the records is a new input: another manifest and inputs hash.
    risk_services.evidence_add(
        actor=personas.admin,
        obligation=world["obligation"],
        upload=SimpleUploadedFile("more.txt", b"more evidence"),
    )
    third = members(pack_bytes(make_pack(personas.owner, version)))
    assert (
        json.loads(third["manifest.json"])["inputs_hash"]
        != (json.loads(first["manifest.json"])["inputs_hash"])
    )


def test_the_zip_itself_is_deterministic():
    files = {"b.txt": b"2", "a/x.json": b"{}"}
    assert evidence_pack_format.write_zip(files) == evidence_pack_format.write_zip(dict(files))
    with zipfile.ZipFile(io.BytesIO(evidence_pack_format.write_zip(files))) as archive:
        assert archive.namelist() == ["a/x.json", "b.txt"]
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.fixture
def fresh(personas, world):
    document = make_pack(personas.owner, world["approved"].model_version)
    return pack_bytes(document)


def _event_lines(data):
    return members(data)["audit/events.jsonl"].decode().splitlines()


def _with_events(data, lines, *, resign_manifest=False):
    files = members(data)
    files["audit/events.jsonl"] = "".join(line + "\n" for line in lines).encode()
    return evidence_pack_format.write_zip(files)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"records__approvals_dot_json": b"[]\n"}, "records/approvals.json: its SHA-256 is not"),
        ({"records__evidence_dot_json": None}, "records/evidence.json: listed in the manifest"),
        ({"extra_dot_txt": b"slipped in"}, "extra.txt: not listed in the manifest (added)"),
        ({"manifest_dot_json_dot_sig": None}, "manifest.json.sig: missing (removed)"),
    ],
    ids=["changed", "removed", "added", "signature removed"],
)
def test_the_verifier_names_a_changed_removed_or_added_file(
    fresh, signing, tmp_path, change, expected
):
    result = verify(tmp_path, rezip(fresh, **change), signing.certificate_pem())
    assert result.returncode == 1
    assert expected in result.stderr, result.stderr


def test_an_evidence_file_changed_is_named_with_the_event_that_recorded_its_hash(
    world, fresh, signing, tmp_path
):
    name = f"evidence/{world['evidence'].pk}/e.txt"
    files = members(fresh)
    files[name] = b"forged evidence"
    result = verify(tmp_path, evidence_pack_format.write_zip(files), signing.certificate_pem())
    assert result.returncode == 1
    assert f"{name}: its SHA-256 is not the one in the manifest (changed)" in result.stderr
    assert f"{name}: its SHA-256 is not the one the audit trail recorded" in result.stderr


def test_the_verifier_names_an_edited_audit_event(fresh, signing, tmp_path):
    lines = _event_lines(fresh)
    event = json.loads(lines[0])
    event["actor_label"] = "somebody-else"
    lines[0] = json.dumps(event, sort_keys=True)
    result = verify(tmp_path, _with_events(fresh, lines), signing.certificate_pem())
    assert result.returncode == 1
    label = f"audit event #{event['seq']} ({event['id']}, {event['action']})"
    assert f"{label}: its fields do not match its hash (edited)" in result.stderr
    assert "audit/events.jsonl: its SHA-256 is not the one in the manifest" in result.stderr


def test_an_edited_event_with_its_hash_recomputed_is_not_in_the_signed_tree(
    fresh, signing, tmp_path
):
    sys.path.insert(0, str(VERIFIER.parent))
    try:
        import verify_evidence_pack as script
    finally:
        sys.path.pop(0)
    lines = _event_lines(fresh)
    event = json.loads(lines[-1])
    event["after"] = {**(event["after"] or {}), "verdict": "forged"}
    event["hash"] = hashlib.sha256(script.canonical(event)).hexdigest()
    lines[-1] = json.dumps(event, sort_keys=True)
    result = verify(tmp_path, _with_events(fresh, lines), signing.certificate_pem())
    assert result.returncode == 1
    assert f"audit event #{event['seq']} ({event['id']}" in result.stderr
    assert "NOT in the signed tree" in result.stderr
    assert "its fields do not match its hash" not in result.stderr


def test_a_manifest_rewritten_to_match_changed_files_fails_its_signature(fresh, signing, tmp_path):
    files = members(fresh)
    files["records/approvals.json"] = b"[]\n"
    manifest = json.loads(files["manifest.json"])
    manifest["files"]["records/approvals.json"] = {
        "sha256": hashlib.sha256(b"[]\n").hexdigest(),
        "size": 3,
    }
    files["manifest.json"] = evidence_pack_format.canonical_json(manifest)
    result = verify(tmp_path, evidence_pack_format.write_zip(files), signing.certificate_pem())
    assert result.returncode == 1
    assert "manifest.json: its signature (manifest.json.sig) does not verify" in result.stderr


def test_another_certificate_or_audit_key_is_refused(fresh, signing, tmp_path):
    other = signing_keys._self_signed_certificate(ec.generate_private_key(ec.SECP256R1()))
    from cryptography.hazmat.primitives import serialization

    other_pem = other.public_bytes(serialization.Encoding.PEM)
    assert "does not verify with this certificate" in verify(tmp_path, fresh, other_pem).stderr
    key = checkpoints.note_verifier_key()
    pinned = verify(tmp_path, fresh, signing.certificate_pem(), "--audit-key", key)
    assert pinned.returncode == 0, pinned.stderr
    name, key_id, _ = key.split("+", 2)
    wrong = verify(
        tmp_path, fresh, signing.certificate_pem(), "--audit-key", f"{name}+{key_id}+AQ" + "A" * 42
    )
    assert wrong.returncode == 1


def test_the_pack_of_a_deployment_request_over_the_api(personas, world, signing, tmp_path):
    client = Client()
    client.force_login(personas.owner)
    request = world["approved"]
    answer = client.post(f"/api/v1/deployment-requests/{request.pk}/evidence-pack")
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert answer["Location"] == body["status_url"]
    assert body["kind"] == "evidence_pack"
    assert body["parameters"] == {"deployment_request": str(request.pk)}
    services.document_render(document_pk=body["id"])
    status = client.get(body["status_url"]).json()
    assert status["status"] == "done"
    download = client.get(status["download_url"])
    assert download["Content-Type"] == "application/zip"
    data = b"".join(download.streaming_content)
    files = members(data)
    assert [r["id"] for r in json.loads(files["records/approvals.json"])] == [str(request.pk)]
    manifest = json.loads(files["manifest.json"])
    assert manifest["subject"]["deployment_request"] == str(request.pk)
    assert manifest["subject"]["environment"] == "staging"
    result = verify(tmp_path, data, client.get("/api/v1/documents/signing-certificate/").content)
    assert result.returncode == 0, result.stderr
    assert f"deployment request {request.pk}" in result.stdout


def test_the_version_pack_over_the_api_follows_the_models_visibility(personas, world):
    owned = world["owned"]
    url = f"/api/v1/models/{owned.pk}/versions/1/evidence-pack"
    client = Client()
    client.force_login(personas.outsider)
    assert client.post(url).status_code == 404
    client.force_login(personas.viewer)  # read-only: may ask for the model card, so for this
    answer = client.post(url)
    assert answer.status_code == 202
    requested = AuditEvent.objects.get(
        action="documents.document_requested", target_id=answer.json()["id"]
    )
    assert requested.actor_id == personas.viewer.pk
    assert requested.after["kind"] == "evidence_pack"


def test_a_request_of_another_version_is_refused_when_rendering(personas, world):
    document = services.document_request(
        actor=personas.owner,
        kind="evidence_pack",
        model_version=world["owned"].versions.get(version="1"),
        parameters={"deployment_request": str(world["approved"].pk)},  # a v2 request
    )
    with pytest.raises(ValueError, match="not one of this version's"):
        services.document_render(document_pk=document.pk)
    document.refresh_from_db()
    assert document.status == "failed"


def test_the_signing_certificate_is_public(signing):
    answer = Client().get("/api/v1/documents/signing-certificate/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pem-certificate-chain"
    assert answer.content == signing.chain_pem()
    assert answer["X-Certificate-SHA256"] == signing.fingerprint_sha256()


def test_a_request_pack_from_the_browser_is_not_swallowed_by_a_pending_version_pack(
    personas, world
):
    client = Client()
    client.force_login(personas.owner)
    request = world["approved"]
    version = request.model_version
    version_pack = client.post(
        f"/models/{version.model_service_id}/versions/{version.version}/documents/evidence_pack/"
    )
    assert version_pack.status_code == 302
    answer = client.post(f"/requests/{request.pk}/evidence-pack/")
    assert answer.status_code == 302
    packs = GeneratedDocument.objects.filter(kind="evidence_pack").order_by("revision")
    assert [p.parameters for p in packs] == [{}, {"deployment_request": str(request.pk)}]
    assert answer["Location"] == f"/documents/{packs[1].pk}/"
    # A second click while it is on its way goes to the same one.
    again = client.post(f"/requests/{request.pk}/evidence-pack/")
    assert again["Location"] == answer["Location"]
    assert GeneratedDocument.objects.filter(kind="evidence_pack").count() == 2
    client.force_login(personas.outsider)
    assert client.post(f"/requests/{request.pk}/evidence-pack/").status_code == 404


def test_a_file_that_is_no_zip_is_refused_by_name(tmp_path, signing):
    result = verify(tmp_path, b"not a zip", signing.certificate_pem())
    assert result.returncode == 2
    assert "pack.zip: not a readable ZIP archive" in result.stderr


def test_the_pack_carries_the_generated_model_card_the_trail_recorded(
    personas, world, signing, tmp_path
):
    version = world["approved"].model_version
    card = services.document_request(actor=personas.owner, kind="model_card", model_version=version)
    card = services.document_render(document_pk=card.pk)  # a real WeasyPrint PDF
    data = pack_bytes(make_pack(personas.owner, version))
    files = members(data)
    name = f"documents/{card.download_name}"
    assert files[name][:5] == b"%PDF-"
    assert hashlib.sha256(files[name]).hexdigest() == card.file_sha256
    [record] = json.loads(files["records/documents.json"])
    assert (record["id"], record["file"], record["kind"]) == (str(card.pk), name, "model_card")
    generated = AuditEvent.objects.get(action="governance.document_generated", target_id=card.pk)
    events = [json.loads(line) for line in _event_lines(data)]
    assert generated.seq in {e["seq"] for e in events}
    assert verify(tmp_path, data, signing.certificate_pem()).returncode == 0
    # Another PDF in its place: the manifest and the audit trail both disown it.
    files[name] = files[name].replace(b"%PDF-", b"%PDF-\n% forged\n", 1)
    result = verify(tmp_path, evidence_pack_format.write_zip(files), signing.certificate_pem())
    assert result.returncode == 1
    assert f"{name}: its SHA-256 is not the one in the manifest (changed)" in result.stderr
    assert f"{name}: its SHA-256 is not the one the audit trail recorded (#{generated.seq})" in (
        result.stderr
    )


@pytest.mark.parametrize(
    "change",
    [
        {"audit__proofs_dot_json": b"[]"},
        {"audit__proofs_dot_json": b'{"proofs": [], "log_key": 7, "checkpoint": "x"}'},
        {"audit__events_dot_jsonl": b'{"seq": "1"}\n[1]\nnot json\n'},
        {"manifest_dot_json": b"[]"},
        {"manifest_dot_json": b'{"files": {"records/model-version.json": 1}}'},
        {"records__documents_dot_json": b'[1, {"file": "manifest.json", "id": null}]'},
    ],
    ids=["proofs a list", "proofs garbled", "events garbled", "manifest a list", "entry", "docs"],
)
def test_a_garbled_pack_is_reported_not_crashed_on(fresh, signing, tmp_path, change):
    result = verify(tmp_path, rezip(fresh, **change), signing.certificate_pem())
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("FAILED:")
