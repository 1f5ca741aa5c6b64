"""The document-signing identity: the key and certificate that sign Attest's PDFs and evidence
packs, so a recipient can check them offline without trusting Attest.

Configured with ``ATTEST_DOCUMENT_SIGNING_KEY`` (a PEM private key: EC P-256/P-384 or RSA of at
least 2048 bits) and ``ATTEST_DOCUMENT_SIGNING_CERT`` (its PEM certificate, optionally followed
by the issuing chain up to, not including, the root), each also as ``..._FILE``. Without them,
Attest generates a self-signed EC P-256 identity once and keeps it under ``ATTEST_VAR_DIR``
(``document-signing/``), so the embedded demo signs too; every process of one deployment reads
the same files. A self-signed identity proves integrity, not who issued the document: the
documents page says so.

It is never the gate's or the audit checkpoints' key: separate purposes, separate keys. No ORM.
"""

from __future__ import annotations

import datetime
import functools
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings

logger = logging.getLogger(__name__)

GENERATED_DIR = "document-signing"
GENERATED_VALIDITY_DAYS = 10 * 365


class SigningConfigurationError(ValueError):
    """The configured key or certificate cannot be used (the message says which and why)."""


@dataclass(frozen=True)
class SigningIdentity:
    """A private key with its certificate and the chain that issued it."""

    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()
    self_signed: bool = False

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def chain_pem(self) -> bytes:
        """The certificate followed by its chain, as a recipient needs it to verify."""
        return b"".join(
            c.public_bytes(serialization.Encoding.PEM) for c in (self.certificate, *self.chain)
        )

    def fingerprint_sha256(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex()

    def sign(self, data: bytes) -> bytes:
        """A detached signature over ``data``: ECDSA with SHA-256 (DER), or RSA PKCS#1 v1.5 with
        SHA-256. ``verify_detached`` (and docs/verify_evidence_pack.py) check it."""
        if isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            return self.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        return self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def verify_detached(certificate: x509.Certificate, data: bytes, signature: bytes) -> bool:
    """True when ``signature`` is the certificate key's signature over ``data``."""
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


def document_signing_identity() -> SigningIdentity:
    """The configured identity, or the generated self-signed one (created on first use)."""
    return _identity(
        settings.ATTEST_DOCUMENT_SIGNING_KEY or "",
        settings.ATTEST_DOCUMENT_SIGNING_CERT or "",
        str(settings.VAR_DIR),
    )


@functools.lru_cache(maxsize=4)
def _identity(key_pem: str, cert_pem: str, var_dir: str) -> SigningIdentity:
    if bool(key_pem) != bool(cert_pem):
        raise SigningConfigurationError(
            "Set both ATTEST_DOCUMENT_SIGNING_KEY and ATTEST_DOCUMENT_SIGNING_CERT, or neither."
        )
    if key_pem:
        return _configured(key_pem.encode(), cert_pem.encode())
    return _generated(Path(var_dir) / GENERATED_DIR)


def _configured(key_pem: bytes, cert_pem: bytes) -> SigningIdentity:
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningConfigurationError(
            "ATTEST_DOCUMENT_SIGNING_KEY is not an unencrypted PEM private key."
        ) from exc
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < 2048:
        raise SigningConfigurationError("ATTEST_DOCUMENT_SIGNING_KEY: RSA keys need 2048 bits.")
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise SigningConfigurationError(
            "ATTEST_DOCUMENT_SIGNING_KEY must be an EC or RSA key (PAdES signers accept these)."
        )
    try:
        certificates = x509.load_pem_x509_certificates(cert_pem)
    except ValueError as exc:
        raise SigningConfigurationError(
            "ATTEST_DOCUMENT_SIGNING_CERT holds no PEM certificate."
        ) from exc
    leaf, chain = certificates[0], tuple(certificates[1:])
    if leaf.public_key().public_numbers() != key.public_key().public_numbers():
        raise SigningConfigurationError(
            "ATTEST_DOCUMENT_SIGNING_CERT does not belong to ATTEST_DOCUMENT_SIGNING_KEY "
            "(the first certificate must be the key's own)."
        )
    self_signed = not chain and leaf.issuer == leaf.subject
    return SigningIdentity(key, leaf, chain, self_signed=self_signed)


def _generated(folder: Path) -> SigningIdentity:
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    if not (key_path.exists() and cert_path.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = _self_signed_certificate(key)
        _write_once(
            key_path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        _write_once(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
        logger.warning(
            "no ATTEST_DOCUMENT_SIGNING_KEY set: documents are signed with a generated "
            "self-signed certificate (%s)",
            cert_path,
        )
    identity = _configured(key_path.read_bytes(), cert_path.read_bytes())
    return SigningIdentity(identity.private_key, identity.certificate, (), self_signed=True)


def _write_once(path: Path, content: bytes) -> None:
    """Create ``path`` unless another process just did (then its file wins, so a web process
    and a worker starting together end up with one identity)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def _self_signed_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Attest document signing (self-signed)"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Attest"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=GENERATED_VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            # digitalSignature + nonRepudiation (contentCommitment): what PAdES validators
            # expect of a document signer (RFC 5280 section 4.2.1.3).
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
