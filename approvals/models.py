"""Deployment approvals: requests, decisions, recorded deployments and governance drift."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import BaseModel
from common.text import COMMENT, JUSTIFICATION, BoundedTextField


class DeploymentRequest(BaseModel):
    """A request to deploy one model version to one environment, and the approval it becomes.

    The state machine is ``TRANSITIONS``; the service checks it and a database trigger refuses
    any other change of ``state`` (even a bulk UPDATE). At most one open request (draft,
    submitted or approved) exists per (version, environment). An approval binds ``fingerprint``:
    a SHA-256 of what the reviewers saw; when it no longer matches, the approval is stale.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")
        STALE = "stale", _("Stale")

    TRANSITIONS: dict[str, tuple[str, ...]] = {
        State.DRAFT: (State.SUBMITTED, State.WITHDRAWN),
        State.SUBMITTED: (State.APPROVED, State.REJECTED, State.WITHDRAWN),
        State.APPROVED: (State.REVOKED, State.EXPIRED, State.STALE),
    }
    OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.APPROVED)

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API (CI)")
        SYSTEM = "system", _("Re-review")

    model_service = models.ForeignKey(
        "catalog.ModelService", on_delete=models.PROTECT, related_name="deployment_requests"
    )
    model_version = models.ForeignKey(
        "catalog.ModelVersion", on_delete=models.PROTECT, related_name="deployment_requests"
    )
    environment = models.CharField(max_length=40)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    justification = BoundedTextField(max_length=JUSTIFICATION)
    metrics = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    links = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    risk_tier = models.CharField(max_length=20, blank=True)
    requirement = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    fingerprint_inputs = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_reason = BoundedTextField(blank=True, max_length=JUSTIFICATION)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded_by"
    )
    writeback_pending = models.BooleanField(default=False)
    writeback_attempts = models.PositiveIntegerField(default=0)
    writeback_error = models.TextField(blank=True)
    writeback_done_at = models.DateTimeField(null=True, blank=True)

    # The table and the audit target type keep their names from before the split into apps
    # (rows in the hash-chained audit trail name it).
    AUDIT_TARGET_TYPE = "governance.deploymentrequest"

    class Meta:
        db_table = "governance_deploymentrequest"
        verbose_name = _("deployment request")
        verbose_name_plural = _("deployment requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_version", "environment"],
                condition=models.Q(state__in=["draft", "submitted", "approved"]),
                name="governance_one_open_request_per_version_env",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="approved")
                | (
                    models.Q(expires_at__isnull=False)
                    & ~models.Q(fingerprint="")
                    & models.Q(decided_at__isnull=False)
                ),
                name="governance_approved_has_fingerprint_and_expiry",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "submitted_at"], name="governance_request_inbox"),
            models.Index(fields=["state", "expires_at"], name="governance_request_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.model_service} v{self.model_version.version} → {self.environment}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    def can_move_to(self, state: str) -> bool:
        return state in self.TRANSITIONS.get(self.state, ())


class ApprovalDecision(BaseModel):
    """One reviewer's approve or reject on one request. Rows never change once written.

    The database holds separation of duties: ``approver`` ≠ ``requester`` (a copy of the
    request's requester, so a CHECK constraint can see it), one decision per approver and
    request, and a trigger refuses a decision on a request that is not awaiting review and any
    UPDATE or DELETE of a decision.
    """

    class Verdict(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")

    request = models.ForeignKey(
        DeploymentRequest, on_delete=models.PROTECT, related_name="decisions"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    comment = BoundedTextField(blank=True, max_length=COMMENT)
    as_compliance = models.BooleanField(
        default=False, help_text="The approver held the compliance-officer role when deciding."
    )
    fingerprint = models.CharField(
        max_length=64, help_text="What the approver saw; only matching approvals count."
    )

    # The table and the audit target type keep their names from before the split into apps
    # (rows in the hash-chained audit trail name it).
    AUDIT_TARGET_TYPE = "governance.approvaldecision"

    class Meta:
        db_table = "governance_approvaldecision"
        verbose_name = _("approval decision")
        verbose_name_plural = _("approval decisions")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "approver"], name="governance_one_decision_per_approver"
            ),
            models.CheckConstraint(
                condition=~models.Q(approver=models.F("requester")),
                name="governance_approver_is_not_requester",
            ),
            models.CheckConstraint(
                condition=~models.Q(verdict="reject") | ~models.Q(comment=""),
                name="governance_reject_needs_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} by {self.approver} on {self.request}"


class Deployment(BaseModel):
    """CI reported that it deployed a version to an environment under a valid approval."""

    model_service = models.ForeignKey(
        "catalog.ModelService", on_delete=models.PROTECT, related_name="deployments"
    )
    model_version = models.ForeignKey(
        "catalog.ModelVersion", on_delete=models.PROTECT, related_name="deployments"
    )
    environment = models.CharField(max_length=40)
    approval = models.ForeignKey(
        DeploymentRequest, on_delete=models.PROTECT, related_name="deployments"
    )
    fingerprint = models.CharField(max_length=64)
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    deployed_at = models.DateTimeField()
    reference = models.CharField(
        max_length=500, blank=True, help_text="CI run URL or release id, as CI reported it."
    )

    # The table and the audit target type keep their names from before the split into apps
    # (rows in the hash-chained audit trail name it).
    AUDIT_TARGET_TYPE = "governance.deployment"

    class Meta:
        db_table = "governance_deployment"
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        ordering = ["-deployed_at"]
        indexes = [models.Index(fields=["model_service", "environment", "-deployed_at"])]

    def __str__(self) -> str:
        return f"{self.model_service} v{self.model_version.version} in {self.environment}"


class DriftFinding(BaseModel):
    """The registry shows a governed alias (e.g. ``production``) on a version that has no valid
    approval for that environment: someone moved it by hand. Open until resolved."""

    model_service = models.ForeignKey(
        "catalog.ModelService", on_delete=models.CASCADE, related_name="drift_findings"
    )
    model_version = models.ForeignKey(
        "catalog.ModelVersion", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    environment = models.CharField(max_length=40)
    alias = models.CharField(max_length=100)
    detail = models.TextField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = BoundedTextField(blank=True, max_length=COMMENT)

    # The table and the audit target type keep their names from before the split into apps
    # (rows in the hash-chained audit trail name it).
    AUDIT_TARGET_TYPE = "governance.driftfinding"

    class Meta:
        db_table = "governance_driftfinding"
        verbose_name = _("drift finding")
        verbose_name_plural = _("drift findings")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_service", "alias", "model_version"],
                condition=models.Q(resolved_at__isnull=True),
                name="governance_one_open_drift_per_alias_version",
            ),
        ]

    def __str__(self) -> str:
        return f"drift: {self.alias} on {self.model_service}"
