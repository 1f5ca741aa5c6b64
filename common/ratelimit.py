"""Fixed-window rate limits in the shared cache (Redis in production).

A window is ``<count>/<seconds>``: at most ``count`` hits per key in each aligned window of
``seconds``. ``hit`` returns how long to wait when the limit is exceeded, so callers can answer
429 with ``Retry-After``. Keys are hashed, so usernames and addresses never sit in Redis.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/300"`` → ``(10, 300)``."""
    try:
        count, seconds = (int(part) for part in rate.split("/"))
    except ValueError as exc:
        raise ImproperlyConfigured(f"Rate {rate!r} must look like '<count>/<seconds>'.") from exc
    if count < 1 or seconds < 1:
        raise ImproperlyConfigured(f"Rate {rate!r} needs a positive count and period.")
    return count, seconds


def hit(scope: str, identity: str, rate: str) -> int | None:
    """Count one attempt. ``None`` when allowed, else the seconds until the window resets."""
    limit, window = parse_rate(rate)
    now = int(time.time())
    window_start = now - now % window
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    key = f"rl:{scope}:{digest}:{window_start}"
    try:
        cache.add(key, 0, timeout=window + 1)
        count = cache.incr(key)
    except Exception:  # the cache being down must not lock everybody out
        logger.exception("rate limit cache unavailable; allowing %s", scope)
        return None
    if count > limit:
        return max(1, window_start + window - now)
    return None


def client_address(request) -> str:
    """The real client (set by RequestContextMiddleware from trusted proxies' headers)."""
    return (
        getattr(request, "client_address", "") or request.META.get("REMOTE_ADDR", "") or "unknown"
    )
