"""Per-request facts that audit events need (request id, channel), held in a context variable.

The middleware sets them for web and API requests; tasks and commands set them with
``request_context(...)``. Services never take them as arguments: they are facts about the
caller, not about the business action.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    source: str = "system"  # web | api | webhook | task | ci | cli | system
    ip_address: str | None = None


_EMPTY = RequestContext()
_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "attest_request_context", default=None
)


def current() -> RequestContext:
    return _current.get() or _EMPTY


@contextlib.contextmanager
def request_context(**values: str | None) -> Iterator[RequestContext]:
    """Run a block with the given request id / source / address (merged over the current one)."""
    merged = RequestContext(**{**current().__dict__, **values})
    token = _current.set(merged)
    try:
        yield merged
    finally:
        _current.reset(token)


def set_for_request(ctx: RequestContext) -> contextvars.Token:
    return _current.set(ctx)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)
