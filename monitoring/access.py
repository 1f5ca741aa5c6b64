"""Who may do what in monitoring: every permission predicate of the app, written once."""

from __future__ import annotations

from accounts.roles import OVERSIGHT_ROLES, has_role
from catalog.access import (
    can_act_for_owning_team,
    is_active_person,
    is_team_reviewer,
    model_service_can_edit,
)
from catalog.models import ModelService


def can_write_metrics(user, model: ModelService) -> bool:
    """Post metrics and input schemas: the owning team (people and its CI accounts), admins."""
    return can_act_for_owning_team(user, model)


def can_manage_thresholds(user, model: ModelService) -> bool:
    return model_service_can_edit(user, model)


def can_handle_alerts(user, model: ModelService) -> bool:
    if not is_active_person(user):
        return False
    return (
        has_role(user, *OVERSIGHT_ROLES)
        or model_service_can_edit(user, model)
        or is_team_reviewer(user, model)
    )


def can_manage_incidents(user, model: ModelService) -> bool:
    if not is_active_person(user):
        return False
    return has_role(user, *OVERSIGHT_ROLES) or model_service_can_edit(user, model)


def can_complete_review(user, model: ModelService) -> bool:
    if not is_active_person(user):
        return False
    return has_role(user, *OVERSIGHT_ROLES) or is_team_reviewer(user, model)
