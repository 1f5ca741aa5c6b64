"""API shapes of monitoring (documentation of the bodies; the bodies themselves are parsed
strictly by ``monitoring.payloads`` so that NaN/Infinity and every item are checked first)."""

from rest_framework import serializers

from approvals.api.fields import EnvironmentField


class MetricItemInput(serializers.Serializer):
    model = serializers.CharField(help_text="Catalog name (or registry name) of the model.")
    version = serializers.CharField()
    environment = EnvironmentField()
    metric = serializers.CharField(max_length=200)
    value = serializers.FloatField(help_text="A finite number (NaN and Infinity are refused).")
    timestamp = serializers.DateTimeField(help_text="ISO 8601 with a time zone.")
    slice = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Optional sub-population."
    )


class MetricBatchInput(serializers.Serializer):
    items = serializers.ListField(
        child=MetricItemInput(),
        min_length=1,
        help_text="At least one; at most ATTEST_METRICS_MAX_ITEMS (10,000).",
    )


class AlertSummaryOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    model = serializers.CharField(source="model_service.name")
    environment = serializers.CharField()
    metric = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    occurrences = serializers.IntegerField()


class MetricBatchOutput(serializers.Serializer):
    batch_id = serializers.UUIDField()
    points = serializers.IntegerField()
    models = serializers.ListField(child=serializers.CharField())
    alerts_opened = AlertSummaryOutput(many=True)
    alerts_repeated = AlertSummaryOutput(many=True)


class SchemaInput(serializers.Serializer):
    environment = EnvironmentField()
    features = serializers.DictField(
        child=serializers.CharField(), help_text='Feature name → type, e.g. {"age": "int"}.'
    )
    reference = serializers.BooleanField(
        default=False,
        help_text="Make this the reference schema (otherwise: the first one after approval).",
    )


class SchemaDifferenceOutput(serializers.Serializer):
    feature = serializers.CharField()
    change = serializers.ChoiceField(choices=["missing", "extra", "type_changed"])
    expected = serializers.CharField(allow_null=True)
    seen = serializers.CharField(allow_null=True)


class SchemaOutput(serializers.Serializer):
    id = serializers.UUIDField(source="schema.pk")
    version = serializers.CharField(source="schema.model_version.version")
    environment = serializers.CharField(source="schema.environment")
    reference = serializers.BooleanField(source="schema.is_reference")
    compared_with = serializers.UUIDField(source="schema.compared_with_id", allow_null=True)
    differences = SchemaDifferenceOutput(many=True)
    alert = AlertSummaryOutput(allow_null=True)
