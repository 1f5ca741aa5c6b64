"""Every state change on the catalog. Each service records its audit event in its transaction."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User
from accounts.roles import is_admin
from audit.services import audit_record
from catalog import events
from catalog.audit_actions import (
    ACCESS_GRANTED,
    ACCESS_REVOKED,
    MODEL_REGISTERED,
    MODEL_UPDATED,
    TEAM_MOVE_CANCELLED,
    VERSION_REGISTERED,
)
from catalog.models import (
    ModelService,
    ModelServiceGroupPermission,
    ModelServiceUserPermission,
    ModelVersion,
    RegistrySource,
    TeamMoveRequest,
)
from catalog.selectors import CHANGE_PERMISSION, VIEW_PERMISSION, model_service_can_edit
from common.text import check_lengths

# What the owning team's group holds on its models; what a share gives (read-only).
TEAM_PERMISSIONS = (VIEW_PERMISSION, CHANGE_PERMISSION)
SHARE_PERMISSIONS = (VIEW_PERMISSION,)

# The business metadata the owning team keeps. Registry-derived fields (name, versions) are
# not in this list: they follow the registry. ``owner_team`` is here for administrators only:
# a model owner moves a model by a move request the receiving team accepts (team_moves.py).
EDITABLE_METADATA_FIELDS: tuple[str, ...] = (
    "description",
    "purpose",
    "intended_use",
    "intended_users",
    "out_of_scope_use",
    "owner_team",
    "stakeholders",
    "training_data",
    "input_features",
    "reproduction",
    "parameters",
    "results",
    "limitations",
    "lifecycle_status",
    "tags",
)


def _audit_value(value: Any) -> Any:
    """A JSON-friendly, human-readable form of a field value for before/after."""
    if isinstance(value, Team):
        return value.slug
    return value


def _version_number(version: str) -> int | None:
    return int(version) if re.fullmatch(r"\d{1,9}", version) else None


@transaction.atomic
def model_service_register(
    *,
    actor: Any | None,
    name: str,
    owner_team: Team | None = None,
    registry_source: RegistrySource | None = None,
    registry_name: str = "",
    metadata: dict[str, Any] | None = None,
) -> ModelService:
    """Add a model to the catalog. Its name must be unique: CI and the gate refer to it."""
    model = ModelService(
        name=name,
        owner_team=owner_team,
        registry_source=registry_source,
        registry_name=registry_name,
        **(metadata or {}),
    )
    # Not the id: a uuid4 generated just now, so checking it is unique only costs a query (the
    # primary key still guards it). Likewise for versions below.
    model.full_clean(exclude=["id"])
    model.save()
    audit_record(
        actor=actor,
        action=MODEL_REGISTERED,
        target=model,
        subject_id=model.pk,
        after={"name": name, "owner_team": _audit_value(owner_team), **(metadata or {})},
    )
    if owner_team is not None:
        _group_access_grant(actor, model, owner_team.group, TEAM_PERMISSIONS)
    return model


@transaction.atomic
def model_service_update_metadata(
    *, actor: Any, model_service: ModelService, changes: dict[str, Any]
) -> list[str]:
    """Change a model's business metadata; return the names of the fields that changed.

    Only members of the owning team with the model-owner role (or admins) may edit. Only admins
    change ``owner_team`` here (red-team finding 2: the owning team must not pick the receiving
    team, and with it the reviewer pool, on its own; model owners ask with
    ``team_move_request``); a direct change by an admin supersedes any pending move. The row is
    locked so two simultaneous edits cannot each think they changed the "before" value. Exactly
    one audit event is written, holding only the changed fields; nothing is written when
    nothing changed.
    """
    unknown = set(changes) - set(EDITABLE_METADATA_FIELDS)
    if unknown:
        raise ValidationError(f"Not editable: {', '.join(sorted(unknown))}.")
    check_lengths(ModelService, changes)
    model = ModelService.objects.select_for_update().get(pk=model_service.pk)
    if not model_service_can_edit(actor, model):
        raise PermissionDenied(_("Only the owning team's model owners may edit this model."))
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    old_team = model.owner_team
    for field, new_value in changes.items():
        old_value = getattr(model, field)
        if old_value != new_value:
            before[field] = _audit_value(old_value)
            after[field] = _audit_value(new_value)
            setattr(model, field, new_value)
    if not after:
        return []
    if "owner_team" in after and not is_admin(actor):
        raise PermissionDenied(
            _(
                "Moving a model to another team is a request the receiving team accepts: "
                "use “Move to another team” on the model's page."
            )
        )
    model.full_clean()
    model.save()
    if "owner_team" in after:
        _owning_team_access_move(actor=actor, model=model, old_team=old_team)
        _team_moves_supersede(actor, model)
    audit_record(
        actor=actor,
        action=MODEL_UPDATED,
        target=model,
        subject_id=model.pk,
        before=before,
        after=after,
    )
    events.model_changed.send(
        sender=ModelService, model_service=model, cause=f"{', '.join(sorted(after))} edited"
    )
    return sorted(after)


@transaction.atomic
def model_version_register(
    *,
    actor: Any | None,
    model_service: ModelService,
    version: str,
    source_uri: str = "",
    run_id: str = "",
    description: str = "",
    tags: dict[str, str] | None = None,
    aliases: list[str] | None = None,
    metrics: dict[str, float] | None = None,
    status: str = ModelVersion.Status.READY,
    registry_created_at=None,
    registry_updated_at=None,
) -> ModelVersion:
    """Record a new version of a catalog entry (from a registry, or by hand in the demo)."""
    model_version = ModelVersion(
        model_service=model_service,
        version=version,
        version_number=_version_number(version),
        source_uri=source_uri,
        run_id=run_id,
        description=description,
        tags=tags or {},
        aliases=aliases or [],
        metrics=metrics or {},
        status=status,
        registry_created_at=registry_created_at,
        registry_updated_at=registry_updated_at,
    )
    model_version.full_clean(exclude=["id"])
    model_version.save()
    audit_record(
        actor=actor,
        action=VERSION_REGISTERED,
        target=model_version,
        subject_id=model_service.pk,
        after={"version": version, "source_uri": source_uri, "run_id": run_id},
    )
    return model_version


def _permissions(codenames: tuple[str, ...]) -> list[Permission]:
    # With their content type: guardian's save() compares it with the object's, which would
    # otherwise cost a query per permission granted (every new model from the registry).
    return list(
        Permission.objects.select_related("content_type").filter(
            content_type__app_label="catalog", codename__in=codenames
        )
    )


def _group_access_grant(actor, model: ModelService, group: Group, codenames) -> bool:
    created = [
        ModelServiceGroupPermission.objects.get_or_create(
            group=group, permission=permission, content_object=model
        )[1]
        for permission in _permissions(codenames)
    ]
    if not any(created):
        return False
    audit_record(
        actor=actor,
        action=ACCESS_GRANTED,
        target=model,
        subject_id=model.pk,
        after={"group": group.name, "permissions": sorted(codenames)},
    )
    return True


def _group_access_revoke(actor, model: ModelService, group: Group) -> bool:
    rows = ModelServiceGroupPermission.objects.filter(group=group, content_object=model)
    codenames = sorted(rows.values_list("permission__codename", flat=True))
    if not codenames:
        return False
    rows.delete()
    audit_record(
        actor=actor,
        action=ACCESS_REVOKED,
        target=model,
        subject_id=model.pk,
        before={"group": group.name, "permissions": codenames},
    )
    return True


def _owning_team_access_move(*, actor, model: ModelService, old_team: Team | None) -> None:
    """Visibility follows ownership: the old team's group loses its grant on ``model``, the
    owning team's (``model.owner_team``, already saved) gains it; each change audited. The one
    path every change of owner takes (an admin's edit, an accepted move)."""
    if old_team is not None:
        _group_access_revoke(actor, model, old_team.group)
    if model.owner_team is not None:
        _group_access_grant(actor, model, model.owner_team.group, TEAM_PERMISSIONS)


def _team_moves_supersede(actor, model: ModelService) -> None:
    """An admin set the owner directly: a move still pending was asked of the old owner's
    situation and is cancelled (audited), so nobody accepts it later by mistake."""
    for move in TeamMoveRequest.objects.select_for_update().filter(
        model_service=model, state=TeamMoveRequest.State.PENDING
    ):
        move.state = TeamMoveRequest.State.CANCELLED
        move.decided_by, move.decided_at = actor, timezone.now()
        move.decision_comment = _("Superseded: an administrator set the owner team directly.")
        move.save(
            update_fields=["state", "decided_by", "decided_at", "decision_comment", "updated_at"]
        )
        audit_record(
            actor=actor,
            action=TEAM_MOVE_CANCELLED,
            target=move,
            subject_id=model.pk,
            before={"state": TeamMoveRequest.State.PENDING},
            after={"state": move.state, "comment": move.decision_comment},
        )


def _check_may_share(actor, model: ModelService) -> None:
    if actor is not None and not model_service_can_edit(actor, model):
        raise PermissionDenied(
            _("Only the owning team's model owners or admins may share a model.")
        )


@transaction.atomic
def model_service_share(
    *, actor: Any, model_service: ModelService, user: User | None = None, group: Group | None = None
) -> bool:
    """Give one user or one group read-only access to a model (stakeholder sharing).

    Allowed for the owning team's model owners and admins. Returns False, writing nothing, when
    the access already exists.
    """
    if (user is None) == (group is None):
        raise ValidationError(_("Share with exactly one user or one group."))
    _check_may_share(actor, model_service)
    if group is not None:
        return _group_access_grant(actor, model_service, group, SHARE_PERMISSIONS)
    created = [
        ModelServiceUserPermission.objects.get_or_create(
            user=user, permission=permission, content_object=model_service
        )[1]
        for permission in _permissions(SHARE_PERMISSIONS)
    ]
    if not any(created):
        return False
    audit_record(
        actor=actor,
        action=ACCESS_GRANTED,
        target=model_service,
        subject_id=model_service.pk,
        after={"user": user.username, "permissions": list(SHARE_PERMISSIONS)},
    )
    return True


@transaction.atomic
def model_service_unshare(
    *, actor: Any, model_service: ModelService, user: User | None = None, group: Group | None = None
) -> bool:
    """Withdraw a user's or group's access to a model. The owning team's grant is not a share:
    it follows ``owner_team`` and cannot be withdrawn here."""
    if (user is None) == (group is None):
        raise ValidationError(_("Unshare exactly one user or one group."))
    _check_may_share(actor, model_service)
    if group is not None:
        if model_service.owner_team_id and group.pk == model_service.owner_team.group_id:
            raise ValidationError(
                _("The owning team's access follows ownership; change the owner.")
            )
        return _group_access_revoke(actor, model_service, group)
    rows = ModelServiceUserPermission.objects.filter(user=user, content_object=model_service)
    if not rows.exists():
        return False
    rows.delete()
    audit_record(
        actor=actor,
        action=ACCESS_REVOKED,
        target=model_service,
        subject_id=model_service.pk,
        before={"user": user.username, "permissions": list(SHARE_PERMISSIONS)},
    )
    return True


def model_service_governance_summary_set(
    *, model_service: ModelService, risk_tier: str, obligations_completeness: int | None
) -> None:
    """Store the current tier and checklist completeness on the catalog entry (for lists and
    filters). Called by governance services, which write the audit events for the change."""
    ModelService.objects.filter(pk=model_service.pk).update(
        risk_tier=risk_tier, obligations_completeness=obligations_completeness
    )
