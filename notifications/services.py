"""Outgoing governance events: endpoints (administrators' changes, each audited) and the
delivery of each event to each subscribed endpoint, with retries on an exponential schedule.

How an event travels: a domain service calls ``common.events.governance_event_emit`` in its
transaction (an outbox row); after the commit ``event_dispatch`` records one
``WebhookDelivery`` per enabled, subscribed endpoint and queues the first attempt (outbox
again); ``webhook_delivery_attempt`` sends it. A failure is recorded on the delivery (status,
the answer's first bytes, the error) and tried again after a growing, jittered delay, by the
beat task that sends what is due (``notifications.tasks.deliver_due``), until
ATTEST_WEBHOOKS_MAX_ATTEMPTS tries have failed. Nothing here runs inside the business
transaction, so a slow or broken receiver never holds up a decision.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from common import crypto, errors
from common.events import all_event_types
from common.outbox import outbox_enqueue
from notifications import access, delivery
from notifications.audit_actions import (
    WEBHOOK_DELIVERY_FAILED,
    WEBHOOK_DELIVERY_REDELIVERED,
    WEBHOOK_ENDPOINT_CREATED,
    WEBHOOK_ENDPOINT_DELETED,
    WEBHOOK_ENDPOINT_DISABLED,
    WEBHOOK_ENDPOINT_ENABLED,
    WEBHOOK_ENDPOINT_UPDATED,
    WEBHOOK_SECRET_ROTATED,
)
from notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

DELIVER_TASK = "notifications.tasks.deliver"
# How long an attempt owns its delivery; a worker that dies mid-attempt frees it after this.
ATTEMPT_LEASE = timedelta(minutes=5)
# How long the previous secret still signs after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)
MAX_BACKOFF = timedelta(hours=24)
State = WebhookDelivery.State


def _require_admin(actor) -> None:
    if not access.can_manage_webhooks(actor):
        raise PermissionDenied(_("Webhook endpoints are for administrators."))


def _clean(*, name: str, url: str, event_types: list[str]) -> tuple[str, str, list[str]]:
    name = (name or "").strip()
    url = (url or "").strip()
    problems: dict[str, list[str]] = {}
    if not name:
        problems["name"] = [_("Give the endpoint a name.")]
    elif len(name) > 120:
        problems["name"] = [_("At most 120 characters.")]
    if len(url) > 500:
        problems["url"] = [_("At most 500 characters.")]
    else:
        try:
            delivery.resolve_target(
                url, allow_private=settings.ATTEST_WEBHOOKS_ALLOW_PRIVATE_TARGETS
            )
        except delivery.TargetRefused as exc:
            problems["url"] = [str(exc)]
    known = {t.type for t in all_event_types()}
    chosen = sorted(set(event_types or []))
    unknown = [t for t in chosen if t not in known]
    if unknown:
        problems["event_types"] = [_("Unknown event type: %(type)s.") % {"type": unknown[0]}]
    elif not chosen:
        problems["event_types"] = [_("Choose at least one event.")]
    if problems:
        raise errors.ValidationError(problems)
    return name, url, chosen


@transaction.atomic
def webhook_endpoint_create(
    *, actor, name: str, url: str, event_types: list[str]
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for the chosen events, with a new secret. Returns the endpoint and
    the secret, which the page shows once (it is stored encrypted only)."""
    _require_admin(actor)
    name, url, event_types = _clean(name=name, url=url, event_types=event_types)
    secret = delivery.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        name=name, url=url, event_types=event_types, secret_encrypted=crypto.encrypt(secret)
    )
    audit_record(
        actor=actor,
        action=WEBHOOK_ENDPOINT_CREATED,
        target=endpoint,
        after={"name": name, "url": url, "event_types": event_types},
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *, actor, endpoint: WebhookEndpoint, name: str, url: str, event_types: list[str]
) -> WebhookEndpoint:
    """Change the name, address or subscribed events (events already owed keep going)."""
    _require_admin(actor)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    name, url, event_types = _clean(name=name, url=url, event_types=event_types)
    before = {"name": endpoint.name, "url": endpoint.url, "event_types": endpoint.event_types}
    after = {"name": name, "url": url, "event_types": event_types}
    changed = {k for k in after if after[k] != before[k]}
    if not changed:
        return endpoint
    endpoint.name, endpoint.url, endpoint.event_types = name, url, event_types
    endpoint.save(update_fields=["name", "url", "event_types", "updated_at"])
    audit_record(
        actor=actor,
        action=WEBHOOK_ENDPOINT_UPDATED,
        target=endpoint,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return endpoint


def _set_enabled(endpoint: WebhookEndpoint, *, actor, is_enabled: bool, reason: str) -> None:
    endpoint.is_enabled = is_enabled
    endpoint.disabled_reason = "" if is_enabled else reason[:300]
    endpoint.save(update_fields=["is_enabled", "disabled_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=WEBHOOK_ENDPOINT_ENABLED if is_enabled else WEBHOOK_ENDPOINT_DISABLED,
        target=endpoint,
        before={"is_enabled": not is_enabled},
        after={"is_enabled": is_enabled, **({"reason": reason} if reason else {})},
    )


@transaction.atomic
def webhook_endpoint_enabled_set(
    *, actor, endpoint: WebhookEndpoint, is_enabled: bool
) -> WebhookEndpoint:
    """Disable (no new deliveries, none sent; the log stays) or enable again."""
    _require_admin(actor)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.is_enabled != is_enabled:
        reason = "" if is_enabled else _("Disabled by an administrator.")
        _set_enabled(endpoint, actor=actor, is_enabled=is_enabled, reason=reason)
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, actor, endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint and its delivery log (the audit trail keeps that it existed)."""
    _require_admin(actor)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    audit_record(
        actor=actor,
        action=WEBHOOK_ENDPOINT_DELETED,
        target=endpoint,
        before={
            "name": endpoint.name,
            "url": endpoint.url,
            "event_types": endpoint.event_types,
            "deliveries": endpoint.deliveries.count(),
        },
    )
    endpoint.delete()


@transaction.atomic
def webhook_secret_rotate(*, actor, endpoint: WebhookEndpoint) -> str:
    """A new secret signs from now on; the previous one signs too for ROTATION_OVERLAP, so the
    receiver can switch without refusing a delivery. Returns the new secret (shown once)."""
    _require_admin(actor)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = delivery.new_secret()
    now = timezone.now()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret_encrypted = crypto.encrypt(secret)
    endpoint.save(
        update_fields=[
            "secret_encrypted",
            "previous_secret_encrypted",
            "previous_secret_expires_at",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action=WEBHOOK_SECRET_ROTATED,
        target=endpoint,
        after={"previous_secret_signs_until": endpoint.previous_secret_expires_at},
    )
    return secret


@transaction.atomic
def webhook_delivery_redeliver(*, actor, delivery_row: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, with the same ``webhook-id`` (a receiver that already has it
    can tell), as a new round of attempts with the full retry schedule."""
    _require_admin(actor)
    row = (
        WebhookDelivery.objects.select_for_update()
        .select_related("endpoint")
        .get(pk=delivery_row.pk)
    )
    if not row.endpoint.is_enabled:
        raise errors.Conflict(_("This endpoint is disabled: enable it before redelivering."))
    before = {"state": row.state, "attempts": row.attempts}
    row.state, row.attempts, row.next_attempt_at = State.PENDING, 0, timezone.now()
    row.save(update_fields=["state", "attempts", "next_attempt_at", "updated_at"])
    audit_record(
        actor=actor,
        action=WEBHOOK_DELIVERY_REDELIVERED,
        target=row.endpoint,
        before=before,
        after={"event_id": row.event_id, "event_type": row.event_type, "state": row.state},
    )
    outbox_enqueue(DELIVER_TASK, str(row.pk), True)
    return row


# --- Delivery ----------------------------------------------------------------------------------
def event_dispatch(envelope: dict[str, Any]) -> int:
    """Record one delivery of ``envelope`` per enabled endpoint subscribed to its type and queue
    each first attempt. Idempotent: the outbox may relay the same event twice, and the unique
    (endpoint, event id) pair keeps it to one delivery each. Returns how many were added."""
    event_id, event_type = envelope["id"], envelope["type"]
    added = 0
    with transaction.atomic():
        # Filtered here, not with a JSON "contains" lookup: SQLite (the embedded demo) has none.
        endpoints = [
            e
            for e in WebhookEndpoint.objects.filter(is_enabled=True)
            if event_type in e.event_types
        ]
        now = timezone.now()
        for endpoint in endpoints:
            try:
                with transaction.atomic():
                    row = WebhookDelivery.objects.create(
                        endpoint=endpoint,
                        event_id=event_id,
                        event_type=event_type,
                        payload=envelope,
                        next_attempt_at=now,
                    )
            except IntegrityError:
                continue  # already dispatched (a relayed duplicate)
            outbox_enqueue(DELIVER_TASK, str(row.pk))
            added += 1
    return added


def body_of(row: WebhookDelivery) -> bytes:
    """The bytes sent and signed: compact JSON with sorted keys, the same on every attempt."""
    return json.dumps(
        row.payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False
    ).encode()


def _secrets_in_use(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    found = [crypto.decrypt(endpoint.secret_encrypted)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires and expires > now:
        found.append(crypto.decrypt(endpoint.previous_secret_encrypted))
    return found


def backoff(attempts: int, *, retry_after: int | None = None) -> timedelta:
    """The wait after the ``attempts``-th failed try: base × 5^(attempts-1), ±20 % jitter (the
    spec recommends exponential backoff with jitter), at least what ``Retry-After`` asked,
    at most MAX_BACKOFF."""
    base = settings.ATTEST_WEBHOOKS_RETRY_BASE_SECONDS * 5 ** (attempts - 1)
    seconds = base * random.uniform(0.8, 1.2)  # noqa: S311 (jitter, not a secret)
    if retry_after is not None:
        seconds = max(seconds, retry_after)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def _claim(delivery_id: str, now: datetime) -> WebhookDelivery | None:
    with transaction.atomic():
        row = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, state__in=WebhookDelivery.DUE_STATES)
            .first()
        )
        if row is None or (row.next_attempt_at and row.next_attempt_at > now):
            return None  # taken, done, or not due (a duplicate task): nothing to do
        if not row.endpoint.is_enabled:
            row.state, row.last_error = State.FAILED, _("Not sent: the endpoint is disabled.")
            row.next_attempt_at = None
            row.save(update_fields=["state", "last_error", "next_attempt_at", "updated_at"])
            return None
        row.next_attempt_at = now + ATTEMPT_LEASE
        row.save(update_fields=["next_attempt_at", "updated_at"])
        return row


def webhook_delivery_attempt(*, delivery_id: str, manual: bool = False) -> WebhookDelivery | None:
    """Send one delivery that is due, once, and record how it went. Returns the delivery, or
    None when there was nothing to send (already delivered, not due, taken by another worker).

    The HTTP call happens outside any transaction; the row is leased meanwhile, so a second
    worker (beat's sweep, a relayed duplicate) leaves it alone."""
    now = timezone.now()
    row = _claim(delivery_id, now)
    if row is None:
        return None
    endpoint = row.endpoint
    body = body_of(row)
    headers = delivery.signed_headers(
        _secrets_in_use(endpoint, now),
        msg_id=row.event_id,
        timestamp=int(now.timestamp()),
        body=body,
    )
    answer = delivery.post(
        endpoint.url,
        body=body,
        headers=headers,
        timeout_seconds=settings.ATTEST_WEBHOOKS_TIMEOUT_SECONDS,
        allow_private=settings.ATTEST_WEBHOOKS_ALLOW_PRIVATE_TARGETS,
    )
    return _record(row.pk, answer, manual=manual)


def _record(delivery_pk, answer: delivery.Answer, *, manual: bool) -> WebhookDelivery:
    now = timezone.now()
    with transaction.atomic():
        row = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .get(pk=delivery_pk)
        )
        row.attempts += 1
        WebhookAttempt.objects.create(
            delivery=row,
            number=row.attempts,
            status_code=answer.status_code,
            response_excerpt=answer.excerpt,
            error=answer.error,
            duration_ms=answer.duration_ms,
            succeeded=answer.succeeded,
            manual=manual,
        )
        row.last_status_code = answer.status_code
        row.last_response_excerpt = answer.excerpt
        row.last_attempt_at = now
        if answer.succeeded:
            row.state, row.last_error, row.next_attempt_at = State.DELIVERED, "", None
            row.delivered_at = now
        else:
            row.last_error = answer.error or _("The endpoint answered %(status)s.") % {
                "status": answer.status_code
            }
            final = answer.gone or row.attempts >= settings.ATTEST_WEBHOOKS_MAX_ATTEMPTS
            if final:
                row.state, row.next_attempt_at = State.FAILED, None
            else:
                row.state = State.RETRYING
                row.next_attempt_at = now + backoff(
                    row.attempts, retry_after=answer.retry_after_seconds
                )
        row.save()
        if row.state == State.FAILED:
            audit_record(
                actor=None,
                action=WEBHOOK_DELIVERY_FAILED,
                target=row.endpoint,
                after={
                    "event_id": row.event_id,
                    "event_type": row.event_type,
                    "attempts": row.attempts,
                    "status_code": answer.status_code,
                    "error": row.last_error,
                },
            )
        if answer.gone and row.endpoint.is_enabled:
            # The spec: 410 Gone means the receiver wants no more; stop sending to it.
            endpoint = WebhookEndpoint.objects.select_for_update().get(pk=row.endpoint_id)
            _set_enabled(
                endpoint,
                actor=None,
                is_enabled=False,
                reason=_("The endpoint answered 410 Gone: it asks for no more deliveries."),
            )
    return row


def webhook_deliveries_due(*, limit: int = 100) -> list[str]:
    """Ids of deliveries whose next attempt is due (oldest first), for the beat sweep."""
    return [
        str(pk)
        for pk in WebhookDelivery.objects.filter(
            state__in=WebhookDelivery.DUE_STATES, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    ]
