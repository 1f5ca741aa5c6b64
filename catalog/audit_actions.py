"""The audit actions the catalog app writes (see audit/actions.py)."""

from django.utils.translation import gettext_lazy as _

from audit.actions import declare

# Catalog entries and sharing
MODEL_REGISTERED = declare("catalog.model_registered", _("Model registered"))
MODEL_UPDATED = declare("catalog.model_updated", _("Model details updated"))
VERSION_REGISTERED = declare("catalog.version_registered", _("Model version registered"))
ACCESS_GRANTED = declare("catalog.access_granted", _("Access granted"))
ACCESS_REVOKED = declare("catalog.access_revoked", _("Access revoked"))

# Moving a model to another team: the receiving team accepts (red-team finding 2)
TEAM_MOVE_REQUESTED = declare("catalog.team_move_requested", _("Move to another team requested"))
TEAM_MOVE_ACCEPTED = declare("catalog.team_move_accepted", _("Move to another team accepted"))
TEAM_MOVE_DECLINED = declare("catalog.team_move_declined", _("Move to another team declined"))
TEAM_MOVE_CANCELLED = declare("catalog.team_move_cancelled", _("Move to another team cancelled"))

# Registries and their webhooks
REGISTRY_SOURCE_CREATED = declare("catalog.registry_source_created", _("Registry connected"))
REGISTRY_SOURCE_UPDATED = declare("catalog.registry_source_updated", _("Registry settings changed"))
REGISTRY_SOURCE_DISABLED = declare("catalog.registry_source_disabled", _("Registry disabled"))
REGISTRY_SOURCE_ENABLED = declare("catalog.registry_source_enabled", _("Registry enabled"))
REGISTRY_SOURCE_DELETED = declare("catalog.registry_source_deleted", _("Registry deleted"))
WEBHOOK_SECRET_ADDED = declare("catalog.webhook_secret_added", _("Webhook secret added"))
WEBHOOK_SECRET_RETIRED = declare("catalog.webhook_secret_retired", _("Webhook secret retired"))
REGISTRY_WEBHOOK_REGISTERED = declare(
    "catalog.registry_webhook_registered", _("Webhook registered in the registry")
)
DELIVERY_FAILED = declare("catalog.delivery_failed", _("Registry delivery failed"))
DELIVERY_RETRIED = declare("catalog.delivery_retried", _("Registry delivery retried"))
REGISTRY_RECONCILED = declare("catalog.registry_reconciled", _("Registry reconciled"))

# What the registry told us
MODEL_SYNCED = declare("catalog.model_synced", _("Model synced from the registry"))
MODEL_RENAMED = declare("catalog.model_renamed", _("Model renamed in the registry"))
MODEL_DELETED_IN_REGISTRY = declare(
    "catalog.model_deleted_in_registry", _("Model deleted in the registry")
)
VERSION_SYNCED = declare("catalog.version_synced", _("Model version synced from the registry"))
VERSION_TAG_CHANGED = declare("catalog.version_tag_changed", _("Version tags changed"))
VERSION_DELETED_IN_REGISTRY = declare(
    "catalog.version_deleted_in_registry", _("Model version deleted in the registry")
)
ALIAS_MOVED = declare("catalog.alias_moved", _("Registry alias moved"))
