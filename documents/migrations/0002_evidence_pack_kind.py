"""Documents of kind evidence_pack (a signed ZIP, documents/evidence_packs.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="generateddocument",
            name="kind",
            field=models.CharField(
                choices=[
                    ("model_card", "Model card"),
                    ("annex_iv", "Technical documentation (Annex IV)"),
                    ("portfolio", "Portfolio compliance report"),
                    ("evidence_pack", "Evidence pack"),
                ],
                max_length=20,
            ),
        ),
    ]
