from rest_framework import serializers

from catalog.models import ModelService, ModelVersion


class TeamRefOutput(serializers.Serializer):
    id = serializers.UUIDField()
    slug = serializers.CharField()
    name = serializers.CharField()


class ModelServiceListOutput(serializers.ModelSerializer):
    owner_team = TeamRefOutput(allow_null=True)
    version_count = serializers.IntegerField()
    latest_version = serializers.CharField(allow_null=True)

    class Meta:
        model = ModelService
        fields = [
            "id",
            "name",
            "registry_name",
            "owner_team",
            "lifecycle_status",
            "risk_tier",
            "obligations_completeness",
            "description",
            "tags",
            "version_count",
            "latest_version",
            "created_at",
            "updated_at",
        ]


class ModelServiceDetailOutput(serializers.ModelSerializer):
    owner_team = TeamRefOutput(allow_null=True)
    registry_source = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = ModelService
        fields = [
            "id",
            "name",
            "registry_source",
            "registry_name",
            "owner_team",
            "lifecycle_status",
            "risk_tier",
            "obligations_completeness",
            "description",
            "purpose",
            "intended_use",
            "intended_users",
            "out_of_scope_use",
            "stakeholders",
            "training_data",
            "input_features",
            "reproduction",
            "parameters",
            "results",
            "limitations",
            "tags",
            "created_at",
            "updated_at",
        ]


class ModelVersionOutput(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "version",
            "status",
            "description",
            "source_uri",
            "run_id",
            "tags",
            "aliases",
            "metrics",
            "registry_created_at",
            "registry_updated_at",
            "created_at",
            "updated_at",
        ]
