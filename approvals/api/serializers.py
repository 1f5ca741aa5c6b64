"""Deployment requests, decisions, the deploy gate and deployments over the API."""

from rest_framework import serializers

from approvals.api.fields import EnvironmentField
from common.api.fields import HttpUrlField
from common.text import COMMENT, JUSTIFICATION


# --- Deployment requests, the gate, deployments ---------------------------------------------
class DeploymentRequestInput(serializers.Serializer):
    model = serializers.CharField(max_length=300, help_text="The model's catalog name.")
    version = serializers.CharField(max_length=64)
    environment = EnvironmentField()
    justification = serializers.CharField(max_length=JUSTIFICATION)
    metrics = serializers.DictField(
        child=serializers.FloatField(min_value=-1e300, max_value=1e300),
        required=False,
        help_text="Evaluation metrics: name → number.",
    )
    links = serializers.ListField(child=HttpUrlField(), required=False, max_length=20)
    submit = serializers.BooleanField(default=True, help_text="false: keep it as a draft.")


class DecisionOutput(serializers.Serializer):
    approver = serializers.CharField(source="approver.username")
    verdict = serializers.CharField()
    comment = serializers.CharField()
    as_compliance = serializers.BooleanField()
    decided_at = serializers.DateTimeField(source="created_at")


class DeploymentRequestOutput(serializers.Serializer):
    id = serializers.UUIDField()
    model = serializers.CharField(source="model_service.name")
    model_id = serializers.UUIDField(source="model_service_id")
    version = serializers.CharField(source="model_version.version")
    environment = serializers.CharField()
    state = serializers.CharField()
    risk_tier = serializers.CharField()
    requirement = serializers.JSONField()
    requested_by = serializers.CharField(source="requested_by.username")
    justification = serializers.CharField()
    metrics = serializers.JSONField()
    links = serializers.JSONField()
    # Null until submitted (a draft), decided, or approved (only an approval expires).
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    fingerprint = serializers.CharField()
    decisions = DecisionOutput(many=True, source="decisions.all")
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("approvals:request-detail", args=[obj.pk])


class DecisionInput(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(
        max_length=COMMENT, required=False, allow_blank=True, default=""
    )


class GateQuery(serializers.Serializer):
    model = serializers.CharField(max_length=300, help_text="Catalog name")
    version = serializers.CharField(max_length=64)
    environment = EnvironmentField()


DECISION_HELP = (
    "This answer as a compact JWS (RFC 7515) signed with Ed25519 (`alg` `EdDSA`, RFC 8037), "
    "its key named by the `kid` header and published at `/.well-known/attest-gate-keys.json`. "
    "Payload: `iss`, `sub` (the caller), `model`, `version`, `environment`, `allowed`, "
    "`reasons` (denied) or `fingerprint` and `approval_id` (allowed), `iat`, `exp`. Empty only "
    "when the gate could not sign (then it denies)."
)


class GateAllowedOutput(serializers.Serializer):
    allowed = serializers.BooleanField()
    approval_id = serializers.UUIDField()
    risk_tier = serializers.CharField()
    fingerprint = serializers.CharField()
    expires_at = serializers.DateTimeField()
    decision = serializers.CharField(help_text=DECISION_HELP)


class GateDeniedOutput(serializers.Serializer):
    allowed = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    decision = serializers.CharField(allow_blank=True, help_text=DECISION_HELP)


class DeploymentInput(serializers.Serializer):
    model = serializers.CharField(max_length=300)
    version = serializers.CharField(max_length=64)
    environment = EnvironmentField()
    reference = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="CI run URL or release id."
    )


class DeploymentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    model = serializers.CharField(source="model_service.name")
    version = serializers.CharField(source="model_version.version")
    environment = serializers.CharField()
    approval_id = serializers.UUIDField(source="approval.pk")
    fingerprint = serializers.CharField()
    deployed_at = serializers.DateTimeField()
    reference = serializers.CharField()
