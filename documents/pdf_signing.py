"""Sign a rendered PDF as PAdES with the document-signing identity, with pyHanko. Pure: no ORM.

The signature is an incremental update over WeasyPrint's bytes (ETSI EN 319 142-1, PAdES
baseline; sub-filter ``ETSI.CAdES.detached``), so the rendered PDF/A-3b file stays intact
underneath it. With a timestamp authority (``ATTEST_TSA_URL``), pyHanko asks it for an RFC 3161
signature timestamp over the signature value: PAdES-B-T, which proves the document existed, as
signed, at that time, independently of Attest's clock. Without one the signature is PAdES-B-B
and its signing time is only Attest's word.

Long-term validation data "where available": when a TSA is configured, the certificates of the
signer's chain and of the timestamp go into the document security store (DSS, ISO 32000-2
12.8.4.3) as pyHanko collects them, with whatever revocation data (OCSP, CRLs) the certificates
point to and pyHanko can fetch (``soft-fail``: a certificate without revocation pointers, such
as the self-signed demo one, adds none, and an unreachable responder is left out, not an error).

The content hash of a document is over its unsigned content (documents/rendering.py), so the
signing time, the timestamp and the signature bytes never change it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko.sign.validation import add_validation_info
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from documents.signing_keys import SigningIdentity, document_signing_identity

logger = logging.getLogger(__name__)

FIELD_NAME = "AttestDocumentSignature"
TSA_TIMEOUT_SECONDS = 10


class TimestampUnavailable(RuntimeError):
    """The configured timestamp authority gave no usable timestamp (down, refused, garbled)."""


@dataclass(frozen=True)
class SignedPdf:
    pdf: bytes
    sha256: str
    level: str  # "PAdES-B-B" or "PAdES-B-T"
    signer_fingerprint: str

    @property
    def timestamped(self) -> bool:
        return self.level == "PAdES-B-T"


@functools.lru_cache(maxsize=4)
def _timestamper(url: str) -> RequestsHTTPTimeStamper:
    # One per URL and process: pyHanko keeps the dummy token it sizes the signature with, so
    # after the first document each signature costs one round trip to the TSA, not two.
    return RequestsHTTPTimeStamper(url, timeout=TSA_TIMEOUT_SECONDS)


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)  # a TSA account's user:password@ never goes into an error message
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1], query="").geturl()


def _asn1(identity: SigningIdentity):
    der = serialization.Encoding.DER
    key = asn1_keys.PrivateKeyInfo.load(
        identity.private_key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    leaf = asn1_x509.Certificate.load(identity.certificate.public_bytes(der))
    chain = [asn1_x509.Certificate.load(c.public_bytes(der)) for c in identity.chain]
    return key, leaf, chain


def sign_issued(pdf: bytes, *, title: str) -> SignedPdf:
    """``pdf`` signed as Attest issues documents: the configured (or generated) document-signing
    identity, timestamped by ``ATTEST_TSA_URL`` when set."""
    return sign_pdf(
        pdf,
        identity=document_signing_identity(),
        tsa_url=settings.ATTEST_TSA_URL,
        reason=f"Issued by Attest: {title}"[:200],
    )


def sign_pdf(
    pdf: bytes, *, identity: SigningIdentity, tsa_url: str = "", reason: str = ""
) -> SignedPdf:
    """``pdf`` signed by ``identity``, timestamped by ``tsa_url`` when given.

    Raises ``TimestampUnavailable`` when a TSA is configured and gives no timestamp: a
    document promised as timestamped is never handed out without one (the caller records the
    failure on the document)."""
    key, leaf, chain = _asn1(identity)
    signer = signers.SimpleSigner(
        signing_cert=leaf,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([leaf, *chain]),
    )
    timestamper = _timestamper(tsa_url) if tsa_url else None
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    try:
        output = signers.sign_pdf(writer, meta, signer=signer, timestamper=timestamper)
    except TimestampRequestError as exc:
        raise TimestampUnavailable(
            f"The timestamp authority at {_without_credentials(tsa_url)} gave no timestamp "
            f"({exc}); the document was not issued unstamped. Ask for it again once the "
            "authority answers."
        ) from exc
    signed = output.getvalue()
    if timestamper:
        try:
            signed = _with_validation_data(signed, anchor=chain[-1] if chain else leaf)
        except Exception:  # "where available": the B-T signature stands without the DSS
            logger.warning("no long-term validation data added to a signed PDF", exc_info=True)
    return SignedPdf(
        pdf=signed,
        sha256=hashlib.sha256(signed).hexdigest(),
        level="PAdES-B-T" if timestamper else "PAdES-B-B",
        signer_fingerprint=identity.fingerprint_sha256(),
    )


def _tsa_certificates(signer_info) -> list:
    for attribute in signer_info["unsigned_attrs"] or []:
        if attribute["type"].native == "signature_time_stamp_token":
            token = attribute["values"][0]["content"]
            return [c.chosen for c in token["certificates"] or []]
    return []


def _with_validation_data(signed: bytes, *, anchor) -> bytes:
    """``signed`` with the DSS revision described in the module docstring. The anchors (the
    top of the signer's chain, and the top of the chain the TSA sent with its token) only let
    pyHanko build the paths it collects data along; trusting them here decides nothing for a
    recipient, who validates against their own roots."""
    signature = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    tsa_certs = _tsa_certificates(signature.signer_info)
    subjects = {c.subject.dump() for c in tsa_certs}
    # the top: issued by none of the others, or self-signed (asn1crypto answers "yes"/"maybe"/"no")
    tsa_tops = [c for c in tsa_certs if c.issuer.dump() not in subjects or c.self_signed != "no"]
    context = ValidationContext(
        trust_roots=[anchor, *tsa_tops],
        other_certs=tsa_certs,
        allow_fetching=True,
        revocation_mode="soft-fail",
    )
    output = add_validation_info(signature, context)
    return output.getvalue()
