"""What was decided about a model: its EU AI Act risk assessment, obligations and evidence."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from catalog.models import ModelService
from common.models import BaseModel


class RiskAssessment(BaseModel):
    """One revision of a model's EU AI Act questionnaire and its classification.

    Each submission is a new, numbered revision; earlier ones stay readable. At most one draft
    per model holds unfinished answers. ``subject`` is a snapshot of what was assessed (intended
    use, tags...), so a later change to those marks the assessment for review.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    model_service = models.ForeignKey(
        "catalog.ModelService", on_delete=models.CASCADE, related_name="risk_assessments"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(null=True, blank=True)
    ruleset_version = models.CharField(max_length=60)
    answers = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    result = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    tier = models.CharField(max_length=20, blank=True, choices=ModelService.RiskTier.choices)
    internal_rating = models.CharField(max_length=10, blank=True)
    subject = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["model_service", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_service", "revision"],
                condition=models.Q(revision__isnull=False),
                name="governance_unique_revision",
            ),
            models.UniqueConstraint(
                fields=["model_service"],
                condition=models.Q(status="draft"),
                name="governance_one_draft_per_model",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_service} assessment r{self.revision or 'draft'}"


class Obligation(BaseModel):
    """One item of a model's obligations checklist (from its current assessment), with its
    owner, due date and evidence. "Not applicable" needs a justification."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        MET = "met", "Met"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    DONE = (Status.MET, Status.NOT_APPLICABLE)

    model_service = models.ForeignKey(
        "catalog.ModelService", on_delete=models.CASCADE, related_name="obligations"
    )
    assessment = models.ForeignKey(
        RiskAssessment, on_delete=models.CASCADE, related_name="obligations"
    )
    code = models.CharField(max_length=60)
    article = models.CharField(max_length=80)
    title = models.CharField(max_length=300)
    applies_from = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    justification = models.TextField(blank=True)
    is_current = models.BooleanField(
        default=True, db_index=True, help_text="Belongs to the model's latest assessment."
    )

    class Meta:
        ordering = ["model_service", "article", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "code"], name="governance_unique_obligation_per_assessment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article} {self.title}"


class Evidence(BaseModel):
    """A file or a link proving an obligation is met. Files are stored with their SHA-256."""

    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="evidence/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    link = models.URLField(max_length=1000, blank=True)
    description = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | ~models.Q(link=""),
                name="governance_evidence_file_or_link",
            ),
        ]

    def __str__(self) -> str:
        return self.file_name or self.link


# --- Deployment approvals -------------------------------------------------------------------
class DeploymentRequest(BaseModel):
    """A request to deploy one model version to one environment, and the approval it becomes.

    The state machine is ``TRANSITIONS``; the service checks it and a database trigger refuses
    any other change of ``state`` (even a bulk UPDATE). At most one open request (draft,
    submitted or approved) exists per (version, environment). An approval binds ``fingerprint``:
    a SHA-256 of what the reviewers saw; when it no longer matches, the approval is stale.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Awaiting review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"
        STALE = "stale", "Stale"

    TRANSITIONS: dict[str, tuple[str, ...]] = {
        State.DRAFT: (State.SUBMITTED, State.WITHDRAWN),
        State.SUBMITTED: (State.APPROVED, State.REJECTED, State.WITHDRAWN),
        State.APPROVED: (State.REVOKED, State.EXPIRED, State.STALE),
    }
    OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.APPROVED)

    class Channel(models.TextChoices):
        WEB = "web", "Web"
        API = "api", "API (CI)"
        SYSTEM = "system", "Re-review"

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
    justification = models.TextField()
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
    closed_reason = models.TextField(blank=True)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded_by"
    )
    writeback_pending = models.BooleanField(default=False)
    writeback_attempts = models.PositiveIntegerField(default=0)
    writeback_error = models.TextField(blank=True)
    writeback_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"

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
    comment = models.TextField(blank=True)
    as_compliance = models.BooleanField(
        default=False, help_text="The approver held the compliance-officer role when deciding."
    )
    fingerprint = models.CharField(
        max_length=64, help_text="What the approver saw; only matching approvals count."
    )

    class Meta:
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

    class Meta:
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
    resolution = models.TextField(blank=True)

    class Meta:
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


# --- Generated documents --------------------------------------------------------------------
class GeneratedDocument(BaseModel):
    """One generated version of a model card, Annex IV technical documentation or portfolio
    report, rendered to PDF by a Celery task and kept forever.

    ``content_hash`` is a SHA-256 over the document's content without its generation time and
    id, so regenerating from identical inputs gives the same hash; ``inputs_hash`` covers the
    data it was composed from and ``template_version`` the layout. ``file_sha256`` is the hash
    of the stored PDF bytes (which carry the time and differ).
    """

    class Kind(models.TextChoices):
        MODEL_CARD = "model_card", "Model card"
        ANNEX_IV = "annex_iv", "Technical documentation (Annex IV)"
        PORTFOLIO = "portfolio", "Portfolio compliance report"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_label = models.CharField(max_length=120, blank=True)
    model_service = models.ForeignKey(
        "catalog.ModelService",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    model_version = models.ForeignKey(
        "catalog.ModelVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    parameters = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revision = models.PositiveIntegerField(default=1)
    template_version = models.CharField(max_length=40, blank=True)
    inputs_hash = models.CharField(max_length=64, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    file = models.FileField(upload_to="documents/%Y/%m/", blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    generated_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["kind", "model_version", "-created_at"]),
            models.Index(fields=["status", "updated_at"]),
        ]

    def __str__(self) -> str:
        subject = (
            f"{self.model_service} v{self.model_version.version}"
            if self.model_version_id
            else "portfolio"
        )
        return f"{self.get_kind_display()} r{self.revision} — {subject}"

    @property
    def download_name(self) -> str:
        base = {
            self.Kind.MODEL_CARD: "model-card",
            self.Kind.ANNEX_IV: "annex-iv",
            self.Kind.PORTFOLIO: "portfolio-report",
        }[self.kind]
        if self.model_version_id:
            from django.utils.text import slugify  # user text never becomes a path

            subject = slugify(f"{self.model_service.name}-v{self.model_version.version}")[:120]
            return f"{base}-{subject}-r{self.revision}.pdf"
        return f"{base}-r{self.revision}.pdf"
