"""Writing audit events. Every state-changing service calls ``audit_record`` in its transaction.

The event is inserted unsealed and without any lock shared between writers; the sequencer
(``audit/sequencer.py``) gives it its place in the trail once the transaction has committed.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from audit import chain, sequencer
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

    The event commits or rolls back with the caller's change. It is sealed (``seq``, ``hash``)
    by the sequencer after the commit, within a second or two; where tasks run eagerly (the
    embedded demo, tests) it is sealed right here, in the caller's transaction.
    """
    if not connection.in_atomic_block:
        raise AuditOutsideTransactionError(
            f"audit_record({action!r}) must run inside the service's transaction.atomic()"
        )
    ctx = request_context.current()
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
        "chain_version": chain.CURRENT_VERSION,
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
    event = AuditEvent.objects.create(**fields)
    if sequencer.seal_inline_enabled():
        sequencer.seal_inline(event)
    else:
        transaction.on_commit(sequencer.wake_after_commit, robust=True)
    return event


def _json(value):
    """What the JSON column will give back (dates as strings...), so hashes re-verify."""
    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))
