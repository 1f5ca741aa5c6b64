"""Risk takes over the assessment, obligation and evidence tables governance created (state only)."""

import uuid

import django.core.serializers.json
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("governance", "0004_generated_documents"),
        ("catalog", "0003_modelservice_obligations_completeness"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables already exist under the same names (no SQL runs).
            state_operations=[
                migrations.CreateModel(
                    name="RiskAssessment",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[("draft", "Draft"), ("submitted", "Submitted")],
                                default="draft",
                                max_length=20,
                            ),
                        ),
                        ("revision", models.PositiveIntegerField(blank=True, null=True)),
                        ("ruleset_version", models.CharField(max_length=60)),
                        (
                            "answers",
                            models.JSONField(
                                default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder
                            ),
                        ),
                        (
                            "result",
                            models.JSONField(
                                blank=True,
                                encoder=django.core.serializers.json.DjangoJSONEncoder,
                                null=True,
                            ),
                        ),
                        (
                            "tier",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("unassessed", "Not assessed"),
                                    ("minimal", "Minimal"),
                                    ("limited", "Limited"),
                                    ("high", "High"),
                                    ("prohibited", "Prohibited"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("internal_rating", models.CharField(blank=True, max_length=10)),
                        (
                            "subject",
                            models.JSONField(
                                default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder
                            ),
                        ),
                        ("submitted_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "model_service",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="risk_assessments",
                                to="catalog.modelservice",
                            ),
                        ),
                        (
                            "submitted_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_riskassessment",
                        "ordering": ["model_service", "-revision"],
                    },
                ),
                migrations.CreateModel(
                    name="Obligation",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("code", models.CharField(max_length=60)),
                        ("article", models.CharField(max_length=80)),
                        ("title", models.CharField(max_length=300)),
                        ("applies_from", models.DateField(blank=True, null=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("open", "Open"),
                                    ("in_progress", "In progress"),
                                    ("met", "Met"),
                                    ("not_applicable", "Not applicable"),
                                ],
                                default="open",
                                max_length=20,
                            ),
                        ),
                        ("due_date", models.DateField(blank=True, null=True)),
                        ("justification", models.TextField(blank=True)),
                        (
                            "is_current",
                            models.BooleanField(
                                db_index=True,
                                default=True,
                                help_text="Belongs to the model's latest assessment.",
                            ),
                        ),
                        (
                            "model_service",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="obligations",
                                to="catalog.modelservice",
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "assessment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="obligations",
                                to="risk.riskassessment",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_obligation",
                        "ordering": ["model_service", "article", "code"],
                    },
                ),
                migrations.CreateModel(
                    name="Evidence",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("file", models.FileField(blank=True, upload_to="evidence/%Y/%m/")),
                        ("file_name", models.CharField(blank=True, max_length=255)),
                        ("content_type", models.CharField(blank=True, max_length=100)),
                        ("size", models.PositiveIntegerField(default=0)),
                        ("sha256", models.CharField(blank=True, max_length=64)),
                        ("link", models.URLField(blank=True, max_length=1000)),
                        ("description", models.CharField(blank=True, max_length=500)),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "obligation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="evidence",
                                to="risk.obligation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_evidence",
                        "ordering": ["-created_at"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("file", ""), _negated=True),
                                    models.Q(("link", ""), _negated=True),
                                    _connector="OR",
                                ),
                                name="governance_evidence_file_or_link",
                            )
                        ],
                    },
                ),
                migrations.AddConstraint(
                    model_name="riskassessment",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("revision__isnull", False)),
                        fields=("model_service", "revision"),
                        name="governance_unique_revision",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="riskassessment",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("status", "draft")),
                        fields=("model_service",),
                        name="governance_one_draft_per_model",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="obligation",
                    constraint=models.UniqueConstraint(
                        fields=("assessment", "code"),
                        name="governance_unique_obligation_per_assessment",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
