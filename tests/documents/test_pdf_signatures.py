"""Signed PDFs (issue 24, item 1): every generated document is PAdES-signed with the
document-signing identity and, with a timestamp authority, carries an RFC 3161 timestamp.

Real parts: the test's own PKI (tests/signing_pki.py), a real TSA on loopback (OpenSSL's
``ts -reply`` behind tests/tsa_server.py), pyHanko's validator, pyHanko's command line (what the
README tells a recipient to run) and poppler's ``pdfsig`` with an NSS store that trusts only
the test's root. Changing one byte of a signed PDF must make all of them report it broken.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from django.urls import reverse
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from audit.models import AuditEvent
from documents import model_card_formats, pdf_signing, signing_keys
from documents import services as document_services
from documents.audit_actions import DOCUMENT_FAILED, DOCUMENT_GENERATED
from documents.kinds import model_card, portfolio
from documents.models import GeneratedDocument
from tests.approvals.approval_helpers import assessed_model
from tests.documents.test_model_card import OUTPUT, card_model, render
from tests.signing_pki import make_pki
from tests.tsa_server import TsaServer
from tests.usage.test_report import month_of_data  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db
Kind, Status = GeneratedDocument.Kind, GeneratedDocument.Status
PYHANKO = Path(sys.executable).parent / "pyhanko"  # pyhanko-cli, a test extra


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tsa(pki):
    server = TsaServer(cert=pki.tsa_cert_pem, key=pki.tsa_key_pem, chain=pki.root_pem).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def nss_store(pki, tmp_path_factory):
    """An NSS database (what pdfsig reads) trusting the test's root and nothing else."""
    folder = tmp_path_factory.mktemp("nss")
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{folder}", "-n", "attest-test-root", "-t", "C,C,C",
         "-i", str(pki.root_pem)],
        check=True,
    )  # fmt: skip
    return folder


@pytest.fixture
def signing(settings, pki, tsa):
    """Attest signs with the test PKI's document signer and stamps with the loopback TSA."""
    settings.ATTEST_DOCUMENT_SIGNING_KEY = pki.signer_key_pem.read_text()
    settings.ATTEST_DOCUMENT_SIGNING_CERT = pki.signer_cert_pem.read_text()
    settings.ATTEST_TSA_URL = tsa.url
    signing_keys._identity.cache_clear()
    yield
    signing_keys._identity.cache_clear()


def pdf_bytes(document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def pyhanko_status(pdf: bytes, root_pem: Path):
    root = ValidationContext(trust_roots=[load_cert_from_pemder(str(root_pem))])
    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    return validate_pdf_signature(
        signature, signer_validation_context=root, ts_validation_context=root
    )


def pdfsig(pdf: bytes, nss_store: Path, tmp_path: Path) -> str:
    path = tmp_path / "checked.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss_store}", str(path)], capture_output=True, text=True
    )
    return result.stdout + result.stderr


def pyhanko_cli(pdf: bytes, root_pem: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "checked-cli.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [str(PYHANKO), "sign", "validate", "--trust", str(root_pem), "--trust-replace",
         str(path)],
        capture_output=True,
        text=True,
    )  # fmt: skip


def one_byte_changed(pdf: bytes) -> bytes:
    """``pdf`` with one bit flipped in the binary comment after the header (ISO 32000 7.5.2):
    every reader skips it, so the file still parses, but the signature's byte range starts at
    offset 0 and covers it."""
    assert pdf.startswith(b"%PDF-1.7\n%")
    changed = bytearray(pdf)
    changed[11] ^= 0x01
    return bytes(changed)


