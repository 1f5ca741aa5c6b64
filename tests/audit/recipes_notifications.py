"""Audit-completeness recipes of the notifications app: every administrator's change of an
outgoing-event endpoint or a notification channel writes its event."""

from __future__ import annotations


def notification_recipes(p):
    from notifications import channels, services, subscriptions
    from notifications.models import NotificationMessage

    made = {}

    def endpoint():
        if "e" not in made:
            made["e"], _secret = services.webhook_endpoint_create(
                actor=p.admin,
                name="recipe",
                url="http://127.0.0.1:9/hook",
                event_types=["deployment_request.approved"],
            )
        return made["e"]

    def channel():
        if "c" not in made:
            made["c"] = channels.notification_channel_create(
                actor=p.admin,
                name="recipe",
                url="json://127.0.0.1:9/notify",
                event_types=["alert.opened"],
            )
        return made["c"]

    s, c = "notifications.services", "notifications.channels"
    return {
        f"{s}.webhook_endpoint_create": (
            endpoint,
            ["notifications.webhook_endpoint_created"],
        ),
        f"{s}.webhook_endpoint_update": (
            lambda: services.webhook_endpoint_update(
                actor=p.admin,
                endpoint=endpoint(),
                name="renamed",
                url="http://127.0.0.1:9/hook",
                event_types=["deployment_request.approved"],
            ),
            ["notifications.webhook_endpoint_updated"],
        ),
        f"{s}.webhook_secret_rotate": (
            lambda: services.webhook_secret_rotate(actor=p.admin, endpoint=endpoint()),
            ["notifications.webhook_secret_rotated"],
        ),
        f"{s}.webhook_endpoint_enabled_set": (
            lambda: services.webhook_endpoint_enabled_set(
                actor=p.admin, endpoint=endpoint(), is_enabled=False
            ),
            ["notifications.webhook_endpoint_disabled"],
        ),
        f"{s}.webhook_endpoint_delete": (
            lambda: services.webhook_endpoint_delete(actor=p.admin, endpoint=endpoint()),
            ["notifications.webhook_endpoint_deleted"],
        ),
        f"{c}.notification_channel_create": (
            channel,
            ["notifications.channel_created"],
        ),
        f"{c}.notification_message_resend": (
            lambda: channels.notification_message_resend(
                actor=p.admin,
                message=NotificationMessage.objects.create(
                    channel=channel(),
                    event_id="evt_recipe",
                    event_type="alert.opened",
                    title="t",
                    body="b",
                    state="failed",
                    attempts=5,
                ),
            ),
            ["notifications.message_resent"],
        ),
        f"{c}.notification_channel_enabled_set": (
            lambda: channels.notification_channel_enabled_set(
                actor=p.admin, channel=channel(), is_enabled=False
            ),
            ["notifications.channel_disabled"],
        ),
        "notifications.subscriptions.notification_subscription_save": (
            lambda: subscriptions.notification_subscription_save(
                actor=p.owner, event_types=["alert.opened"], apprise_url="json://127.0.0.1:9/me"
            ),
            ["notifications.subscribed"],
        ),
        "notifications.subscriptions.notification_subscription_delete": (
            lambda: subscriptions.notification_subscription_delete(actor=p.owner),
            ["notifications.unsubscribed"],
        ),
        f"{c}.notification_channel_delete": (
            lambda: channels.notification_channel_delete(actor=p.admin, channel=channel()),
            ["notifications.channel_deleted"],
        ),
    }
