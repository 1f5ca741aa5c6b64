"""Writing audit events. Every state-changing service calls ``audit_record`` in its transaction."""

from __future__ import annotations

from typing import Any

from django.db import connection, models
from django.utils import timezone

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
    if target is not None:
        meta = target._meta
        target_type = target_type or f"{meta.app_label}.{meta.model_name}"
        target_id = target_id or str(target.pk)
        target_label = target_label or _label(target)
    actor_is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        occurred_at=timezone.now(),
        actor_id=actor.pk if actor_is_user else None,
        actor_label=actor.get_username() if actor_is_user else (_label(actor) or "system"),
        source=source or ctx.source,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        subject_id=subject_id,
        before=before,
        after=after,
        request_id=ctx.request_id,
        ip_address=ctx.ip_address,
    )
