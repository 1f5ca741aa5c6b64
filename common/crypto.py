"""Encryption of secrets at rest (webhook secrets, registry credentials) with Fernet.

The key comes from ``ATTEST_SECRETS_KEY`` (a Fernet key); in development it is derived from
SECRET_KEY. Rotating it needs re-encryption, so production sets it explicitly and keeps it.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretDecryptionError(RuntimeError):
    """A stored secret cannot be decrypted: ATTEST_SECRETS_KEY changed since it was stored."""


def _fernet() -> Fernet:
    key = settings.ATTEST_SECRETS_KEY
    if not key:
        key = base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest())
    return Fernet(key)


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretDecryptionError(
            "A stored secret cannot be decrypted; was ATTEST_SECRETS_KEY changed?"
        ) from exc
