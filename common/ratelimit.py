"""Fixed-window rate limits in the shared cache (Redis in production).

A window is ``<count>/<seconds>``: at most ``count`` hits per key in each aligned window of
``seconds``. ``hit`` returns how long to wait when the limit is exceeded, so callers can answer
429 with ``Retry-After``; ``attempt`` also says whether this hit is the first refused one of its
window (a lockout starts), and ``reset`` forgets a key's count in the current window (an admin
cleared the lockout). A refusal never outlasts its window: the longest wait is ``seconds``.
Keys are hashed, so usernames and addresses never sit in Redis.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
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


@dataclass(frozen=True)
class Verdict:
    """What one counted attempt met.

    ``wait``: None when allowed, else the seconds until the window resets. ``tripped``: this is
    the first refused attempt of the window for this key (the cache's atomic increment makes it
    exactly one attempt, however many arrive at once). ``window_end``: when the window ends
    (seconds since the epoch).
    """

    wait: int | None
    tripped: bool
    window_end: int


def _window(window: int, now: int) -> int:
    return now - now % window


def _key(scope: str, identity: str, window_start: int) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}:{window_start}"


def attempt(scope: str, identity: str, rate: str) -> Verdict:
    """Count one attempt for ``identity`` under ``scope`` and say what it met."""
    limit, window = parse_rate(rate)
    now = int(time.time())
    window_start = _window(window, now)
    window_end = window_start + window
    key = _key(scope, identity, window_start)
    try:
        cache.add(key, 0, timeout=window + 1)
        count = cache.incr(key)
    except Exception:  # the cache being down must not lock everybody out
        logger.exception("rate limit cache unavailable; allowing %s", scope)
        return Verdict(wait=None, tripped=False, window_end=window_end)
    if count > limit:
        return Verdict(
            wait=max(1, window_end - now), tripped=count == limit + 1, window_end=window_end
        )
    return Verdict(wait=None, tripped=False, window_end=window_end)


def hit(scope: str, identity: str, rate: str) -> int | None:
    """Count one attempt. ``None`` when allowed, else the seconds until the window resets."""
    return attempt(scope, identity, rate).wait


def hit_many(limits: list[tuple[str, str, str]]) -> list[int | None]:
    """Count one attempt under each ``(scope, identity, rate)`` and return each one's wait
    (``None`` when allowed), as ``hit`` would, in one Redis round trip.

    On Redis every limit is counted in one pipeline (``SET NX EX`` + ``INCR`` per key: the same
    keys, values and expiry as ``hit``'s ``add`` + ``incr``, 2 commands a key instead of 3, and
    one round trip instead of one per command). Every limit is counted even when an earlier one
    refuses (the hot path of the deploy gate counts its two limits at once). Any other cache
    backend counts them one after another with ``attempt``. The cache being down allows.
    """
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return [attempt(*limit).wait for limit in limits]
    now = int(time.time())
    windows = []
    try:
        pipe = backend._cache.get_client(write=True).pipeline(transaction=False)
        for scope, identity, rate in limits:
            limit, window = parse_rate(rate)
            window_start = _window(window, now)
            windows.append((limit, window_start + window))
            key = backend.make_and_validate_key(_key(scope, identity, window_start))
            pipe.set(key, 0, ex=window + 1, nx=True)
            pipe.incr(key)
        replies = pipe.execute()
    except Exception:  # the cache being down must not lock everybody out
        logger.exception("rate limit cache unavailable; allowing %s", [s for s, _, _ in limits])
        return [None] * len(limits)
    counts = replies[1::2]
    return [
        max(1, window_end - now) if count > limit else None
        for (limit, window_end), count in zip(windows, counts, strict=True)
    ]


def reset(scope: str, identity: str, rate: str) -> bool:
    """Forget ``identity``'s count under ``scope`` in the current window (the key ``hit`` uses):
    its next attempt is allowed at once. False when the cache could not be reached."""
    _limit, window = parse_rate(rate)
    key = _key(scope, identity, _window(window, int(time.time())))
    try:
        cache.delete(key)
    except Exception:
        logger.exception("rate limit cache unavailable; could not reset %s", scope)
        return False
    return True


def client_address(request) -> str:
    """The real client (set by RequestContextMiddleware from trusted proxies' headers)."""
    return (
        getattr(request, "client_address", "") or request.META.get("REMOTE_ADDR", "") or "unknown"
    )
