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
