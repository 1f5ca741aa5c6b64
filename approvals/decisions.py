"""Signed gate decisions: every answer of the deploy gate as a compact JWS a deployer can check
offline and keep next to the deployment as evidence.

The JWS (RFC 7515, compact serialisation) is signed with Ed25519, ``alg`` ``EdDSA`` as RFC 8037
section 3.1 defines it, and names its key in the ``kid`` header: the key's RFC 7638 JWK
thumbprint, so a verifier picks the key from the published set (RFC 7517 JWK Set, ``kty``
``OKP``, ``crv`` ``Ed25519``, ``x`` the public key, RFC 8037 section 2) without a guess. The
``typ`` header (RFC 8725 section 3.11, explicit typing) keeps a decision from being taken for
any other JWT, e.g. an OIDC ID token.

The key is ``ATTEST_GATE_SIGNING_KEY`` (an Ed25519 private key, PEM); without it, a key derived
from ``SECRET_KEY`` (kept outside the database too, but set a dedicated key in production). It
is never the audit trail's checkpoint key: separate keys rotate separately, and a signature
made for one purpose can never be presented for the other. ``ATTEST_GATE_RETIRED_KEYS`` holds
public keys (PEM) of earlier signing keys that stay published so decisions signed before a
rotation still verify.

No ORM here: the caller passes what was decided.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import time
from collections.abc import Iterable
from datetime import datetime

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

ALGORITHM = "EdDSA"  # RFC 8037 section 3.1
TYPE = "attest-gate-decision+jwt"  # RFC 8725 section 3.11
JWKS_PATH = "/.well-known/attest-gate-keys.json"
DEFAULT_TTL = 900


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    """RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order,
    no whitespace (``{"crv":"Ed25519","kty":"OKP","x":"..."}``, RFC 8037 section 2)."""
    members = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": _b64url(_raw(public))},
        separators=(",", ":"),
        sort_keys=True,
    )
    return _b64url(hashlib.sha256(members.encode()).digest())


@functools.lru_cache(maxsize=4)
def _load_private(pem: str, secret: str) -> Ed25519PrivateKey:
    if pem:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("ATTEST_GATE_SIGNING_KEY must be an Ed25519 private key (PEM).")
        return key
    seed = hashlib.sha256(b"attest-gate-decision:" + secret.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


@functools.lru_cache(maxsize=4)
def _load_retired(pems: str) -> tuple[Ed25519PublicKey, ...]:
    keys = []
    marker = "-----END PUBLIC KEY-----"
    for block in pems.split(marker):
        if not block.strip():
            continue
        key = serialization.load_pem_public_key((block.strip() + "\n" + marker + "\n").encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("ATTEST_GATE_RETIRED_KEYS must hold Ed25519 public keys (PEM).")
        keys.append(key)
    return tuple(keys)


def signing_key() -> Ed25519PrivateKey:
    return _load_private(settings.ATTEST_GATE_SIGNING_KEY, settings.SECRET_KEY)


def public_jwk(public: Ed25519PublicKey) -> dict:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64url(_raw(public)),
        "kid": key_id(public),
        "alg": ALGORITHM,
        "use": "sig",
    }


def jwks() -> dict:
    """The JWK Set published at ``JWKS_PATH``: the current key first, then retired ones."""
    keys = [signing_key().public_key(), *_load_retired(settings.ATTEST_GATE_RETIRED_KEYS)]
    seen, out = set(), []
    for key in keys:
        jwk = public_jwk(key)
        if jwk["kid"] not in seen:
            seen.add(jwk["kid"])
            out.append(jwk)
    return {"keys": out}


def claims(
    *,
    subject: str,
    model: str,
    version: str,
    environment: str,
    allowed: bool,
    reasons: Iterable[str] = (),
    fingerprint: str = "",
    approval_id: str = "",
    approval_expires_at: datetime | None = None,
    now: int | None = None,
) -> dict:
    """The payload: what was asked, by whom, and the answer. An allow never outlives its
    approval; every decision expires after ``ATTEST_GATE_DECISION_TTL`` seconds, so a stored
    one proves what the gate said then, not that it would say so now."""
    issued = int(time.time()) if now is None else now
    ttl = getattr(settings, "ATTEST_GATE_DECISION_TTL", DEFAULT_TTL)
    expires = issued + ttl
    if allowed and approval_expires_at is not None:
        expires = max(issued, min(expires, int(approval_expires_at.timestamp())))
    payload = {
        "iss": settings.ATTEST_BASE_URL,
        "sub": subject,
        "model": model,
        "version": version,
        "environment": environment,
        "allowed": allowed,
    }
    if allowed:
        payload["fingerprint"] = fingerprint
        payload["approval_id"] = approval_id
    else:
        payload["reasons"] = list(reasons)
    payload["iat"] = issued
    payload["exp"] = expires
    return payload


def sign(payload: dict) -> str:
    """The compact JWS of ``payload``: ``base64url(header).base64url(payload).base64url(sig)``."""
    key = signing_key()
    return jwt.encode(
        payload,
        key,
        algorithm=ALGORITHM,
        headers={"kid": key_id(key.public_key()), "typ": TYPE},
    )


def verify(token: str, keys: dict, *, issuer: str | None = None, leeway: int = 0) -> dict:
    """The payload of a decision that verifies with one of ``keys`` (a JWK Set), else
    ``jwt.InvalidTokenError``. What a deployer does (docs/ci/verify_decision.py does the same
    with PyJWT alone)."""
    header = jwt.get_unverified_header(token)
    if header.get("alg") != ALGORITHM or header.get("typ") != TYPE:
        raise jwt.InvalidTokenError("not an Attest gate decision")
    jwk_set = jwt.PyJWKSet.from_dict(keys)
    try:
        key = next(k for k in jwk_set.keys if k.key_id == header.get("kid"))
    except StopIteration:
        raise jwt.InvalidTokenError(f"unknown key {header.get('kid')!r}") from None
    return jwt.decode(
        token,
        key,
        algorithms=[ALGORITHM],
        issuer=issuer,
        leeway=leeway,
        options={"require": ["iss", "sub", "iat", "exp"]},
    )
