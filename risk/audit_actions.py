"""The audit actions the risk app writes (see audit/actions.py). Their codes keep the
``governance.`` prefix they had before the risk app was split out: codes in the trail never
change."""

from django.utils.translation import gettext_lazy as _

from audit.actions import declare, declare_field_label

ASSESSMENT_DRAFT_SAVED = declare(
    "governance.assessment_draft_saved", _("Risk assessment draft saved")
)
ASSESSMENT_SUBMITTED = declare("governance.assessment_submitted", _("Risk assessment submitted"))
RISK_TIER_CHANGED = declare("governance.risk_tier_changed", _("Risk tier changed"))
OBLIGATION_CHANGED = declare("governance.obligation_changed", _("Obligation updated"))
EVIDENCE_ADDED = declare("governance.evidence_added", _("Evidence added"))
ASSESSMENT_PROPOSED = declare(
    "risk.assessment_proposed", _("Risk assessment proposed for confirmation")
)
ASSESSMENT_CONFIRMED = declare("risk.assessment_confirmed", _("Risk assessment confirmed"))
ASSESSMENT_RETURNED = declare("risk.assessment_returned", _("Risk assessment returned"))
ASSESSMENT_MOVED_TO_RULESET = declare(
    "risk.assessment_moved_to_ruleset", _("Risk assessment moved to the current rule set")
)

# Recorded keys of an assessment event that are no field of RiskAssessment.
declare_field_label("decided_by", _("Decided by"))
declare_field_label("second_line", _("Second line"))
