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
