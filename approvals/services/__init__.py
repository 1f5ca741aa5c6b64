"""Every state change of deployment requests, approvals and deployments. Each is audited.

Rules enforced here (and again by the database, see migration 0003): the transition table
``DeploymentRequest.TRANSITIONS``; approver ≠ requester; one decision per approver; one open
request per (version, environment); the approval binds a fingerprint and expires. Side effects
(e-mail, registry write-back) run after commit in Celery.
"""

from approvals.services._common import Conflict, GateRefused, links_clean, metrics_clean
from approvals.services.decisions import deployment_request_decide
from approvals.services.deployments import deployment_record, drift_check
from approvals.services.lifecycle import (
    approval_mark_for_rereview,
    approval_revoke,
    approvals_due_for_reminder,
    approvals_expire,
    approvals_refresh,
)
from approvals.services.requests import (
    deployment_request_create,
    deployment_request_submit,
    deployment_request_withdraw,
)

__all__ = [
    "Conflict",
    "GateRefused",
    "approval_mark_for_rereview",
    "approval_revoke",
    "approvals_due_for_reminder",
    "approvals_expire",
    "approvals_refresh",
    "deployment_record",
    "deployment_request_create",
    "deployment_request_decide",
    "deployment_request_submit",
    "deployment_request_withdraw",
    "drift_check",
    "links_clean",
    "metrics_clean",
]
