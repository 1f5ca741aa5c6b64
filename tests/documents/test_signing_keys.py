"""The document-signing identity: generated once when unset, checked when configured."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from documents import signing_keys
from documents.signing_keys import SigningConfigurationError, verify_detached


@pytest.fixture(autouse=True)
def _fresh_cache():
    signing_keys._identity.cache_clear()
    yield
    signing_keys._identity.cache_clear()


def test_without_configuration_one_self_signed_identity_is_generated_and_kept(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.ATTEST_DOCUMENT_SIGNING_KEY = settings.ATTEST_DOCUMENT_SIGNING_CERT = ""
    first = signing_keys.document_signing_identity()
    assert first.self_signed
    assert (tmp_path / "document-signing" / "key.pem").stat().st_mode & 0o077 == 0
    signing_keys._identity.cache_clear()
    again = signing_keys.document_signing_identity()  # another process: reads the same files
    assert again.fingerprint_sha256() == first.fingerprint_sha256()
    signature = first.sign(b"manifest")
    assert verify_detached(again.certificate, b"manifest", signature)
    assert not verify_detached(again.certificate, b"manifest!", signature)


def test_a_configured_pair_is_used_and_a_mismatched_one_refused(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.ATTEST_DOCUMENT_SIGNING_KEY = settings.ATTEST_DOCUMENT_SIGNING_CERT = ""
    generated = signing_keys.document_signing_identity()
    cert_pem = generated.certificate_pem().decode()
    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    settings.ATTEST_DOCUMENT_SIGNING_CERT = cert_pem
    settings.ATTEST_DOCUMENT_SIGNING_KEY = other.decode()
    with pytest.raises(SigningConfigurationError, match="does not belong"):
        signing_keys.document_signing_identity()
    settings.ATTEST_DOCUMENT_SIGNING_KEY = (tmp_path / "document-signing" / "key.pem").read_text()
    configured = signing_keys.document_signing_identity()
    assert configured.fingerprint_sha256() == generated.fingerprint_sha256()
    settings.ATTEST_DOCUMENT_SIGNING_CERT = ""
    with pytest.raises(SigningConfigurationError, match="or neither"):
        signing_keys.document_signing_identity()
