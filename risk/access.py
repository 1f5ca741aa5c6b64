"""Who may do what with risk assessments, obligations and evidence: every permission predicate
of the risk app, written once."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.roles import OVERSIGHT_ROLES, Role, has_role
from catalog.access import can_act_for_owning_team, model_service_can_edit
from catalog.models import ModelService

# Who may certify an obligation as met or not applicable: not the team that built the model.
CERTIFIERS = OVERSIGHT_ROLES


def can_assess(user, model: ModelService) -> bool:
    """The owning team's model owners, compliance officers and admins answer the questionnaire."""
    return model_service_can_edit(user, model) or has_role(user, Role.COMPLIANCE_OFFICER)


def can_add_evidence(user, model: ModelService) -> bool:
    """The owning team (its model owners, and its CI service accounts holding an
    ``evidence:write`` token) and compliance officers add evidence."""
    return has_role(user, *CERTIFIERS) or can_act_for_owning_team(user, model)


def can_classify_directly(user) -> bool:
    """Compliance officers (and admins, the break-glass role) put an assessment in force
    themselves; anyone else's submission is a proposal a compliance officer must confirm."""
    return has_role(user, *OVERSIGHT_ROLES)


def confirm_refusal(user, assessment) -> str | None:
    """Why ``user`` may not confirm or return ``assessment`` (``None``: they may)."""
    if not has_role(user, *OVERSIGHT_ROLES):
        return _("Only compliance officers confirm or return a proposed risk assessment.")
    if assessment.submitted_by_id is not None and assessment.submitted_by_id == user.pk:
        return _("Separation of duties: nobody confirms their own proposal.")
    return None
