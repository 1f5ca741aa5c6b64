"""Documents takes over the generated-document table governance created (state only)."""

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
            # State only: the table already exists under the same name (no SQL runs).
            state_operations=[
                migrations.CreateModel(
                    name="GeneratedDocument",
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
                            "kind",
                            models.CharField(
                                choices=[
                                    ("model_card", "Model card"),
                                    ("annex_iv", "Technical documentation (Annex IV)"),
                                    ("portfolio", "Portfolio compliance report"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("rendering", "Rendering"),
                                    ("done", "Ready"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=20,
                            ),
                        ),
                        ("progress", models.PositiveSmallIntegerField(default=0)),
                        ("progress_label", models.CharField(blank=True, max_length=120)),
                        (
                            "parameters",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                encoder=django.core.serializers.json.DjangoJSONEncoder,
                            ),
                        ),
                        ("revision", models.PositiveIntegerField(default=1)),
                        ("template_version", models.CharField(blank=True, max_length=40)),
                        ("inputs_hash", models.CharField(blank=True, max_length=64)),
                        ("content_hash", models.CharField(blank=True, max_length=64)),
                        ("file", models.FileField(blank=True, upload_to="documents/%Y/%m/")),
                        ("file_sha256", models.CharField(blank=True, max_length=64)),
                        ("size", models.PositiveIntegerField(default=0)),
                        ("pages", models.PositiveIntegerField(default=0)),
                        ("generated_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("error", models.TextField(blank=True)),
                        (
                            "model_service",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="documents",
                                to="catalog.modelservice",
                            ),
                        ),
                        (
                            "model_version",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="documents",
                                to="catalog.modelversion",
                            ),
                        ),
                        (
                            "requested_by",
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
                        "db_table": "governance_generateddocument",
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(
                                fields=["kind", "model_version", "-created_at"],
                                name="governance__kind_8d8a4f_idx",
                            ),
                            models.Index(
                                fields=["status", "updated_at"],
                                name="governance__status_7a79fb_idx",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
