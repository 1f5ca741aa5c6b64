"""Roles are Django groups with fixed names, created by a data migration.

What each role may do is documented in the README's role table; these helpers are the single
place that answers "does this user hold role X".
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    MODEL_OWNER = "model-owner", "Model owner"
    REVIEWER = "reviewer", "Reviewer"
    COMPLIANCE_OFFICER = "compliance-officer", "Compliance officer"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Administrator"


# The role sets, each with one name. Portfolio roles answer for every model (they see the whole
# catalog, every portfolio report and the audit log); oversight roles are the second line that
# certifies, decides any request and handles any alert.
PORTFOLIO_ROLES = (Role.ADMIN, Role.COMPLIANCE_OFFICER, Role.AUDITOR)
OVERSIGHT_ROLES = (Role.COMPLIANCE_OFFICER, Role.ADMIN)
# Roles that may read the whole audit log (not only a model's timeline). The data migration
# gives these groups the ``audit.view_auditevent`` permission, which the audit app checks.
AUDIT_LOG_READERS = PORTFOLIO_ROLES


def user_roles(user) -> frozenset[str]:
    """The role names of ``user``, cached on the instance for the length of a request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_attest_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
        user._attest_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return True
    return bool(user_roles(user) & set(roles))


def is_admin(user) -> bool:
    return has_role(user, Role.ADMIN)


def can_read_audit_log(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm("audit.view_auditevent")


def ensure_role_groups(**kwargs) -> None:
    """Create any missing role group and audit-log permission (idempotent).

    The data migration creates them once; this ``post_migrate`` receiver puts them back after
    a database flush (test runs) or if someone deleted a group by hand.
    """
    from django.contrib.auth.models import Group, Permission

    view_audit = Permission.objects.filter(
        content_type__app_label="audit", codename="view_auditevent"
    ).first()
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        if view_audit is not None and role in AUDIT_LOG_READERS:
            group.permissions.add(view_audit)