def test_a_model_card_is_signed_timestamped_and_validates_with_pyhanko_and_pdfsig(
    personas, signing, pki, tsa, nss_store, tmp_path, django_capture_on_commit_callbacks
):
    _, version = card_model(personas)
    stamped_before = tsa.answered
    document = render(personas, version, django_capture_on_commit_callbacks)
    pdf = pdf_bytes(document)
    OUTPUT.mkdir(parents=True, exist_ok=True)  # to look at: test-output/documents/
    (OUTPUT / "signed-model-card.pdf").write_bytes(pdf)
    (OUTPUT / "signed-model-card-root.pem").write_bytes(pki.root_pem.read_bytes())
    assert tsa.answered > stamped_before  # the loopback TSA was asked
    assert document.file_sha256 == hashlib.sha256(pdf).hexdigest()

    status = pyhanko_status(pdf, pki.root_pem)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.bottom_line
    assert status.signing_cert.subject.native["common_name"] == "Attest test document signer"
    stamp = status.timestamp_validity
    assert stamp is not None and stamp.intact and stamp.valid and stamp.trusted
    assert stamp.signing_cert.subject.native["common_name"] == "Attest test timestamp authority"
    assert abs((stamp.timestamp - document.generated_at).total_seconds()) < 120

    checked = pdfsig(pdf, nss_store, tmp_path)
    assert "Signature Validation: Signature is Valid." in checked, checked
    assert "Certificate Validation: Certificate is Trusted." in checked, checked
    assert "ETSI.CAdES.detached" in checked  # PAdES, not adbe.pkcs7.detached
    cli = pyhanko_cli(pdf, pki.root_pem, tmp_path)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>" in cli.stdout

    [event] = AuditEvent.objects.filter(action=DOCUMENT_GENERATED, target_id=str(document.pk))
    assert event.after["signature"] == {
        "level": "PAdES-B-T",
        "signer": signing_keys.document_signing_identity().fingerprint_sha256(),
    }
    assert event.after["file_sha256"] == document.file_sha256
    # The level and the signer are on the document row too: its page and the API show them.
    document.refresh_from_db()
    assert document.signature_level == "PAdES-B-T"
    assert document.signer_fingerprint == event.after["signature"]["signer"]


def test_the_document_page_and_api_show_the_signature_level_and_signer(
    personas, signing, client_for, django_capture_on_commit_callbacks
):
    _, version = card_model(personas)
    document = render(personas, version, django_capture_on_commit_callbacks)
    fingerprint = signing_keys.document_signing_identity().fingerprint_sha256()
    page = client_for(personas.owner).get(reverse("documents:document-detail", args=[document.pk]))
    text = page.content.decode()
    assert "PAdES-B-T: signed and timestamped by the timestamp authority" in text
    assert fingerprint in text
    api = client_for(personas.owner).get(f"/api/v1/documents/{document.pk}/")
    assert api.status_code == 200, api.content
    assert api.json()["signature_level"] == "PAdES-B-T"
    assert api.json()["signer_fingerprint"] == fingerprint


def test_changing_one_byte_makes_pyhanko_and_pdfsig_report_the_signature_broken(
    personas, signing, pki, nss_store, tmp_path, django_capture_on_commit_callbacks
):
    _, version = card_model(personas)
    pdf = pdf_bytes(render(personas, version, django_capture_on_commit_callbacks))
    assert pyhanko_status(pdf, pki.root_pem).bottom_line  # intact before the change

    broken = one_byte_changed(pdf)
    status = pyhanko_status(broken, pki.root_pem)
    assert not status.intact and not status.bottom_line
    checked = pdfsig(broken, nss_store, tmp_path)
    assert "Signature Validation: Digest Mismatch." in checked, checked
    assert "Signature is Valid." not in checked
    cli = pyhanko_cli(broken, pki.root_pem, tmp_path)
    assert cli.returncode != 0 and "INVALID" in cli.stdout, cli.stdout + cli.stderr


def test_the_pdf_carries_its_data_and_the_machine_readable_card_as_pdf_a_3b(
    personas, signing, django_capture_on_commit_callbacks
):
    _, version = card_model(personas)
    document = render(personas, version, django_capture_on_commit_callbacks)
    reader = PdfReader(io.BytesIO(pdf_bytes(document)))
    files = {name: contents[0] for name, contents in reader.attachments.items()}
    assert set(files) == {"document-data.json", "model-card.json"}
    # the embedded data is what inputs_hash is over, so a recipient can recompute it
    assert hashlib.sha256(files["document-data.json"]).hexdigest() == document.inputs_hash
    card = model_card_formats.to_model_card_toolkit(model_card.card_data(version))
    assert json.loads(files["model-card.json"]) == json.loads(json.dumps(card, default=str))

    root = reader.trailer["/Root"]
    metadata = root["/Metadata"].get_object().get_data()
    # WeasyPrint writes the PDF/A identification; pyHanko's signing revision keeps it
    assert re.search(rb'pdfaid:part(="|>)3', metadata), metadata
    assert re.search(rb'pdfaid:conformance(="|>)B', metadata), metadata
    relationships = {spec.get_object()["/AFRelationship"] for spec in root["/AF"]}
    assert relationships == {"/Data"}  # ISO 19005-3 ties every embedded file to the document
    # long-term validation data: the certificates of both chains, in the DSS
    in_dss = {
        asn1_x509.Certificate.load(c.get_object().get_data()).subject.native["common_name"]
        for c in root["/DSS"]["/Certs"]
    }
    assert {"Attest test document signer", "Attest test timestamp authority"} <= in_dss


