"""The audit actions the approvals app writes (see audit/actions.py). Their codes keep the
``governance.`` prefix they had before the approvals app was split out: codes in the trail
never change."""

from django.utils.translation import gettext_lazy as _

from audit.actions import declare

# Requests and decisions
REQUEST_DRAFTED = declare("governance.request_drafted", _("Deployment request drafted"))
REQUEST_SUBMITTED = declare("governance.request_submitted", _("Deployment request submitted"))
REQUEST_WITHDRAWN = declare("governance.request_withdrawn", _("Deployment request withdrawn"))
REQUEST_APPROVED = declare("governance.request_approved", _("Deployment request approved"))
REQUEST_REJECTED = declare("governance.request_rejected", _("Deployment request rejected"))
APPROVAL_RECORDED = declare("governance.approval_recorded", _("Approval recorded"))
DECISION_REFUSED = declare("governance.decision_refused", _("Decision refused"))

# An approval's life after the decision
APPROVAL_REVOKED = declare("governance.approval_revoked", _("Approval revoked"))
APPROVAL_EXPIRED = declare("governance.approval_expired", _("Approval expired"))
APPROVAL_STALED = declare("governance.approval_staled", _("Approval became stale"))

# The deploy gate, deployments, drift and the registry write-back
GATE_ANSWERED = declare("governance.gate_answered", _("Deploy gate answered"))
DEPLOYMENT_RECORDED = declare("governance.deployment_recorded", _("Deployment recorded"))
DRIFT_DETECTED = declare("governance.drift_detected", _("Drift detected"))
DRIFT_RESOLVED = declare("governance.drift_resolved", _("Drift resolved"))
REGISTRY_WRITTEN_BACK = declare(
    "governance.registry_written_back", _("Approval written back to the registry")
)
WRITEBACK_FAILED = declare("governance.writeback_failed", _("Registry write-back failed"))
