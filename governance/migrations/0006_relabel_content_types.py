"""Content types of the moved models follow them to their new apps.

Permissions (``auth.Permission``) and guardian's generic object permissions hang off the content
type, so relabelling it keeps every grant as it was; no permission row is re-created. On a fresh
database there is nothing to relabel yet (content types are made after migrating).
"""

from django.db import migrations

MOVED = {
    "riskassessment": "risk",
    "obligation": "risk",
    "evidence": "risk",
    "deploymentrequest": "approvals",
    "approvaldecision": "approvals",
    "deployment": "approvals",
    "driftfinding": "approvals",
    "generateddocument": "documents",
}


def _relabel(apps, *, forward: bool) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, new_label in MOVED.items():
        old, new = ("governance", new_label) if forward else (new_label, "governance")
        # A stale twin can exist if the new code started once before migrating: it owns no
        # grants of its own that matter more than the old row's, so the old row wins.
        ContentType.objects.filter(app_label=new, model=model).delete()
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, forward=True)


def backwards(apps, schema_editor):
    _relabel(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("governance", "0005_models_move_to_domain_apps"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