def test_signing_time_does_not_change_the_content_hash(
    personas, signing, django_capture_on_commit_callbacks
):
    _, version = card_model(personas)
    first = render(personas, version, django_capture_on_commit_callbacks)
    second = render(personas, version, django_capture_on_commit_callbacks)
    assert second.content_hash == first.content_hash
    assert second.inputs_hash == first.inputs_hash
    assert second.file_sha256 != first.file_sha256  # id, time, signature and timestamp differ


@pytest.mark.parametrize("kind", [Kind.ANNEX_IV, Kind.PORTFOLIO])
def test_annex_iv_and_portfolio_reports_are_signed_and_timestamped_too(
    kind, personas, signing, pki, django_capture_on_commit_callbacks
):
    _, version = card_model(personas)
    with django_capture_on_commit_callbacks(execute=True):
        document = document_services.document_request(
            actor=personas.compliance,
            kind=kind,
            model_version=version if kind == Kind.ANNEX_IV else None,
            parameters=portfolio.clean_parameters({}) if kind == Kind.PORTFOLIO else None,
        )
    document.refresh_from_db()
    assert document.status == Status.DONE, document.error
    status = pyhanko_status(pdf_bytes(document), pki.root_pem)
    assert status.bottom_line and status.timestamp_validity.trusted
    attachments = PdfReader(io.BytesIO(pdf_bytes(document))).attachments
    assert list(attachments) == ["document-data.json"]


