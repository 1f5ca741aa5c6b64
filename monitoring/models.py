"""How a model behaves in production: metrics, thresholds, alerts, input schemas, incidents and
recertification reviews (EU AI Act Art. 72 post-market monitoring, Art. 73 serious incidents)."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import BaseModel
from common.text import COMMENT, LONG_TEXT, BoundedTextField

# The largest finite float: the CHECK below refuses NaN and ±Infinity on PostgreSQL and SQLite
# alike (PostgreSQL sorts NaN above every number; SQLite has no literal for infinity).
_FLOAT_MAX = sys.float_info.max


class MetricPoint(BaseModel):
    """One value of one production metric of one deployed version, as a monitoring job or CI
    reported it through ``POST /api/v1/metrics/``. Rows are only ever added (a batch at a time,
    all or nothing); ``batch_id`` ties the rows of one batch to its audit event.

    The database refuses non-finite values: a NaN in a time series poisons every chart and
    comparison after it.
    """

    model_service = models.ForeignKey(
        "catalog.ModelService", on_delete=models.PROTECT, related_name="metric_points"
    )
    model_version = models.ForeignKey(
        "catalog.ModelVersion", on_delete=models.PROTECT, related_name="metric_points"
    )
    environment = models.CharField(max_length=40)
    metric = models.CharField(max_length=200)
    slice = models.CharField(
        max_length=200, blank=True, help_text=_("Sub-population (e.g. 'age<25'); empty: overall.")
    )
    value = models.FloatField()
    observed_at = models.DateTimeField()
    batch_id = models.UUIDField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("metric point")
        ordering = ["observed_at"]
        indexes = [
            models.Index(
                fields=["model_service", "metric", "environment", "observed_at"],
                name="monitoring_metric_series",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gte=-_FLOAT_MAX) & models.Q(value__lte=_FLOAT_MAX),
                name="monitoring_metric_value_finite",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric}={self.value} ({self.environment}, {self.observed_at:%Y-%m-%d %H:%M})"


class Threshold(BaseModel):
    """What the owning team expects of one metric of a model in production.

    Absolute bounds (``min_value`` / ``max_value``) and a largest relative drop versus the value
    recorded when the running version was approved (``max_relative_drop``, a fraction: 0.05 =
    5 %). An empty ``environment`` applies to every environment without its own threshold.
    Evaluated on every metric batch; a breach opens an alert.
    """

    model_service = models.ForeignKey(
        "catalog.ModelService", on_delete=models.CASCADE, related_name="thresholds"
    )
    metric = models.CharField(max_length=200)
    environment = models.CharField(
        max_length=40, blank=True, help_text=_("Empty: every environment.")
    )
    min_value = models.FloatField(null=True, blank=True)
    max_value = models.FloatField(null=True, blank=True)
    max_relative_drop = models.FloatField(
        null=True, blank=True, help_text=_("Fraction of the value at approval time (0.05 = 5 %).")
    )
    mark_for_rereview = models.BooleanField(
        default=False,
        help_text=_("A breach marks the approval in force stale and opens a re-review request."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("threshold")
        ordering = ["metric", "environment"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_service", "metric", "environment"],
                name="monitoring_one_threshold_per_metric_env",
            ),
            models.CheckConstraint(
                condition=models.Q(min_value__isnull=False)
                | models.Q(max_value__isnull=False)
                | models.Q(max_relative_drop__isnull=False),
                name="monitoring_threshold_has_a_bound",
            ),
            models.CheckConstraint(
                condition=models.Q(min_value__isnull=True)
                | models.Q(max_value__isnull=True)
                | models.Q(min_value__lte=models.F("max_value")),
                name="monitoring_threshold_min_le_max",
            ),
            models.CheckConstraint(
                condition=models.Q(max_relative_drop__isnull=True)
                | (models.Q(max_relative_drop__gt=0) & models.Q(max_relative_drop__lte=1)),
                name="monitoring_threshold_drop_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} ({self.environment or 'all environments'})"

    @property
    def drop_percent(self) -> float | None:
        return None if self.max_relative_drop is None else round(self.max_relative_drop * 100, 4)


class Alert(BaseModel):
    """Something in production needs a person's attention: a metric beyond its threshold, a
    deployment older than its tier allows, an input schema that changed, an incident report
    past its Art. 73 deadline, a recertification review past its due date.

    At most one alert is active (open or acknowledged) per model, kind, environment, metric
    and subject (the database holds it): a condition that keeps breaching counts
    ``occurrences`` on the same alert instead of opening a new one. The state machine is
    ``TRANSITIONS``; resolving needs a comment.
    """

    class Kind(models.TextChoices):
        BELOW_MINIMUM = "below_minimum", _("Below minimum")
        ABOVE_MAXIMUM = "above_maximum", _("Above maximum")
        RELATIVE_DROP = "relative_drop", _("Dropped since approval")
        STALE_IN_PRODUCTION = "stale_in_production", _("Stale in production")
        SCHEMA_MISMATCH = "schema_mismatch", _("Input schema changed")
        INCIDENT_OVERDUE = "incident_overdue", _("Incident report overdue")
        REVIEW_OVERDUE = "review_overdue", _("Recertification overdue")
        BUDGET_EXCEEDED = "budget_exceeded", _("Over budget")
        BUDGET_FORECAST = "budget_forecast", _("Forecast over budget")

    METRIC_KINDS = (Kind.BELOW_MINIMUM, Kind.ABOVE_MAXIMUM, Kind.RELATIVE_DROP)

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    TRANSITIONS: dict[str, tuple[str, ...]] = {
        State.OPEN: (State.ACKNOWLEDGED, State.RESOLVED),
        State.ACKNOWLEDGED: (State.RESOLVED,),
    }
    ACTIVE_STATES = (State.OPEN, State.ACKNOWLEDGED)

    model_service = models.ForeignKey(
        "catalog.ModelService", on_delete=models.PROTECT, related_name="alerts"
    )
    model_version = models.ForeignKey(
        "catalog.ModelVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    environment = models.CharField(max_length=40, blank=True)
    metric = models.CharField(max_length=200, blank=True)
    subject = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("What else tells alerts of one kind apart (incident id, review id, version)."),
    )
    title = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    observed_value = models.FloatField(null=True, blank=True)
    limit_value = models.FloatField(null=True, blank=True)
    context = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    threshold = models.ForeignKey(
        Threshold, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    approval = models.ForeignKey(
        "approvals.DeploymentRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The approval in force for this version and environment when it opened."),
    )
    rereview_requested = models.BooleanField(default=False)
    occurrences = models.PositiveIntegerField(default=1)
    last_seen_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledge_comment = BoundedTextField(blank=True, max_length=COMMENT)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolve_comment = BoundedTextField(blank=True, max_length=COMMENT)

    class Meta:
        verbose_name = _("alert")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_service", "kind", "environment", "metric", "subject"],
                condition=models.Q(state__in=["open", "acknowledged"]),
                name="monitoring_one_active_alert_per_key",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="resolved")
                | (models.Q(resolved_at__isnull=False) & ~models.Q(resolve_comment="")),
                name="monitoring_resolved_alert_has_comment",
            ),
        ]
        indexes = [models.Index(fields=["state", "model_service"], name="monitoring_alert_state")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    def can_move_to(self, state: str) -> bool:
        return state in self.TRANSITIONS.get(self.state, ())


class InputSchema(BaseModel):
    """The input features (name → type) a version saw in one environment, as CI or monitoring
    posted it. One schema per (version, environment) is the reference — the first posted once
    the version was approved there, or one posted explicitly as the reference; later schemas are
    compared with it and a difference opens an alert."""

    model_service = models.ForeignKey(
        "catalog.ModelService", on_delete=models.PROTECT, related_name="input_schemas"
    )
    model_version = models.ForeignKey(
        "catalog.ModelVersion", on_delete=models.PROTECT, related_name="input_schemas"
    )
    environment = models.CharField(max_length=40)
    features = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    is_reference = models.BooleanField(default=False)
    compared_with = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    differences = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("input schema")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_version", "environment"],
                condition=models.Q(is_reference=True),
                name="monitoring_one_reference_schema",
            ),
        ]

    def __str__(self) -> str:
        kind = "reference" if self.is_reference else "observed"
        return f"{kind} schema of {self.model_version} in {self.environment}"


class Incident(BaseModel):
    """A malfunction or harm caused by a model, in the model's incident register.

    A serious incident (Art. 3(49)) must be reported to the market-surveillance authority
    within the Art. 73 deadline, counted from when the provider became aware: 15 days in
    general, 10 days after a death, 2 days for a widespread infringement or a serious
    disruption of critical infrastructure (``monitoring.deadlines``). An initial, incomplete
    report meets the deadline and may be followed by a complete one. ``report_deadline`` is
    set by the service from the category and the awareness time.
    """

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class SeriousCategory(models.TextChoices):
        GENERAL = "general", _("Serious incident — report within 15 days (Art. 73(2))")
        DEATH = "death", _("Death of a person — report within 10 days (Art. 73(4))")
        WIDESPREAD = (
            "widespread",
            _(
                "Widespread infringement or critical-infrastructure disruption — 2 days "
                "(Art. 73(3))"
            ),
        )

    class ReportStage(models.TextChoices):
        NONE = "none", _("Not reported")
        INITIAL = "initial", _("Initial (incomplete) report sent")
        COMPLETE = "complete", _("Complete report sent")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    model_service = models.ForeignKey(
        "catalog.ModelService", on_delete=models.PROTECT, related_name="incidents"
    )
    model_version = models.ForeignKey(
        "catalog.ModelVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=300)
    description = BoundedTextField(max_length=LONG_TEXT)
    severity = models.CharField(max_length=20, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    serious = models.BooleanField(default=False)
    serious_category = models.CharField(max_length=20, choices=SeriousCategory.choices, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    aware_at = models.DateTimeField(help_text=_("When the provider became aware (Art. 73 clock)."))
    affected_people = BoundedTextField(blank=True, max_length=LONG_TEXT)
    corrective_actions = BoundedTextField(blank=True, max_length=LONG_TEXT)
    report_deadline = models.DateTimeField(null=True, blank=True)
    report_stage = models.CharField(
        max_length=20, choices=ReportStage.choices, default=ReportStage.NONE
    )
    authority_reported_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the first report reached the authority.")
    )
    complete_report_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # The report deadline the "deadline near" event was sent for: once per incident and
    # deadline (a changed category or awareness time moves the deadline and warns again).
    deadline_warned_for = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("incident")
        ordering = ["-aware_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(serious=True) & ~models.Q(serious_category=""))
                | (models.Q(serious=False) & models.Q(serious_category="")),
                name="monitoring_serious_incident_has_category",
            ),
            models.CheckConstraint(
                condition=models.Q(report_stage="none")
                | models.Q(authority_reported_at__isnull=False),
                name="monitoring_reported_incident_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(report_stage="complete")
                | models.Q(complete_report_at__isnull=False),
                name="monitoring_complete_report_has_date",
            ),
        ]
        indexes = [
            models.Index(
                fields=["serious", "report_stage", "report_deadline"],
                name="monitoring_incident_deadline",
            )
        ]

    def __str__(self) -> str:
        return self.title


class RecertificationReview(BaseModel):
    """A periodic review of a model in production (how often depends on its risk tier): is it
    still fit for purpose, are its metrics, incidents and documentation in order? At most one
    open review per model; completing one records its outcome and schedules the next."""

    class Outcome(models.TextChoices):
        RECERTIFIED = "recertified", _("Recertified")
        CHANGES_REQUIRED = "changes_required", _("Changes required")
        RETIRE = "retire", _("Retire the model")

    model_service = models.ForeignKey(
        "catalog.ModelService", on_delete=models.PROTECT, related_name="recertifications"
    )
    tier = models.CharField(max_length=20)
    due_on = models.DateField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    comment = BoundedTextField(blank=True, max_length=COMMENT)

    class Meta:
        verbose_name = _("recertification review")
        ordering = ["-due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_service"],
                condition=models.Q(completed_at__isnull=True),
                name="monitoring_one_open_review_per_model",
            ),
            models.CheckConstraint(
                condition=models.Q(completed_at__isnull=True)
                | (~models.Q(outcome="") & ~models.Q(comment="")),
                name="monitoring_completed_review_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Recertification of {self.model_service} due {self.due_on:%Y-%m-%d}"
