"""Alert.approval now points at approvals.DeploymentRequest: the same table (state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_initial"),
        ("monitoring", "0002_threshold_rereview_help"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables already exist under the same names (no SQL runs).
            state_operations=[
                migrations.AlterField(
                    model_name="alert",
                    name="approval",
                    field=models.ForeignKey(
                        blank=True,
                        help_text="The approval in force for this version and environment when it opened.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="approvals.deploymentrequest",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
