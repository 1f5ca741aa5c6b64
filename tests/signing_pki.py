"""A test public-key infrastructure: a root CA of the test's own, a document-signing certificate
and an RFC 3161 timestamping certificate issued by it, written as PEM files.

Validators (pyHanko, poppler's pdfsig) are told to trust this root and nothing else, so a
signature that validates here validates because of the chain, not because of a system store.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Pki:
    folder: Path
    root_pem: Path
    signer_key_pem: Path
    signer_cert_pem: Path
    tsa_key_pem: Path
    tsa_cert_pem: Path

    def read(self, path: Path) -> str:
        return path.read_text()


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Attest test PKI"),
        ]
    )


def _usage(**flags) -> x509.KeyUsage:
    names = [
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    ]
    return x509.KeyUsage(**{n: flags.get(n, False) for n in names})


def _issue(subject, public_key, issuer, issuer_key, extensions) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if issuer != subject:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_pki(folder: Path) -> Pki:
    folder.mkdir(parents=True, exist_ok=True)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name("Attest test root CA")
    root = _issue(
        root_name,
        root_key.public_key(),
        root_name,
        root_key,
        [
            (x509.BasicConstraints(ca=True, path_length=None), True),
            (_usage(key_cert_sign=True, crl_sign=True), True),
        ],
    )
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = _issue(
        _name("Attest test document signer"),
        signer_key.public_key(),
        root_name,
        root_key,
        [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_usage(digital_signature=True, content_commitment=True), True),
        ],
    )
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    tsa = _issue(
        _name("Attest test timestamp authority"),
        tsa_key.public_key(),
        root_name,
        root_key,
        [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_usage(digital_signature=True, content_commitment=True), True),
            # RFC 3161 section 2.3: the TSA's certificate carries exactly one extended key
            # usage, id-kp-timeStamping, marked critical (openssl ts -reply refuses others).
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
        ],
    )
    pem = serialization.Encoding.PEM
    files = {
        "root.pem": root.public_bytes(pem),
        "signer-key.pem": _key_pem(signer_key),
        "signer-cert.pem": signer.public_bytes(pem),
        "tsa-key.pem": _key_pem(tsa_key),
        "tsa-cert.pem": tsa.public_bytes(pem),
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return Pki(
        folder,
        folder / "root.pem",
        folder / "signer-key.pem",
        folder / "signer-cert.pem",
        folder / "tsa-key.pem",
        folder / "tsa-cert.pem",
    )
