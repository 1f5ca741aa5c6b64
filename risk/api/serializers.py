from rest_framework import serializers

from risk.models import Evidence, Obligation, RiskAssessment


class RiskAssessmentInput(serializers.Serializer):
    answers = serializers.DictField(help_text="Question id → answer (see the rule set).")
    submit = serializers.BooleanField(
        default=True, help_text="true: classify as a new revision; false: save a draft."
    )


class RiskAssessmentOutput(serializers.ModelSerializer):
    needs_review = serializers.ListField(
        child=serializers.CharField(), read_only=True, source="review_reasons", default=list
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
            "needs_review",
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
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
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
            "evidence",
        ]


class EvidenceInput(serializers.Serializer):
    file = serializers.FileField(required=False)
    link = serializers.URLField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)
