"""The audit actions the notifications app writes (see audit/actions.py)."""

from django.utils.translation import gettext_lazy as _

from audit.actions import declare

WEBHOOK_ENDPOINT_CREATED = declare(
    "notifications.webhook_endpoint_created", _("Webhook endpoint registered")
)
WEBHOOK_ENDPOINT_UPDATED = declare(
    "notifications.webhook_endpoint_updated", _("Webhook endpoint changed")
)
WEBHOOK_ENDPOINT_DISABLED = declare(
    "notifications.webhook_endpoint_disabled", _("Webhook endpoint disabled")
)
WEBHOOK_ENDPOINT_ENABLED = declare(
    "notifications.webhook_endpoint_enabled", _("Webhook endpoint enabled")
)
WEBHOOK_ENDPOINT_DELETED = declare(
    "notifications.webhook_endpoint_deleted", _("Webhook endpoint deleted")
)
WEBHOOK_SECRET_ROTATED = declare(
    "notifications.webhook_secret_rotated", _("Webhook endpoint secret rotated")
)
WEBHOOK_DELIVERY_REDELIVERED = declare(
    "notifications.webhook_delivery_redelivered", _("Webhook delivery sent again")
)
WEBHOOK_DELIVERY_FAILED = declare(
    "notifications.webhook_delivery_failed", _("Webhook delivery failed for good")
)
NOTIFICATION_CHANNEL_CREATED = declare(
    "notifications.channel_created", _("Notification channel added")
)
NOTIFICATION_CHANNEL_DISABLED = declare(
    "notifications.channel_disabled", _("Notification channel disabled")
)
NOTIFICATION_CHANNEL_ENABLED = declare(
    "notifications.channel_enabled", _("Notification channel enabled")
)
NOTIFICATION_CHANNEL_DELETED = declare(
    "notifications.channel_deleted", _("Notification channel deleted")
)
NOTIFICATION_MESSAGE_RESENT = declare("notifications.message_resent", _("Notification sent again"))
NOTIFICATION_MESSAGE_FAILED = declare(
    "notifications.message_failed", _("Notification failed for good")
)
NOTIFICATION_SUBSCRIBED = declare(
    "notifications.subscribed", _("Personal notifications subscribed or changed")
)
NOTIFICATION_UNSUBSCRIBED = declare(
    "notifications.unsubscribed", _("Personal notifications unsubscribed")
)
