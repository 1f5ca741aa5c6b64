"""Moving assessments to the current rule set in bulk, from the change report. Audited.

A compliance officer picks models from the report (``risk.ruleset_change``); each gets a new
revision with the same answers, classified under the current rule set and put in force at once
(as any revision a compliance officer submits). Nothing is moved silently: the person moving
confirms that the systems were checked against the questions the new rule set added, which the
old answers never saw; a model whose answers the new rule set refuses, that changed since it was
assessed, or that has a draft or proposal in progress is refused with the reason. All or
nothing: one refused model moves none.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from common.errors import Conflict
from risk.access import can_classify_directly
from risk.audit_actions import ASSESSMENT_MOVED_TO_RULESET
from risk.models import RiskAssessment
from risk.ruleset_change import ruleset_change_report
from risk.services import assessment_submit


def assessments_move(*, actor, model_ids, new_questions_checked: bool) -> list[RiskAssessment]:
    """Re-assess the models ``model_ids`` under the current rule set with their answers in
    force; return the new revisions (in model-name order)."""
    if not can_classify_directly(actor):
        raise PermissionDenied(_("Only compliance officers and admins move assessments in bulk."))
    wanted = {str(pk) for pk in model_ids}
    if not wanted:
        raise ValidationError({"models": [_("Pick at least one model to re-assess.")]})
    with transaction.atomic():
        report = ruleset_change_report(user=actor)
        rows = {str(row.model.pk): row for row in report.changed + report.unchanged}
        unknown = wanted - rows.keys()
        if unknown:
            raise ValidationError(
                {"models": [_("Not in the change report (already moved, or not visible to you).")]}
            )
        picked = sorted((rows[pk] for pk in wanted), key=lambda row: row.model.name)
        refused = [f"{row.model.name}: {_why(row)}" for row in picked if not row.can_move]
        if refused:
            raise Conflict(
                _("Nothing was re-assessed. %(reasons)s") % {"reasons": " ".join(refused)}
            )
        if any(row.unasked for row in picked) and not new_questions_checked:
            raise ValidationError(
                {
                    "new_questions_checked": [
                        _(
                            "Confirm that the systems were checked against the new questions: "
                            "re-assessing answers them “no”."
                        )
                    ]
                }
            )
        moved = []
        for row in picked:
            revision = assessment_submit(
                actor=actor, model_service=row.model, answers=row.assessment.answers
            )
            audit_record(
                actor=actor,
                action=ASSESSMENT_MOVED_TO_RULESET,
                target=revision,
                subject_id=row.model.pk,
                before={
                    "ruleset": row.assessment.ruleset_version,
                    "revision": row.assessment.revision,
                    "tier": row.old_tier,
                },
                after={
                    "ruleset": revision.ruleset_version,
                    "revision": revision.revision,
                    "tier": revision.tier,
                    "new_questions_answered_no": row.unasked,
                },
            )
            moved.append(revision)
    return moved


def _why(row) -> str:
    if row.problems:
        return "its answers need attention under the new rule set (answer again)."
    return row.blocked_by
