"""Permission-aware reads of webhook endpoints and their delivery log (administrators only:
anyone else gets a 403, as for registry sources)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from notifications.access import can_manage_webhooks
from notifications.models import WebhookDelivery, WebhookEndpoint


def _require_admin(user) -> None:
    if not can_manage_webhooks(user):
        raise PermissionDenied(_("Webhook endpoints are for administrators."))


def webhook_endpoint_list(*, user) -> QuerySet[WebhookEndpoint]:
    _require_admin(user)
    return WebhookEndpoint.objects.annotate(
        delivery_count=Count("deliveries"),
        failed_count=Count("deliveries", filter=Q(deliveries__state=WebhookDelivery.State.FAILED)),
        retrying_count=Count(
            "deliveries", filter=Q(deliveries__state=WebhookDelivery.State.RETRYING)
        ),
    ).order_by("name", "created_at")


def webhook_endpoint_get(*, user, endpoint_id) -> WebhookEndpoint:
    _require_admin(user)
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise Http404(_("No such webhook endpoint."))
    return endpoint


def webhook_delivery_list(*, user, endpoint: WebhookEndpoint, state: str = "") -> QuerySet:
    _require_admin(user)
    rows = endpoint.deliveries.prefetch_related("attempt_log").order_by("-created_at")
    if state in WebhookDelivery.State.values:
        rows = rows.filter(state=state)
    return rows


def webhook_delivery_get(*, user, endpoint: WebhookEndpoint, delivery_id) -> WebhookDelivery:
    _require_admin(user)
    row = endpoint.deliveries.filter(pk=delivery_id).first()
    if row is None:
        raise Http404(_("No such delivery."))
    return row


def notification_channel_list(*, user) -> QuerySet:
    from notifications.models import NotificationChannel, NotificationMessage

    _require_admin(user)
    return (
        NotificationChannel.objects.prefetch_related("teams")
        .annotate(
            message_count=Count("messages"),
            failed_count=Count(
                "messages", filter=Q(messages__state=NotificationMessage.State.FAILED)
            ),
            retrying_count=Count(
                "messages", filter=Q(messages__state=NotificationMessage.State.RETRYING)
            ),
        )
        .order_by("name", "created_at")
    )


def notification_channel_get(*, user, channel_id):
    from notifications.models import NotificationChannel

    _require_admin(user)
    channel = NotificationChannel.objects.filter(pk=channel_id).first()
    if channel is None:
        raise Http404(_("No such notification channel."))
    return channel


def notification_message_get(*, user, channel, message_id):
    _require_admin(user)
    row = channel.messages.filter(pk=message_id).first()
    if row is None:
        raise Http404(_("No such message."))
    return row


def my_subscription(*, user):
    """The signed-in person's own subscription (None when they have none)."""
    from notifications.models import NotificationSubscription

    return NotificationSubscription.objects.filter(user=user).prefetch_related("teams").first()


def my_message_list(*, user) -> QuerySet:
    """The messages of the person's own subscription, newest first: only theirs."""
    from notifications.models import NotificationMessage

    return NotificationMessage.objects.filter(subscription__user=user).order_by("-created_at")
