"""Governance hands its models to risk, approvals and documents (state only: no table is dropped)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0001_initial"),
        ("approvals", "0001_initial"),
        ("documents", "0001_initial"),
        ("governance", "0004_generated_documents"),
        ("monitoring", "0003_alert_approval_in_approvals"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables already exist under the same names (no SQL runs).
            state_operations=[
                migrations.RemoveField(
                    model_name="deployment",
                    name="approval",
                ),
                migrations.RemoveField(
                    model_name="deployment",
                    name="deployed_by",
                ),
                migrations.RemoveField(
                    model_name="deployment",
                    name="model_service",
                ),
                migrations.RemoveField(
                    model_name="deployment",
                    name="model_version",
                ),
                migrations.RemoveField(
                    model_name="deploymentrequest",
                    name="closed_by",
                ),
                migrations.RemoveField(
                    model_name="deploymentrequest",
                    name="model_service",
                ),
                migrations.RemoveField(
                    model_name="deploymentrequest",
                    name="model_version",
                ),
                migrations.RemoveField(
                    model_name="deploymentrequest",
                    name="requested_by",
                ),
                migrations.RemoveField(
                    model_name="deploymentrequest",
                    name="supersedes",
                ),
                migrations.RemoveField(
                    model_name="driftfinding",
                    name="model_service",
                ),
                migrations.RemoveField(
                    model_name="driftfinding",
                    name="model_version",
                ),
                migrations.RemoveField(
                    model_name="evidence",
                    name="obligation",
                ),
                migrations.RemoveField(
                    model_name="evidence",
                    name="uploaded_by",
                ),
                migrations.RemoveField(
                    model_name="generateddocument",
                    name="model_service",
                ),
                migrations.RemoveField(
                    model_name="generateddocument",
                    name="model_version",
                ),
                migrations.RemoveField(
                    model_name="generateddocument",
                    name="requested_by",
                ),
                migrations.RemoveField(
                    model_name="obligation",
                    name="assessment",
                ),
                migrations.RemoveField(
                    model_name="obligation",
                    name="model_service",
                ),
                migrations.RemoveField(
                    model_name="obligation",
                    name="owner",
                ),
                migrations.RemoveField(
                    model_name="riskassessment",
                    name="model_service",
                ),
                migrations.RemoveField(
                    model_name="riskassessment",
                    name="submitted_by",
                ),
                migrations.DeleteModel(
                    name="ApprovalDecision",
                ),
                migrations.DeleteModel(
                    name="Deployment",
                ),
                migrations.DeleteModel(
                    name="DeploymentRequest",
                ),
                migrations.DeleteModel(
                    name="DriftFinding",
                ),
                migrations.DeleteModel(
                    name="Evidence",
                ),
                migrations.DeleteModel(
                    name="GeneratedDocument",
                ),
                migrations.DeleteModel(
                    name="Obligation",
                ),
                migrations.DeleteModel(
                    name="RiskAssessment",
                ),
            ],
            database_operations=[],
        ),
    ]
