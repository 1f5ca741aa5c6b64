"""The audit actions the usage app writes (see audit/actions.py)."""

from django.utils.translation import gettext_lazy as _

from audit.actions import declare

COSTS_IMPORTED = declare("usage.costs_imported", _("Cost export imported"))
USAGE_SOURCE_SET = declare("usage.usage_source_set", _("Usage source set"))
USAGE_RECORDED = declare("usage.usage_recorded", _("Daily usage recorded"))
BUDGET_SET = declare("usage.budget_set", _("Budget set"))
BUDGET_DELETED = declare("usage.budget_deleted", _("Budget deleted"))
