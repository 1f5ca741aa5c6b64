"""Writing audit events. Every state-changing service calls ``audit_record`` in its transaction."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent
from common import request_context


class AuditOutsideTransactionError(RuntimeError):
    """Raised when an event would be written outside the caller's transaction.

    The event and the change it describes must commit or roll back together; otherwise the
    trail could show a change that never happened, or miss one that did.
    """


def _label(obj: Any) -> str:
    return str(obj)[:300] if obj is not None else ""


def audit_record(
    *,
    actor: Any | None,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_label: str = "",
    subject_id: Any | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    source: str | None = None,
) -> AuditEvent:
    """Record one business action, inside the caller's ``transaction.atomic()`` block.

    ``action`` is ``<app>.<past_tense_verb>`` (``catalog.model_updated``). ``target`` is the
    object acted on; ``subject_id`` the catalog entry whose timeline should show the event.
    ``before``/``after`` hold only what changed. Request id, channel and address come from the
    current request context unless ``source`` is given.
    """
    if not connection.in_atomic_block:
        raise AuditOutsideTransactionError(
            f"audit_record({action!r}) must run inside the service's transaction.atomic()"
        )
    ctx = request_context.current()
    _lock_chain()
    head = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    if target is not None:
        meta = target._meta
        # A model moved between apps keeps the type its earlier events carry (AUDIT_TARGET_TYPE).
        target_type = (
            target_type
            or getattr(target, "AUDIT_TARGET_TYPE", "")
            or f"{meta.app_label}.{meta.model_name}"
        )
        target_id = target_id or str(target.pk)
        target_label = target_label or _label(target)
    actor_is_user = actor is not None and getattr(actor, "is_authenticated", False)
    fields = {
        "seq": head["seq"] + 1 if head else 1,
        "prev_hash": head["hash"] if head else chain.GENESIS,
        # Microseconds, as the database keeps them, so the stored row re-hashes identically.
        "occurred_at": timezone.now(),
        "actor_id": actor.pk if actor_is_user else None,
        "actor_label": actor.get_username() if actor_is_user else (_label(actor) or "system"),
        "source": source or ctx.source,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "target_label": target_label,
        "subject_id": subject_id or None,
        "before": _json(before),
        "after": _json(after),
        "request_id": ctx.request_id,
        "ip_address": ctx.ip_address or None,
    }
    digest = chain.event_hash(chain.chain_fields(fields))
    return AuditEvent.objects.create(**fields, hash=digest)


def _json(value):
    """What the JSON column will give back (dates as strings...), so hashes re-verify."""
    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))


# One lock for the whole chain: writers append one after another, so it never forks.
_CHAIN_LOCK_KEY = 0x41545445535400  # "ATTEST\0"


def _lock_chain() -> None:
    """Serialise writers until the end of the caller's transaction (PostgreSQL advisory lock;
    SQLite, the embedded demo, serialises writers by itself)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
