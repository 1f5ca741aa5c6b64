"""Pure helpers for API token strings: generation, parsing and hashing. No ORM."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "attest"
KEY_ID_BYTES = 6  # 12 hex characters: public lookup key
SECRET_BYTES = 32  # 256-bit secret, URL-safe


def generate() -> tuple[str, str, str]:
    """Return ``(key_id, secret, token)``; the token is ``attest_<key_id>_<secret>``."""
    key_id = secrets.token_hex(KEY_ID_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES).replace("_", "-")
    return key_id, secret, f"{PREFIX}_{key_id}_{secret}"


def parse(token: str) -> tuple[str, str] | None:
    """Split a presented token into ``(key_id, secret)``, or ``None`` when it is not one of ours."""
    parts = token.split("_")
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    key_id, secret = parts[1], parts[2]
    if len(key_id) != KEY_ID_BYTES * 2 or not secret:
        return None
    return key_id, secret


def hash_secret(secret: str, pepper: str) -> str:
    return hmac.new(pepper.encode(), secret.encode(), hashlib.sha256).hexdigest()


def secrets_match(secret: str, stored_hash: str, pepper: str) -> bool:
    return hmac.compare_digest(hash_secret(secret, pepper), stored_hash)
