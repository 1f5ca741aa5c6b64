"""Who may do what with usage and cost: every permission predicate of the usage app."""

from __future__ import annotations

from accounts.roles import OVERSIGHT_ROLES, has_role
from catalog.access import can_act_for_owning_team
from catalog.models import ModelService


def can_import_costs(user) -> bool:
    """Billing exports span every team: compliance officers and administrators, and service
    accounts (the pipeline that ships the cloud's FOCUS export; its token needs costs:write)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return has_role(user, *OVERSIGHT_ROLES) or bool(getattr(user, "is_service_account", False))


def can_see_unmatched_cost(user) -> bool:
    """Unmatched cost belongs to no model, so to no team: only the second line sees it."""
    return bool(getattr(user, "is_authenticated", False)) and has_role(user, *OVERSIGHT_ROLES)


def can_set_usage_source(user, model: ModelService) -> bool:
    """The owning team's model owners, its CI service accounts and administrators."""
    return can_act_for_owning_team(user, model)
