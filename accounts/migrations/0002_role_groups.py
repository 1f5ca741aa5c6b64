"""Create the six role groups and give the audit-log readers their permission.

Data only (schema is in 0001). Names are frozen here on purpose: a migration must not import
code that may change later.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["viewer", "model-owner", "reviewer", "compliance-officer", "auditor", "admin"]
AUDIT_LOG_READERS = ["auditor", "compliance-officer", "admin"]


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure audit's exist now.
    audit_config = apps.get_app_config("audit")
    # (the well-known recipe: the stub app config needs models_module set for the call).
    audit_config.models_module = True
    create_permissions(audit_config, verbosity=0, apps=apps)
    audit_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view_audit = Permission.objects.get(content_type__app_label="audit", codename="view_auditevent")
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        if name in AUDIT_LOG_READERS:
            group.permissions.add(view_audit)


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("audit", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
