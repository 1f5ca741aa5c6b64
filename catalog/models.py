"""What models exist: registries that feed us, catalog entries and their versions."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from common.models import BaseModel
from common.text import COMMENT, JUSTIFICATION, LONG_TEXT, BoundedTextField


class RegistrySource(BaseModel):
    """A model registry that feeds the catalog, addressed by its slug; its kind names the
    adapter (``catalog.registries.<kind>``) that verifies, reads and writes back.

    Deliveries arrive at ``/webhooks/<slug>/`` authenticated with one of the source's active
    secrets (MLflow's HMAC signature, the EventBridge connection's API key, the push API's
    Standard Webhooks signature); Attest reads the registry at ``base_url`` (with optional
    credentials, stored encrypted) to learn the authoritative state after each event and during
    reconciliation. ``settings`` holds the kind's options: ``region``, ``auth_header``,
    ``role_arn``, ``approval_environment`` (SageMaker).
    """

    class Kind(models.TextChoices):
        MLFLOW = "mlflow", "MLflow"
        SAGEMAKER = "sagemaker", _("Amazon SageMaker Model Registry")
        PUSH = "push", _("Push API (TFX, Kubeflow Pipelines, CI)")
        KUBEFLOW = "kubeflow", _("Kubeflow Model Registry")
        VERTEX = "vertex", _("Vertex AI Model Registry")
        AZUREML = "azureml", _("Azure Machine Learning")

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MLFLOW)
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120, blank=True)
    # Blank for the push kind (nothing to read back) and for SageMaker's regional endpoint.
    base_url = models.URLField(max_length=500, blank=True)
    settings = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    is_active = models.BooleanField(default=True)
    # Fernet-encrypted JSON: {"token": ...} or {"username": ..., "password": ...}; "" = none.
    api_credentials_encrypted = models.TextField(blank=True, editable=False)
    last_reconciled_at = models.DateTimeField(null=True, blank=True)
    # Deleting a source keeps it as a row (its catalog entries, inbox and audit trail point at
    # it) but takes it out of every list, refuses its deliveries and drops its credentials.
    deleted_at = models.DateTimeField(null=True, blank=True)
    last_reconcile_summary = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("registry source")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name or self.slug

    @property
    def approval_environment(self) -> str:
        """The environment a registry's single approval status stands for (SageMaker)."""
        return (self.settings or {}).get("approval_environment") or "production"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.MLFLOW and not self.base_url:
            raise ValidationError({"base_url": "MLflow sources need the server's base URL."})
        if self.kind == self.Kind.SAGEMAKER and not self.settings.get("region"):
            raise ValidationError({"region": "SageMaker sources need an AWS region."})
        if self.kind == self.Kind.KUBEFLOW and not self.base_url:
            raise ValidationError(
                {"base_url": "Kubeflow sources need the Model Registry's REST server URL."}
            )
        if self.kind == self.Kind.AZUREML:
            missing = [
                k
                for k in ("subscription", "resource_group", "workspace")
                if not self.settings.get(k)
            ]
            if missing:
                raise ValidationError(
                    {
                        k: "Azure ML sources need the subscription, resource group and workspace."
                        for k in missing
                    }
                )
        if self.kind == self.Kind.VERTEX:
            missing = [k for k in ("project", "location") if not self.settings.get(k)]
            if missing:
                raise ValidationError(
                    {
                        k: "Vertex AI sources need the Google Cloud project and location."
                        for k in missing
                    }
                )


class WebhookSecret(BaseModel):
    """One shared secret a registry signs deliveries with. Several may be active at once, so a
    secret can be rotated without dropping deliveries; retired ones no longer verify. Stored
    encrypted; shown once, at creation."""

    source = models.ForeignKey(RegistrySource, on_delete=models.CASCADE, related_name="secrets")
    label = models.CharField(max_length=120, blank=True)
    secret_encrypted = models.TextField(editable=False)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook secret")
        ordering = ["source", "-created_at"]

    def __str__(self) -> str:
        return f"{self.source.slug}: {self.label or self.created_at:%Y-%m-%d}"


