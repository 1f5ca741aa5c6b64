"""What was assessed about a model under the EU AI Act: its risk assessments, the obligations
they bring and the evidence that meets them."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import ModelService
from common.models import BaseModel
from common.text import COMMENT, JUSTIFICATION, BoundedTextField


class RiskAssessment(BaseModel):
    """One revision of a model's EU AI Act questionnaire and its classification.

    Each submission is a new, numbered revision; earlier ones stay readable. At most one draft
    per model holds unfinished answers. ``subject`` is a snapshot of what was assessed (intended
    use, tags...), so a later change to those marks the assessment for review.

    Second line of defence: a revision submitted by anyone but a compliance officer is a
    *proposal* (``PROPOSED``). It takes effect (``SUBMITTED``, "in force") only when a
    compliance officer other than the submitter confirms it; until then the model keeps its
    tier, and approvals follow the stricter of the two. The database refuses a confirmer who is
    the submitter, as it refuses an approver who is the requester. This closes the red-team
    finding of an owner lowering her own model's tier to skip the high-risk approval rule.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROPOSED = "proposed", _("Awaiting confirmation")
        SUBMITTED = "submitted", _("In force")
        RETURNED = "returned", _("Returned")
        SUPERSEDED = "superseded", _("Superseded")

    model_service = models.ForeignKey(
        "catalog.ModelService", on_delete=models.CASCADE, related_name="risk_assessments"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(null=True, blank=True)
    ruleset_version = models.CharField(max_length=60)
    answers = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    result = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    tier = models.CharField(
        _("tier"), max_length=20, blank=True, choices=ModelService.RiskTier.choices
    )
    internal_rating = models.CharField(_("internal rating"), max_length=10, blank=True)
    subject = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    review_comment = BoundedTextField(blank=True, max_length=COMMENT)

    # The table and the audit target type keep their names from before the split into apps
    # (rows in the hash-chained audit trail name it).
    AUDIT_TARGET_TYPE = "governance.riskassessment"

    class Meta:
        verbose_name = _("risk assessment")
        db_table = "governance_riskassessment"
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
            models.UniqueConstraint(
                fields=["model_service"],
                condition=models.Q(status="proposed"),
                name="risk_one_proposal_per_model",
            ),
            # Separation of duties: nobody confirms their own proposal.
            models.CheckConstraint(
                condition=models.Q(confirmed_by__isnull=True)
                | models.Q(submitted_by__isnull=True)
                | ~models.Q(confirmed_by=models.F("submitted_by")),
                name="risk_confirmer_is_not_submitter",
            ),
        ]

    def __str__(self) -> str:
        if self.revision is None:
            return f"{self.model_service} assessment (draft)"
        return f"{self.model_service} assessment revision {self.revision}"

    @property
    def is_proposal(self) -> bool:
        return self.status == self.Status.PROPOSED


class Obligation(BaseModel):
    """One item of a model's obligations checklist (from its current assessment), with its
    owner, due date and evidence. "Met" needs evidence or a justification, "not applicable" a
    justification; who certified either, and when, is kept (and audited)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        MET = "met", _("Met")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

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
    justification = BoundedTextField(blank=True, max_length=JUSTIFICATION)
    # Who certified it met or not applicable, and when (cleared when it is reopened).
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    certified_at = models.DateTimeField(null=True, blank=True)
    is_current = models.BooleanField(
        default=True, db_index=True, help_text=_("Belongs to the model's latest assessment.")
    )

    # The table and the audit target type keep their names from before the split into apps
    # (rows in the hash-chained audit trail name it).
    AUDIT_TARGET_TYPE = "governance.obligation"

    class Meta:
        verbose_name = _("obligation")
        db_table = "governance_obligation"
        ordering = ["model_service", "article", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "code"], name="governance_unique_obligation_per_assessment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article} {self.title}"

    @property
    def is_overdue(self) -> bool:
        """Due before today and not done yet."""
        return bool(
            self.due_date and self.status not in self.DONE and self.due_date < timezone.localdate()
        )


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

    # The table and the audit target type keep their names from before the split into apps
    # (rows in the hash-chained audit trail name it).
    AUDIT_TARGET_TYPE = "governance.evidence"

    class Meta:
        verbose_name = _("evidence")
        db_table = "governance_evidence"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | ~models.Q(link=""),
                name="governance_evidence_file_or_link",
            ),
        ]

    def __str__(self) -> str:
        return self.file_name or self.link
