"""Usage and cost API: inputs and answers."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from common.api.fields import HttpUrlField, StrictFileField
from usage.models import CostImport

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class CostImportInput(serializers.Serializer):
    file = StrictFileField(help_text="A FOCUS 1.0+ cost and usage export, CSV or Parquet.")
    cost_column = serializers.ChoiceField(
        choices=CostImport.CostColumn.values,
        required=False,
        default=CostImport.CostColumn.EFFECTIVE,
        help_text="Which FOCUS cost column is summed (EffectiveCost unless told).",
    )


class PeriodOutput(serializers.Serializer):
    billing_account_id = serializers.CharField()
    month = serializers.CharField()
    rows = serializers.IntegerField()
    rows_removed = serializers.IntegerField()


class CostImportOutput(serializers.Serializer):
    id = serializers.UUIDField()
    file_sha256 = serializers.CharField()
    file_format = serializers.CharField()
    cost_column = serializers.CharField()
    rows_read = serializers.IntegerField()
    rows_matched = serializers.IntegerField()
    rows_unmatched = serializers.IntegerField()
    rows_replaced = serializers.IntegerField()
    periods_replaced = PeriodOutput(many=True, source="periods")


class UsageSourceInput(serializers.Serializer):
    prometheus_url = HttpUrlField(max_length=500)
    requests = serializers.CharField(max_length=1000)
    errors = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    latency = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class UsageSourceOutput(serializers.Serializer):
    deployment = serializers.UUIDField(source="deployment_id")
    prometheus_url = serializers.CharField()
    requests = serializers.CharField()
    errors = serializers.CharField()
    latency = serializers.CharField()
    last_read_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()


class QueryInput(serializers.Serializer):
    """Query parameters: one given empty (``?team=``) is refused, not read as "not given"
    (DRF skips empty optional values of form-like input)."""

    def to_internal_value(self, data):
        empty = {name: ["Give a value or leave the parameter out."] for name in self.fields
                 if name in data and data.get(name) == ""}  # fmt: skip
        if empty:
            raise serializers.ValidationError(empty)
        return super().to_internal_value(data)


class UsageQueryInput(QueryInput):
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["until"] < attrs["since"]:
            raise serializers.ValidationError({"until": [_("until is before since.")]})
        return attrs


class DailyUsageOutput(serializers.Serializer):
    day = serializers.DateField()
    requests = serializers.IntegerField()
    errors = serializers.IntegerField()
    latency_p50_ms = serializers.FloatField(allow_null=True)
    latency_p95_ms = serializers.FloatField(allow_null=True)


class UsageListOutput(serializers.Serializer):
    deployment = serializers.UUIDField()
    days = DailyUsageOutput(many=True)


class ReportQueryInput(QueryInput):
    month = serializers.RegexField(
        MONTH_PATTERN, required=False, help_text="YYYY-MM (UTC); this month unless told."
    )
    team = serializers.SlugField(required=False, max_length=100)


class ReportModelOutput(serializers.Serializer):
    model = serializers.CharField()
    team = serializers.CharField(allow_null=True)
    cost = serializers.DictField(child=serializers.CharField())
    requests = serializers.IntegerField()
    errors = serializers.IntegerField()
    cost_per_1000 = serializers.DictField(child=serializers.CharField())


class UsageCostReportOutput(serializers.Serializer):
    month = serializers.CharField()
    models = ReportModelOutput(many=True)
    unmatched = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="Cost no model is tagged with; for compliance officers and administrators.",
    )


class BudgetCreateInput(serializers.Serializer):
    """One of ``model`` (catalog name or id) or ``team`` (slug); the monthly amount."""

    model = serializers.CharField(required=False, max_length=200, help_text="Name or id.")
    team = serializers.SlugField(required=False, max_length=60)
    amount = serializers.CharField(max_length=30, help_text='A decimal string, e.g. "2500.00".')
    currency = serializers.CharField(max_length=3, help_text="ISO 4217, e.g. EUR.")

    def validate(self, attrs):
        if bool(attrs.get("model")) == bool(attrs.get("team")):
            raise serializers.ValidationError(
                {"model": [_("Give either model or team, not both.")]}
            )
        return attrs


class BudgetUpdateInput(serializers.Serializer):
    amount = serializers.CharField(required=False, max_length=30)
    currency = serializers.CharField(required=False, max_length=3)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError({"amount": [_("Give amount, currency or both.")]})
        return attrs


class BudgetQueryInput(QueryInput):
    month = serializers.RegexField(
        MONTH_PATTERN, required=False, help_text="YYYY-MM (UTC); this month unless told."
    )


class BudgetOutput(serializers.Serializer):
    """A budget and where the month's spend stands against it (its currency only)."""

    id = serializers.UUIDField(source="budget.pk")
    model = serializers.CharField(source="budget.model_service.name", allow_null=True)
    team = serializers.CharField(source="budget.team.slug", allow_null=True)
    amount = serializers.CharField(source="budget.amount")
    currency = serializers.CharField(source="budget.currency")
    month = serializers.SerializerMethodField()
    spent = serializers.CharField(source="spent_text")
    forecast = serializers.CharField()
    used_percent = serializers.IntegerField()
    state = serializers.ChoiceField(choices=["within", "forecast", "exceeded"])

    def get_month(self, status) -> str:
        return status.month.strftime("%Y-%m")


class BudgetListOutput(serializers.Serializer):
    month = serializers.CharField()
    budgets = BudgetOutput(many=True)


class UsagePointInput(serializers.Serializer):
    deployment = serializers.UUIDField(
        help_text="The deployment's id (as the deployments API answers)."
    )
    date = serializers.DateField(help_text="The UTC day, YYYY-MM-DD; not in the future.")
    requests = serializers.IntegerField(min_value=0)
    errors = serializers.IntegerField(min_value=0, required=False, default=0)
    latency_p50_ms = serializers.FloatField(required=False, allow_null=True, min_value=0)
    latency_p95_ms = serializers.FloatField(required=False, allow_null=True, min_value=0)


class UsagePointsInput(serializers.Serializer):
    """Documentation of the body; ``usage.usage_points`` parses it strictly."""

    items = serializers.ListField(
        child=UsagePointInput(), min_length=1, help_text="At most ATTEST_METRICS_MAX_ITEMS."
    )


class UsagePointsOutput(serializers.Serializer):
    points = serializers.IntegerField(help_text="Days stored (a day stored before is replaced).")
    deployments = serializers.ListField(child=serializers.UUIDField())