class WebhookDelivery(BaseModel):
    """The inbox: one row per verified delivery, stored raw before anything else happens.

    Unique on (source, delivery id) and inserted with one ``INSERT ... ON CONFLICT``, so retries
    and duplicates add nothing (they count themselves in ``duplicates``). The inbox is the queue:
    drainers claim pending rows in batches (``FOR UPDATE SKIP LOCKED``), the sweeper hands back
    rows a dead drainer left "processing", so neither a lost broker queue nor a dead worker loses
    an event. ``attempts`` is counted before each try, so a delivery that kills its worker every
    time still ends up failed instead of looping forever; ``retry_at`` delays the next try after
    a failure (the registry was down).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        FAILED = "failed", _("Failed")

    DONE = (Status.PROCESSED, Status.IGNORED)

    source = models.ForeignKey(RegistrySource, on_delete=models.PROTECT, related_name="deliveries")
    delivery_id = models.CharField(max_length=100)
    signed_at = models.DateTimeField(
        help_text=_(
            "When the registry signed or sent it (X-MLflow-Timestamp, webhook-timestamp, "
            "the EventBridge event's time)."
        )
    )
    entity = models.CharField(max_length=60)
    action = models.CharField(max_length=60)
    body = models.TextField(help_text=_("The raw body exactly as received."))
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(
        default=0, help_text=_("Identical re-deliveries seen.")
    )
    last_error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=300, blank=True)
    retry_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Not tried again before this time (after a failure).")
    )

    class Meta:
        verbose_name = _("webhook delivery")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "delivery_id"], name="catalog_unique_delivery_per_source"
            )
        ]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.source.slug} {self.entity}.{self.action} {self.delivery_id}"


class ModelService(BaseModel):
    """A catalog entry: one machine-learning model the company runs, with its business metadata.

    The metadata is what a stakeholder or auditor needs to understand the model without reading
    code (purpose, intended use and users, data, limitations...), kept by the owning team. The
    registry name is a mutable attribute: a rename in the registry keeps the same catalog id.
    ``risk_tier`` is the current EU AI Act tier, set by the risk assessment.
    """

    class Lifecycle(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        DEVELOPMENT = "development", _("In development")
        VALIDATION = "validation", _("In validation")
        PRODUCTION = "production", _("In production")
        DEPRECATED = "deprecated", _("Deprecated")
        RETIRED = "retired", _("Retired")

    class RiskTier(models.TextChoices):
        UNASSESSED = "unassessed", _("Not assessed")
        MINIMAL = "minimal", _("Minimal")
        LIMITED = "limited", _("Limited")
        HIGH = "high", _("High")
        PROHIBITED = "prohibited", _("Prohibited")

    name = models.CharField(
        max_length=200, unique=True, help_text=_("Unique name, as CI refers to it.")
    )
    registry_source = models.ForeignKey(
        RegistrySource, null=True, blank=True, on_delete=models.PROTECT, related_name="models"
    )
    registry_name = models.CharField(max_length=300, blank=True)
    owner_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="models"
    )
    description = BoundedTextField(blank=True, max_length=LONG_TEXT)
    purpose = BoundedTextField(_("Purpose and business context"), blank=True, max_length=LONG_TEXT)
    intended_use = BoundedTextField(blank=True, max_length=LONG_TEXT)
    intended_users = BoundedTextField(blank=True, max_length=LONG_TEXT)
    out_of_scope_use = BoundedTextField(_("Out-of-scope use"), blank=True, max_length=LONG_TEXT)
    stakeholders = BoundedTextField(
        blank=True,
        max_length=LONG_TEXT,
        help_text=_("People and functions affected or accountable."),
    )
    training_data = BoundedTextField(_("Training data"), blank=True, max_length=LONG_TEXT)
    input_features = BoundedTextField(blank=True, max_length=LONG_TEXT)
    reproduction = BoundedTextField(_("Reproduction guidelines"), blank=True, max_length=LONG_TEXT)
    parameters = BoundedTextField(blank=True, max_length=LONG_TEXT)
    results = BoundedTextField(blank=True, max_length=LONG_TEXT)
    limitations = BoundedTextField(blank=True, max_length=LONG_TEXT)
    lifecycle_status = models.CharField(
        max_length=20, choices=Lifecycle.choices, default=Lifecycle.DEVELOPMENT, db_index=True
    )
    risk_tier = models.CharField(
        _("risk tier"),
        max_length=20,
        choices=RiskTier.choices,
        default=RiskTier.UNASSESSED,
        db_index=True,
    )
    # Share of the current obligations met or justified not applicable (set by governance).
    obligations_completeness = models.PositiveSmallIntegerField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    # What the registry says, kept apart from the team's metadata above.
    registry_description = models.TextField(blank=True)
    registry_tags = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    registry_created_at = models.DateTimeField(null=True, blank=True)
    registry_updated_at = models.DateTimeField(null=True, blank=True)
    registry_deleted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Gone from the registry: kept here, never dropped.")
    )
    # [{"name": old registry name, "until": ISO time}], newest last.
    registry_name_history = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("model service")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["registry_source", "registry_name"],
                condition=~models.Q(registry_name=""),
                name="catalog_unique_registry_name_per_source",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ModelVersion(BaseModel):
    """One registered version of a catalog entry, as the registry knows it.

    Tags, aliases and metrics are copied from the registry; ``registry_created_at`` /
    ``registry_updated_at`` are the registry's own clocks (used to ignore stale events).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending registration")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Registration failed")

    model_service = models.ForeignKey(
        ModelService, on_delete=models.CASCADE, related_name="versions"
    )
    version = models.CharField(max_length=64)
    # Registries give versions as strings ("7"); this integer keeps "10" after "9" when sorting.
    version_number = models.PositiveIntegerField(null=True, blank=True)
    description = models.TextField(blank=True)
    source_uri = models.CharField(max_length=1000, blank=True)
    run_id = models.CharField(max_length=64, blank=True)
    tags = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    aliases = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    metrics = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.READY)
    # The registry's own approval status where it has one (SageMaker's ModelApprovalStatus:
    # Approved / Rejected / PendingManualApproval); "" for registries without one.
    registry_approval_status = models.CharField(max_length=40, blank=True)
    registry_created_at = models.DateTimeField(null=True, blank=True)
    registry_updated_at = models.DateTimeField(null=True, blank=True)
    registry_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("model version")
        ordering = ["model_service", "-version_number", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_service", "version"], name="catalog_unique_version_per_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_service.name} v{self.version}"


