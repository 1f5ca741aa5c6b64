"""Usage and cost of the models in production: FOCUS billing imports and their cost rows, and
the daily usage of each deployment read from Prometheus.

Cost rows keep what the bill says (currency per row, credits as negative amounts) and are never
dropped: a row whose resource tag names no model is *unmatched* cost, reported as such.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import BaseModel


class CostImport(BaseModel):
    """One FOCUS billing file imported: who sent it, its SHA-256 and what it did.

    The cost rows of a billing account and month belong to the latest import covering them: a
    corrected re-export replaces them, and the same file twice leaves the totals as they were.
    """

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        PARQUET = "parquet", _("Parquet")

    class CostColumn(models.TextChoices):
        EFFECTIVE = "EffectiveCost", _("Effective cost (amortised, after discounts)")
        BILLED = "BilledCost", _("Billed cost (as invoiced)")

    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, db_index=True)
    file_format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    cost_column = models.CharField(
        _("cost column"), max_length=20, choices=CostColumn.choices, default=CostColumn.EFFECTIVE
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rows_read = models.PositiveBigIntegerField(_("rows read"), default=0)
    rows_matched = models.PositiveBigIntegerField(_("rows matched"), default=0)
    rows_unmatched = models.PositiveBigIntegerField(_("rows unmatched"), default=0)
    rows_replaced = models.PositiveBigIntegerField(_("earlier rows replaced"), default=0)
    # [{"billing_account_id": ..., "month": "YYYY-MM", "rows_removed": n}, ...]
    periods = models.JSONField(_("periods"), default=list)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("cost import")
        verbose_name_plural = _("cost imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows_read} rows)"


class CostRow(models.Model):
    """One FOCUS row: an amount in its billing currency for a charge period of one billing
    account, matched to a catalog model by its resource tag or left unmatched (never dropped).

    ``month`` is the first day of the UTC month of ``ChargePeriodStart``. ``deployment`` is the
    matched model's deployment the second tag names (by id, or by environment: the deployment
    live there during the charge period); a row the second tag does not match keeps none.
    A plain integer key: a billing export has millions of rows and nothing links to one row
    from outside.
    """

    id = models.BigAutoField(primary_key=True)
    cost_import = models.ForeignKey(CostImport, on_delete=models.CASCADE, related_name="rows")
    billing_account_id = models.CharField(max_length=255)
    charge_period_start = models.DateTimeField()
    charge_period_end = models.DateTimeField()
    month = models.DateField()
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=24, decimal_places=10)
    model_service = models.ForeignKey(
        "catalog.ModelService",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cost_rows",
    )
    tag_value = models.CharField(max_length=255, blank=True)  # the model tag as billed
    service_name = models.CharField(max_length=255, blank=True)
    # The second tag (ATTEST_COST_DEPLOYMENT_TAG): one deployment of the matched model, or none.
    deployment = models.ForeignKey(
        "approvals.Deployment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cost_rows",
    )
    deployment_tag_value = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("cost row")
        ordering = ["month", "id"]
        indexes = [
            models.Index(fields=["billing_account_id", "month"]),
            models.Index(fields=["month", "model_service"]),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.month:%Y-%m})"


class UsageSource(BaseModel):
    """Where a deployment's serving reports its traffic: a Prometheus server and the PromQL
    selectors of its request counter, error counter and latency histogram buckets.

    ``last_error`` keeps the last failed read so the page says Prometheus was unreachable while
    the days already stored stay as they were.
    """

    deployment = models.OneToOneField(
        "approvals.Deployment", on_delete=models.CASCADE, related_name="usage_source"
    )
    prometheus_url = models.URLField(_("Prometheus URL"), max_length=500)
    requests = models.CharField(_("request counter selector"), max_length=1000)
    errors = models.CharField(_("error counter selector"), max_length=1000, blank=True)
    latency = models.CharField(_("latency histogram bucket selector"), max_length=1000, blank=True)
    last_read_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("usage source")
        verbose_name_plural = _("usage sources")

    def __str__(self) -> str:
        return f"{self.prometheus_url} for {self.deployment_id}"


class DailyUsage(BaseModel):
    """What one deployment served on one UTC day: requests, errors, p50/p95 latency (ms).

    One row per deployment and day (a constraint): re-reading a day replaces it.
    """

    deployment = models.ForeignKey(
        "approvals.Deployment", on_delete=models.CASCADE, related_name="daily_usage"
    )
    model_service = models.ForeignKey(
        "catalog.ModelService", on_delete=models.CASCADE, related_name="daily_usage"
    )
    day = models.DateField()
    requests = models.PositiveBigIntegerField(default=0)
    errors = models.PositiveBigIntegerField(default=0)
    latency_p50_ms = models.FloatField(null=True, blank=True)
    latency_p95_ms = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("daily usage")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "day"], name="usage_one_row_per_day"),
            models.CheckConstraint(
                condition=models.Q(errors__lte=models.F("requests")),
                name="usage_errors_within_requests",
            ),
        ]
        indexes = [models.Index(fields=["model_service", "day"])]

    def __str__(self) -> str:
        return f"{self.deployment_id} {self.day}: {self.requests}"


class Budget(BaseModel):
    """A monthly spending limit for one model or one team, in one currency.

    Checked after every cost import and daily (``usage.budgets.budgets_check``): spend past the
    limit, or a month-end forecast past it, opens an alert through the monitoring app. Cost rows
    in other currencies do not count against it (they are shown beside it, never converted).
    """

    model_service = models.OneToOneField(
        "catalog.ModelService",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="budget",
        verbose_name=_("model"),
    )
    team = models.OneToOneField(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="budget",
        verbose_name=_("team"),
    )
    amount = models.DecimalField(_("monthly budget"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(model_service__isnull=False, team__isnull=True)
                | models.Q(model_service__isnull=True, team__isnull=False),
                name="usage_budget_one_scope",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="usage_budget_positive"),
        ]

    def __str__(self) -> str:
        scope = self.model_service or self.team
        return f"{scope}: {self.amount} {self.currency} a month"
