"""Who may do what with deployment requests: every permission predicate of approvals, written
once (selectors, services, views and templates ask these)."""

from __future__ import annotations

from django.utils.translation import gettext

from accounts.roles import OVERSIGHT_ROLES, Role, has_role, user_roles
from approvals.models import DeploymentRequest
from catalog.access import can_act_for_owning_team, is_team_reviewer, model_service_can_edit
from catalog.models import ModelService

State = DeploymentRequest.State


def is_compliance(user) -> bool:
    """Holds the compliance-officer role itself. Not ``has_role``: a break-glass superuser may
    decide, but their approval must not stand in for a compliance officer's."""
    return bool(getattr(user, "is_authenticated", False)) and (
        Role.COMPLIANCE_OFFICER in user_roles(user)
    )


def can_request(user, model: ModelService) -> bool:
    """The owning team's model owners and admins; CI service accounts of the owning team."""
    return can_act_for_owning_team(user, model)


def decide_refusal(user, request: DeploymentRequest) -> str | None:
    """Why ``user`` may not decide ``request`` (``None``: they may)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return gettext("Sign in to decide.")
    if user.pk == request.requested_by_id:
        return gettext("Separation of duties: nobody approves or rejects their own request.")
    if getattr(user, "is_service_account", False):
        return gettext("Service accounts do not decide deployment requests.")
    if has_role(user, *OVERSIGHT_ROLES) or is_team_reviewer(user, request.model_service):
        return None
    return gettext("Only the owning team's reviewers and compliance officers decide this request.")


def may_revoke(user, request: DeploymentRequest) -> bool:
    """Who revokes approvals of this model, whatever the request's state: compliance officers,
    admins and the owning team's reviewers. Services ask this before looking at the state, so
    a refused actor learns nothing about it."""
    return has_role(user, *OVERSIGHT_ROLES) or is_team_reviewer(user, request.model_service)


def may_withdraw(user, request: DeploymentRequest) -> bool:
    """Who withdraws this request, whatever its state: the requester and the owning team."""
    return user.pk == request.requested_by_id or model_service_can_edit(user, request.model_service)


def can_revoke(user, request: DeploymentRequest) -> bool:
    """A revoke button makes sense: allowed, and the request is approved."""
    return request.state == State.APPROVED and may_revoke(user, request)


def can_withdraw(user, request: DeploymentRequest) -> bool:
    """A withdraw button makes sense: allowed, and the request is a draft or awaiting review."""
    return request.state in (State.DRAFT, State.SUBMITTED) and may_withdraw(user, request)