class ModelServiceUserPermission(UserObjectPermissionBase):
    """Object permission on a catalog entry granted to one user (read-only stakeholder sharing).

    A direct foreign key (not django-guardian's generic table) keeps the visibility query a
    plain indexed join. Rows are written only by ``catalog.services`` (audited).
    """

    content_object = models.ForeignKey(ModelService, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("model service user permission")
        abstract = False


class ModelServiceGroupPermission(GroupObjectPermissionBase):
    """Object permission on a catalog entry granted to a group: a team's membership group
    (view + change for the owning team) or any group a model is shared with (view)."""

    content_object = models.ForeignKey(ModelService, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("model service group permission")
        abstract = False


class TeamMoveRequest(BaseModel):
    """A proposal to hand a model from the team that owns it to another team.

    Who owns a model decides who sees it, who edits it and which reviewer pool decides its
    deployment requests, so ownership never changes on one side's say-so (red-team finding 2: a
    model owner could pick another team, and with it the reviewers, from the metadata form). The
    owning team's model owners (or an admin) ask; a model owner of the receiving team (or an
    admin), never the person who asked, accepts or declines; the asker or the owning team may
    cancel while it is pending. Only acceptance moves the model and its team access
    (``catalog.services.team_move_accept``). At most one move per model is pending, a model is
    never "moved" to its own team, and only a pending move is decided (the database holds all
    three, see migration 0004).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    # Only a pending move changes state, and only once: a decided move is history.
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        State.PENDING: (State.ACCEPTED, State.DECLINED, State.CANCELLED),
    }

    model_service = models.ForeignKey(
        ModelService, on_delete=models.CASCADE, related_name="team_moves"
    )
    from_team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="+", verbose_name=_("from team")
    )
    to_team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="+", verbose_name=_("to team")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = BoundedTextField(_("reason"), max_length=JUSTIFICATION)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = BoundedTextField(_("decision comment"), blank=True, max_length=COMMENT)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("team move request")
        verbose_name_plural = _("team move requests")
        constraints = [
            models.UniqueConstraint(
                fields=["model_service"],
                condition=models.Q(state="pending"),
                name="catalog_one_pending_team_move_per_model",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_team=models.F("to_team")),
                name="catalog_team_move_to_another_team",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "accepted", "declined", "cancelled"]),
                name="catalog_team_move_known_state",
            ),
            # Pending: undecided. Decided: by someone, at a time.
            models.CheckConstraint(
                condition=(
                    models.Q(state="pending", decided_by__isnull=True, decided_at__isnull=True)
                    | (
                        ~models.Q(state="pending")
                        & models.Q(decided_by__isnull=False, decided_at__isnull=False)
                    )
                ),
                name="catalog_team_move_decided_fields",
            ),
            # Four eyes: whoever asked does not also accept for the receiving team.
            models.CheckConstraint(
                condition=~models.Q(state="accepted", decided_by=models.F("requested_by")),
                name="catalog_team_move_not_accepted_by_requester",
            ),
        ]
        indexes = [models.Index(fields=["to_team", "state"], name="catalog_team_move_inbox")]

    def __str__(self) -> str:
        return f"{self.model_service}: {self.from_team} → {self.to_team} ({self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING

    def can_move_to(self, state: str) -> bool:
        return state in self.TRANSITIONS.get(self.state, ())
