"""Outgoing governance events: what the domain apps announce to the world outside Attest.

A service that decides something others may want to react to (a request submitted, an approval
revoked, an alert opened) calls ``governance_event_emit`` inside its own transaction. The event
is an outbox row (``common/outbox``): it commits or rolls back with the business change, a
broker outage delays it and never fails the request, and nothing the receivers do (slow, down,
refusing) can block the transaction. After the commit the ``notifications`` app fans it out to
the webhook endpoints subscribed to its type (``notifications.tasks.event_dispatch``).

Every type is declared once, in ``<app>/outgoing_events.py`` of the app that emits it, with
the label administrators read when they choose what an endpoint receives; the payloads are
documented with a JSON schema per type in ``docs/events.md`` (a test validates real emitted
payloads against them). The envelope follows the Standard Webhooks payload recommendation
(https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md,
"Payload structure"): ``type`` (full-stop delimited), ``timestamp`` (when it occurred) and
``data``, plus our ``id``, sent as the ``webhook-id`` header and the same for every attempt.
"""

from __future__ import annotations

import re
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.functional import Promise

from common.outbox import outbox_enqueue

# The spec: "hierarchical, and full-stop delimited ... limited to [a-zA-Z0-9_]".
TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
DISPATCH_TASK = "notifications.tasks.event_dispatch"
ID_PREFIX = "evt_"


@dataclass(frozen=True)
class EventType:
    """One kind of outgoing event: its type string, what administrators read, who emits it."""

    type: str
    label: str | Promise
    app: str


class UnknownEventTypeError(ValueError):
    """An event of a type nobody declared: no endpoint could ever have subscribed to it."""


_TYPES: dict[str, EventType] = {}


def declare_event_type(event_type: str, label: str | Promise, *, app: str = "") -> str:
    """Declare one event type and return it (the constant the emitting service passes)."""
    if not TYPE_PATTERN.match(event_type):
        raise ValueError(f"event type {event_type!r} is not dot-delimited [a-z0-9_] words")
    app = app or sys._getframe(1).f_globals.get("__name__", "").split(".")[0]
    known = _TYPES.get(event_type)
    if known is not None and known.app != app:
        raise ValueError(f"event type {event_type!r} is declared by {known.app} and by {app}")
    _TYPES[event_type] = EventType(type=event_type, label=label, app=app)
    return event_type


def all_event_types() -> list[EventType]:
    """Every declared type, sorted (complete once Django has started: the notifications app
    imports every app's ``outgoing_events`` module)."""
    return [_TYPES[name] for name in sorted(_TYPES)]


def label_for(event_type: str) -> str:
    known = _TYPES.get(event_type)
    return str(known.label) if known else event_type


def _json_ready(value: Any) -> Any:
    """Dates, UUIDs and decimals as DjangoJSONEncoder writes them, so the outbox row (JSON
    arguments only) and the delivered body hold exactly the same values."""
    import json

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, allow_nan=False))


def governance_event_emit(
    event_type: str, data: dict[str, Any], *, occurred_at: datetime | None = None
) -> dict[str, Any]:
    """Announce one governance event, in the caller's ``transaction.atomic()``.

    Returns the envelope ``{"id", "type", "timestamp", "data"}`` that every subscribed endpoint
    receives. Raises ``OutboxOutsideTransactionError`` outside a transaction and
    ``UnknownEventTypeError`` for an undeclared type: both are programming errors, found by the
    emitting service's tests, never by a user.
    """
    if event_type not in _TYPES:
        raise UnknownEventTypeError(
            f"event type {event_type!r} is not declared in any app's outgoing_events module"
        )
    envelope = {
        "id": f"{ID_PREFIX}{uuid.uuid4().hex}",
        "type": event_type,
        "timestamp": (occurred_at or timezone.now()).isoformat().replace("+00:00", "Z"),
        "data": _json_ready(data),
    }
    outbox_enqueue(DISPATCH_TASK, envelope)
    return envelope
