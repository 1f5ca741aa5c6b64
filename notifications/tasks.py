"""Celery adapters for outgoing events: the fan-out of one event, one attempt of one delivery,
and beat's sweep of the retries that are due."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError

from common.request_context import request_context
from notifications import channels, digests, services, subscriptions

logger = logging.getLogger(__name__)


# The outbox row is marked sent once the broker has the message: a database error while fanning
# out must retry here, or the event would be lost. Fanning out again is harmless (unique rows).
@shared_task(
    name="notifications.tasks.event_dispatch",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=8,
)
def event_dispatch(envelope: dict) -> int:
    with request_context(source="task", request_id=f"event-{envelope.get('id', '')}"[:60]):
        return (
            services.event_dispatch(envelope)
            + channels.event_dispatch(envelope)
            + subscriptions.event_dispatch(envelope)
        )


@shared_task(name="notifications.tasks.deliver")
def deliver(delivery_id: str, manual: bool = False) -> str:
    with request_context(source="task", request_id=f"webhook-{delivery_id}"[:60]):
        row = services.webhook_delivery_attempt(delivery_id=delivery_id, manual=manual)
    return row.state if row is not None else "skipped"


@shared_task(name="notifications.tasks.notify")
def notify(message_id: str) -> str:
    with request_context(source="task", request_id=f"notify-{message_id}"[:60]):
        row = channels.notification_message_send(message_id=message_id)
    return row.state if row is not None else "skipped"


@shared_task(name="notifications.tasks.deliver_due")
def deliver_due() -> int:
    """Every webhook delivery and chat message that is due (retries after their backoff, first
    attempts whose task was lost), one after another."""
    sent = 0
    with request_context(source="task", request_id="webhooks-deliver-due"):
        for delivery_id in services.webhook_deliveries_due():
            if services.webhook_delivery_attempt(delivery_id=delivery_id) is not None:
                sent += 1
        for message_id in channels.notification_messages_due():
            if channels.notification_message_send(message_id=message_id) is not None:
                sent += 1
    if sent:
        logger.info("webhooks: %d due delivery attempt(s) made", sent)
    return sent


@shared_task(name="notifications.tasks.send_digests")
def send_digests() -> int:
    """The daily digests of the days that ended (hourly; a day is never sent twice)."""
    with request_context(source="task", request_id="notifications-digests"):
        return digests.digests_send()
