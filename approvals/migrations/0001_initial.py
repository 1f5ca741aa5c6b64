"""Approvals takes over the request, decision, deployment and drift tables governance created
(state only; the triggers of governance 0003 stay on them)."""

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
                    name="DeploymentRequest",
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
                        ("environment", models.CharField(max_length=40)),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("draft", "Draft"),
                                    ("submitted", "Awaiting review"),
                                    ("approved", "Approved"),
                                    ("rejected", "Rejected"),
                                    ("withdrawn", "Withdrawn"),
                                    ("revoked", "Revoked"),
                                    ("expired", "Expired"),
                                    ("stale", "Stale"),
                                ],
                                default="draft",
                                max_length=20,
                            ),
                        ),
                        (
                            "channel",
                            models.CharField(
                                choices=[
                                    ("web", "Web"),
                                    ("api", "API (CI)"),
                                    ("system", "Re-review"),
                                ],
                                default="web",
                                max_length=10,
                            ),
                        ),
                        ("justification", models.TextField()),
                        (
                            "metrics",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                encoder=django.core.serializers.json.DjangoJSONEncoder,
                            ),
                        ),
                        (
                            "links",
                            models.JSONField(
                                blank=True,
                                default=list,
                                encoder=django.core.serializers.json.DjangoJSONEncoder,
                            ),
                        ),
                        ("risk_tier", models.CharField(blank=True, max_length=20)),
                        (
                            "requirement",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                encoder=django.core.serializers.json.DjangoJSONEncoder,
                            ),
                        ),
                        ("submitted_at", models.DateTimeField(blank=True, null=True)),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        ("expires_at", models.DateTimeField(blank=True, null=True)),
                        ("reminded_at", models.DateTimeField(blank=True, null=True)),
                        ("fingerprint", models.CharField(blank=True, max_length=64)),
                        (
                            "fingerprint_inputs",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                encoder=django.core.serializers.json.DjangoJSONEncoder,
                            ),
                        ),
                        ("closed_at", models.DateTimeField(blank=True, null=True)),
                        ("closed_reason", models.TextField(blank=True)),
                        ("writeback_pending", models.BooleanField(default=False)),
                        ("writeback_attempts", models.PositiveIntegerField(default=0)),
                        ("writeback_error", models.TextField(blank=True)),
                        ("writeback_done_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "closed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "model_service",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="deployment_requests",
                                to="catalog.modelservice",
                            ),
                        ),
                        (
                            "model_version",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="deployment_requests",
                                to="catalog.modelversion",
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "supersedes",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="superseded_by",
                                to="approvals.deploymentrequest",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_deploymentrequest",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="Deployment",
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
                        ("environment", models.CharField(max_length=40)),
                        ("fingerprint", models.CharField(max_length=64)),
                        ("deployed_at", models.DateTimeField()),
                        (
                            "reference",
                            models.CharField(
                                blank=True,
                                help_text="CI run URL or release id, as CI reported it.",
                                max_length=500,
                            ),
                        ),
                        (
                            "deployed_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "model_service",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="deployments",
                                to="catalog.modelservice",
                            ),
                        ),
                        (
                            "model_version",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="deployments",
                                to="catalog.modelversion",
                            ),
                        ),
                        (
                            "approval",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="deployments",
                                to="approvals.deploymentrequest",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_deployment",
                        "ordering": ["-deployed_at"],
                    },
                ),
                migrations.CreateModel(
                    name="ApprovalDecision",
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
                            "verdict",
                            models.CharField(
                                choices=[("approve", "Approve"), ("reject", "Reject")],
                                max_length=10,
                            ),
                        ),
                        ("comment", models.TextField(blank=True)),
                        (
                            "as_compliance",
                            models.BooleanField(
                                default=False,
                                help_text="The approver held the compliance-officer role when deciding.",
                            ),
                        ),
                        (
                            "fingerprint",
                            models.CharField(
                                help_text="What the approver saw; only matching approvals count.",
                                max_length=64,
                            ),
                        ),
                        (
                            "approver",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "requester",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "request",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="decisions",
                                to="approvals.deploymentrequest",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_approvaldecision",
                        "ordering": ["created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="DriftFinding",
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
                        ("environment", models.CharField(max_length=40)),
                        ("alias", models.CharField(max_length=100)),
                        ("detail", models.TextField()),
                        ("resolved_at", models.DateTimeField(blank=True, null=True)),
                        ("resolution", models.TextField(blank=True)),
                        (
                            "model_service",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="drift_findings",
                                to="catalog.modelservice",
                            ),
                        ),
                        (
                            "model_version",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="catalog.modelversion",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "governance_driftfinding",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.AddIndex(
                    model_name="deploymentrequest",
                    index=models.Index(
                        fields=["state", "submitted_at"], name="governance_request_inbox"
                    ),
                ),
                migrations.AddIndex(
                    model_name="deploymentrequest",
                    index=models.Index(
                        fields=["state", "expires_at"], name="governance_request_expiry"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="deploymentrequest",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("state__in", ["draft", "submitted", "approved"])),
                        fields=("model_version", "environment"),
                        name="governance_one_open_request_per_version_env",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="deploymentrequest",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("state", "approved"), _negated=True),
                            models.Q(
                                ("expires_at__isnull", False),
                                models.Q(("fingerprint", ""), _negated=True),
                                ("decided_at__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="governance_approved_has_fingerprint_and_expiry",
                    ),
                ),
                migrations.AddIndex(
                    model_name="deployment",
                    index=models.Index(
                        fields=["model_service", "environment", "-deployed_at"],
                        name="governance__model_s_162e8c_idx",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="approvaldecision",
                    constraint=models.UniqueConstraint(
                        fields=("request", "approver"), name="governance_one_decision_per_approver"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="approvaldecision",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("approver", models.F("requester")), _negated=True),
                        name="governance_approver_is_not_requester",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="approvaldecision",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("verdict", "reject"), _negated=True),
                            models.Q(("comment", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="governance_reject_needs_comment",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="driftfinding",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("resolved_at__isnull", True)),
                        fields=("model_service", "alias", "model_version"),
                        name="governance_one_open_drift_per_alias_version",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