def test_without_a_tsa_the_generated_self_signed_identity_signs_pades_b_b(
    personas, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.VAR_DIR = tmp_path
    settings.ATTEST_DOCUMENT_SIGNING_KEY = settings.ATTEST_DOCUMENT_SIGNING_CERT = ""
    settings.ATTEST_TSA_URL = ""
    signing_keys._identity.cache_clear()
    _, version = card_model(personas)
    document = render(personas, version, django_capture_on_commit_callbacks)
    generated = tmp_path / "document-signing" / "cert.pem"
    status = pyhanko_status(pdf_bytes(document), generated)
    assert status.bottom_line and status.timestamp_validity is None
    assert "/DSS" not in PdfReader(io.BytesIO(pdf_bytes(document))).trailer["/Root"]
    [event] = AuditEvent.objects.filter(action=DOCUMENT_GENERATED, target_id=str(document.pk))
    assert event.after["signature"]["level"] == "PAdES-B-B"
    document.refresh_from_db()
    assert document.signature_level == "PAdES-B-B"
    signing_keys._identity.cache_clear()


def test_an_unreachable_tsa_fails_the_document_with_its_reason_and_stores_no_file(
    personas, signing, settings, django_capture_on_commit_callbacks
):
    settings.ATTEST_TSA_URL = "http://user:secret@127.0.0.1:9/tsa"  # discard port: refused
    _, version = card_model(personas)
    with django_capture_on_commit_callbacks(execute=True):
        document = document_services.document_request(
            actor=personas.owner, kind=Kind.MODEL_CARD, model_version=version
        )
    document.refresh_from_db()
    assert document.status == Status.FAILED
    assert "timestamp authority at http://127.0.0.1:9/tsa gave no timestamp" in document.error
    assert "secret" not in document.error
    assert not document.file
    assert not AuditEvent.objects.filter(
        action=DOCUMENT_GENERATED, target_id=str(document.pk)
    ).exists()
    [failed] = AuditEvent.objects.filter(action=DOCUMENT_FAILED, target_id=str(document.pk))
    assert failed.after == {"status": Status.FAILED, "error": document.error}


def test_a_garbled_tsa_answer_is_refused_not_embedded(pki, tmp_path):
    identity = signing_keys._configured(
        pki.signer_key_pem.read_bytes(), pki.signer_cert_pem.read_bytes()
    )
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Wrong(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>captive portal</html>")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Wrong)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        from weasyprint import HTML

        with pytest.raises(pdf_signing.TimestampUnavailable, match="malformed"):
            pdf_signing.sign_pdf(
                HTML(string="<p>x</p>").write_pdf(),
                identity=identity,
                tsa_url=f"http://127.0.0.1:{server.server_address[1]}/",
            )
    finally:
        server.shutdown()
        server.server_close()


def test_the_statement_of_applicability_pdf_is_signed_and_timestamped(
    personas, signing, pki, client
):
    model = assessed_model(personas, "high", name="credit-scoring-retail")
    client.force_login(personas.owner)
    response = client.get(reverse("documents:model-soa-pdf", args=[model.pk]))
    assert response.status_code == 200
    assert response["X-File-SHA256"] == hashlib.sha256(response.content).hexdigest()
    status = pyhanko_status(response.content, pki.root_pem)
    assert status.bottom_line and status.timestamp_validity.trusted


def test_the_statement_of_applicability_is_not_issued_when_the_tsa_is_down(
    personas, signing, settings, client
):
    settings.ATTEST_TSA_URL = "http://127.0.0.1:9/tsa"
    model = assessed_model(personas, "high", name="credit-scoring-retail")
    client.force_login(personas.owner)
    response = client.get(reverse("documents:model-soa-pdf", args=[model.pk]))
    assert response.status_code == 503
    assert b"could not be signed and timestamped" in response.content  # and why
    assert not response.content.startswith(b"%PDF")


def test_the_usage_and_cost_report_pdf_is_signed_and_carries_its_data(
    personas,
    signing,
    pki,
    month_of_data,  # noqa: F811  (the imported fixture)
    client,
):
    client.force_login(personas.compliance)
    response = client.get(reverse("documents:usage-report-pdf"), {"month": "2026-10"})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Disposition"] == 'attachment; filename="usage-cost-2026-10.pdf"'
    OUTPUT.mkdir(parents=True, exist_ok=True)  # to look at: test-output/documents/
    (OUTPUT / "usage-cost.pdf").write_bytes(response.content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
         str(OUTPUT / "usage-cost.pdf"), str(OUTPUT / "usage-cost")],
        check=True,
    )  # fmt: skip
    status = pyhanko_status(response.content, pki.root_pem)
    assert status.bottom_line and status.timestamp_validity.trusted
    report = client.get("/api/v1/reports/usage-cost/", {"month": "2026-10"}).json()
    embedded = PdfReader(io.BytesIO(response.content)).attachments["usage-cost.json"][0]
    assert json.loads(embedded) == report  # the same report as the API's
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    assert "credit-scoring" in flat and "churn" in flat, flat
    assert "12.01 EUR" in flat and "4000" in flat


def test_a_bad_month_for_the_usage_pdf_is_a_400_not_a_file(personas, signing, client):
    client.force_login(personas.owner)
    response = client.get(reverse("documents:usage-report-pdf"), {"month": "October"})
    assert response.status_code == 400
    assert b"YYYY-MM" in response.content


def test_when_validation_data_cannot_be_collected_the_timestamped_signature_stands(
    pki, tsa, monkeypatch
):
    def unreachable(signed, *, anchor):
        raise OSError("OCSP responder unreachable")

    monkeypatch.setattr(pdf_signing, "_with_validation_data", unreachable)
    from weasyprint import HTML

    identity = signing_keys._configured(
        pki.signer_key_pem.read_bytes(), pki.signer_cert_pem.read_bytes()
    )
    signed = pdf_signing.sign_pdf(
        HTML(string="<p>x</p>").write_pdf(pdf_variant="pdf/a-3b"),
        identity=identity,
        tsa_url=tsa.url,
    )
    assert signed.level == "PAdES-B-T"
    status = pyhanko_status(signed.pdf, pki.root_pem)
    assert status.bottom_line and status.timestamp_validity.trusted
    assert "/DSS" not in PdfReader(io.BytesIO(signed.pdf)).trailer["/Root"]
