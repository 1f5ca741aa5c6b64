"""Signing and sending one outgoing webhook: no ORM, no settings read at import.

The Standard Webhooks specification
(https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md)
fixes what the receiver checks:

- headers ``webhook-id`` (the event's id, the same on every attempt), ``webhook-timestamp``
  (integer Unix seconds of this attempt) and ``webhook-signature``, a space-delimited list of
  ``v1,<base64 of HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}">`` ("Signature
  scheme", "Webhook headers"); several signatures while a secret is rotated;
- the secret: ``whsec_`` + base64 of 24 to 64 random bytes, unique per endpoint;
- success is a 2xx answer only; a 3xx is a failure and is not followed ("Following redirects
  causes unnecessary load"); ``410 Gone`` means the receiver wants no more (the sender disables
  the endpoint); a ``Retry-After`` header is honoured; the request timeout is 15 to 30 s;
- SSRF: a sender must not be made to call into its own network. Here the host name is resolved
  once, every address checked, and the connection made to the checked address (so a DNS answer
  that changes between check and connect cannot point it elsewhere).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import urllib3

from common.outbound import TargetRefused, host_header, pinned_pool, resolve_target

__all__ = ["TargetRefused", "resolve_target"]  # the check lives in common.outbound (shared)

SECRET_PREFIX = "whsec_"  # noqa: S105 (the spec's prefix, not a secret)
SECRET_BYTES = 32
EXCERPT_BYTES = 2048
USER_AGENT = "Attest-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    """What one attempt got: a status code and the start of the body, or an error."""

    status_code: int | None
    excerpt: str
    error: str
    duration_ms: int
    retry_after_seconds: int | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a Standard Webhooks secret starts with whsec_")
    return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)


def sign(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature of ``{msg_id}.{timestamp}.{body}``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    secrets_in_use: list[str], *, msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The request headers of one attempt, signed with every secret in use (current first)."""
    if "." in msg_id:
        # The spec: the id must not contain "." (it would make the signed content ambiguous).
        raise ValueError("webhook-id must not contain '.'")
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            sign(s, msg_id=msg_id, timestamp=timestamp, body=body) for s in secrets_in_use
        ),
    }


def _retry_after(value: str | None) -> int | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0, int(when.timestamp() - time.time()))


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout_seconds: float,
    allow_private: bool,
) -> Answer:
    """POST ``body`` to ``url`` once: no redirects followed, no retries here (the caller keeps
    the schedule), the answer's body read only up to ``EXCERPT_BYTES``. Never raises for what
    the network or the receiver does: that is the answer's ``error``."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        scheme, host, port, address = resolve_target(url, allow_private=allow_private)
    except TargetRefused as exc:
        return Answer(None, "", str(exc), elapsed())
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = urllib3.Timeout(connect=min(5.0, timeout_seconds), read=timeout_seconds)
    pool = pinned_pool(scheme, host, port, address, timeout)
    try:
        response = pool.urlopen(
            "POST",
            path,
            body=body,
            headers={**headers, "Host": host_header(scheme, host, port)},
            redirect=False,
            retries=False,
            preload_content=False,
        )
        try:
            excerpt = response.read(EXCERPT_BYTES, decode_content=True) or b""
        finally:
            response.release_conn()
        return Answer(
            response.status,
            excerpt.decode("utf-8", errors="replace"),
            "",
            elapsed(),
            _retry_after(response.headers.get("Retry-After")),
        )
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return Answer(None, "", f"{type(exc).__name__}: {exc}"[:500], elapsed())
    finally:
        pool.close()
