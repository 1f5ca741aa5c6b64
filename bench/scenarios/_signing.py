"""What signing adds to a document, next to its unsigned render (issue 24, item 1).

For one finished document's final HTML, in this process and timed apart, median of ``runs``:

- **unsigned render**: ``rendering.render_pdf`` with the document's embedded files, what the
  worker does before signing (WeasyPrint, PDF/A-3b, attachments, the locked fetcher);
- **PAdES-B-B**: ``pdf_signing.sign_pdf`` with the stack's document-signing identity (the
  generated self-signed one, as the demo has) and no TSA: pyHanko's incremental update;
- **PAdES-B-T**: the same with a timestamp authority: OpenSSL's ``ts -reply`` behind the test
  suite's loopback HTTP wrapper (tests/tsa_server.py) with a certificate of the test PKI, plus
  the validation-data revision. A real TSA adds its network round trip on top; this is the
  floor (one OpenSSL process per timestamp, on the same 2 cores).

The signed bytes are validated once by pyHanko (signature intact, timestamp trusted) so a
figure never comes from a signature that does not verify.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from pathlib import Path

from django.contrib.staticfiles import finders
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from documents import pdf_signing, rendering
from documents.signing_keys import _configured, document_signing_identity
from tests.signing_pki import make_pki
from tests.tsa_server import TsaServer


class Signing:
    """A test PKI and a loopback TSA for the run; ``stop()`` ends the TSA."""

    def __init__(self):
        self.pki = make_pki(Path(tempfile.mkdtemp(prefix="attest-bench-pki-")))
        self.tsa = TsaServer(
            cert=self.pki.tsa_cert_pem, key=self.pki.tsa_key_pem, chain=self.pki.root_pem
        ).start()
        self.stamped_identity = _configured(
            self.pki.signer_key_pem.read_bytes(), self.pki.signer_cert_pem.read_bytes()
        )

    def stop(self) -> None:
        self.tsa.stop()

    def _check(self, pdf: bytes) -> None:
        context = ValidationContext(trust_roots=[load_cert_from_pemder(str(self.pki.root_pem))])
        [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
        status = validate_pdf_signature(
            signature, signer_validation_context=context, ts_validation_context=context
        )
        if not (
            status.bottom_line and status.timestamp_validity and status.timestamp_validity.trusted
        ):
            raise RuntimeError("the benchmark's B-T signature does not validate")

    def measure(self, html: str, embedded, runs: int) -> dict:
        unsigned, basic, stamped = [], [], []
        identity = document_signing_identity()
        for _ in range(runs):
            start = time.perf_counter()
            rendered = rendering.render_pdf(html, find_static=finders.find, embedded=embedded)
            unsigned.append(time.perf_counter() - start)
            start = time.perf_counter()
            pdf_signing.sign_pdf(rendered.pdf, identity=identity)
            basic.append(time.perf_counter() - start)
            start = time.perf_counter()
            signed = pdf_signing.sign_pdf(
                rendered.pdf, identity=self.stamped_identity, tsa_url=self.tsa.url
            )
            stamped.append(time.perf_counter() - start)
        self._check(signed.pdf)
        return {
            "unsigned_render_s": [round(t, 4) for t in unsigned],
            "sign_pades_b_b_s": [round(t, 4) for t in basic],
            "sign_pades_b_t_loopback_tsa_s": [round(t, 4) for t in stamped],
            "unsigned_median_s": statistics.median(unsigned),
            "b_b_median_s": statistics.median(basic),
            "b_t_median_s": statistics.median(stamped),
            "unsigned_pdf_bytes": len(rendered.pdf),
            "signed_b_t_pdf_bytes": len(signed.pdf),
        }
