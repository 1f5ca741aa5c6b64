from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from common.api.fields import HttpUrlField, StrictFileField
from risk.models import Evidence, Obligation, RiskAssessment


class RiskAssessmentInput(serializers.Serializer):
    answers = serializers.DictField(help_text="Question id → answer (see the rule set).")
    submit = serializers.BooleanField(
        default=True, help_text="true: classify as a new revision; false: save a draft."
    )


class PendingProposalOutput(serializers.Serializer):
    revision = serializers.IntegerField()
    tier = serializers.CharField()
    submitted_at = serializers.DateTimeField()


class RiskAssessmentOutput(serializers.ModelSerializer):
    needs_review = serializers.ListField(
        child=serializers.CharField(), read_only=True, source="review_reasons", default=list
    )
    pending_proposal = PendingProposalOutput(
        read_only=True,
        allow_null=True,
        default=None,
        help_text="A revision awaiting a compliance officer's confirmation, if any.",
    )

    class Meta:
        model = RiskAssessment
        fields = [
            "id",
            "status",
            "revision",
            "ruleset_version",
            "answers",
            "tier",
            "internal_rating",
            "result",
            "submitted_at",
            "confirmed_at",
            "needs_review",
            "pending_proposal",
        ]


class EvidenceOutput(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = [
            "id",
            "file_name",
            "content_type",
            "size",
            "sha256",
            "link",
            "description",
            "created_at",
        ]


class ObligationOutput(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    certified_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who certified it met or not applicable (null while open).",
    )
    evidence = EvidenceOutput(many=True, read_only=True)

    class Meta:
        model = Obligation
        fields = [
            "id",
            "code",
            "article",
            "title",
            "applies_from",
            "status",
            "owner",
            "due_date",
            "justification",
            "certified_by",
            "certified_at",
            "evidence",
        ]


class EvidenceInput(serializers.Serializer):
    # A file or a link, exactly one of them (the schema's oneOf: EvidenceInputSchema).
    file = StrictFileField(required=False)
    link = HttpUrlField(required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)


class EvidenceInputSchema(OpenApiSerializerExtension):
    target_class = EvidenceInput

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        # oneOf: exactly one branch holds, so a file and a link together are refused too.
        schema["oneOf"] = [{"required": ["file"]}, {"required": ["link"]}]
        return schema
