"""Who may do what with a catalog entry: every permission predicate of the catalog, written once
and used by selectors, services, views and templates alike (and by the apps above the catalog,
which ask about the model their object belongs to).

- portfolio roles (admins, compliance officers, auditors) see every entry;
- the owning team's members see its entries through the object permission granted to the team's
  group; model owners among them (and admins) edit them;
- the owning team's reviewer pool sees its entries and reviews them;
- CI service accounts act for the team whose group they belong to;
- a model changes teams only by a move request: the owning team's model owners (or admins) ask,
  a model owner of the receiving team (or an admin) other than the asker accepts or declines,
  and the receiving team's model owners see the move (not the model) until it is accepted.
"""

from __future__ import annotations

from django.db.models import Q

from accounts.models import Team
from accounts.roles import PORTFOLIO_ROLES, Role, has_role
from catalog.models import (
    ModelService,
    ModelServiceGroupPermission,
    ModelServiceUserPermission,
    TeamMoveRequest,
)

__all__ = [
    "CHANGE_PERMISSION",
    "PORTFOLIO_ROLES",
    "VIEW_PERMISSION",
    "granted_ids",
    "is_active_person",
    "is_owning_team_ci",
    "is_team_reviewer",
    "can_act_for_owning_team",
    "is_team_model_owner",
    "team_move_can_cancel",
    "team_move_can_decide",
    "team_move_can_request",
    "team_move_can_view",
    "model_service_can_edit",
    "model_service_can_view",
]

VIEW_PERMISSION = "view_modelservice"
CHANGE_PERMISSION = "change_modelservice"


def is_active_person(user) -> bool:
    """Signed in, active, and a person (not a CI service account)."""
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.is_active
        and not getattr(user, "is_service_account", False)
    )


def is_team_reviewer(user, model_service: ModelService) -> bool:
    """A reviewer in the reviewer pool of the team that owns ``model_service``."""
    return (
        has_role(user, Role.REVIEWER)
        and model_service.owner_team_id is not None
        and Team.objects.filter(pk=model_service.owner_team_id, reviewers=user).exists()
    )


def is_owning_team_ci(user, model_service: ModelService) -> bool:
    """An active CI service account in the group of the team that owns ``model_service``."""
    return bool(
        getattr(user, "is_service_account", False)
        and user.is_active
        and model_service.owner_team_id
        and user.groups.filter(pk=model_service.owner_team.group_id).exists()
    )


def can_act_for_owning_team(user, model_service: ModelService) -> bool:
    """The owning team's model owners and admins, and the owning team's CI service accounts:
    those who request deployments, post metrics and add evidence for the model."""
    return model_service_can_edit(user, model_service) or is_owning_team_ci(user, model_service)


# codename → auth_permission id, per process. The ids are rows written by ``migrate`` and never
# change while the database lives, so every process (on any host) may keep them; a flush or
# re-migration (tests) clears the map through ``post_migrate`` (catalog.apps).
_PERMISSION_IDS: dict[str, int] = {}


def permission_id(codename: str) -> int:
    """The id of the catalog entry permission ``codename`` (looked up once per process), so the
    visibility subqueries filter the grant tables by id instead of joining ``auth_permission``
    (which PostgreSQL misestimated at 10k models: 134 rows expected, 10,178 found)."""
    found = _PERMISSION_IDS.get(codename)
    if found is None:
        from django.contrib.auth.models import Permission

        found = Permission.objects.get(
            content_type__app_label=ModelService._meta.app_label,
            content_type__model=ModelService._meta.model_name,
            codename=codename,
        ).pk
        _PERMISSION_IDS[codename] = found
    return found


def _user_groups():
    """The user ↔ group table (``accounts_user_groups``), to filter by group id without
    joining ``auth_group``."""
    from django.contrib.auth import get_user_model

    return get_user_model().groups.through


def forget_permission_ids(**kwargs) -> None:
    """``post_migrate`` receiver: a flushed or re-migrated database has new permission ids."""
    _PERMISSION_IDS.clear()


def granted_ids(user, codename: str) -> Q:
    """Entries on which ``user`` holds ``codename`` directly or through one of their groups.

    By the permission's id and the user's group ids (``accounts_user_groups``): neither
    ``auth_permission`` nor ``auth_group`` is joined."""
    perm = permission_id(codename)
    groups = _user_groups().objects.filter(user_id=user.pk).values("group_id")
    via_groups = ModelServiceGroupPermission.objects.filter(
        permission_id=perm, group_id__in=groups
    ).values("content_object_id")
    via_user = ModelServiceUserPermission.objects.filter(
        permission_id=perm, user_id=user.pk
    ).values("content_object_id")
    return Q(pk__in=via_groups) | Q(pk__in=via_user)


def model_service_can_view(user, model_service: ModelService) -> bool:
    """The rule of ``model_service_visible`` for one entry, as index lookups on that entry
    (filtering the whole visible set by pk costs a scan of the user's grants at 10k models)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if has_role(user, *PORTFOLIO_ROLES):
        return True
    pk, perm = model_service.pk, permission_id(VIEW_PERMISSION)
    groups = _user_groups().objects.filter(user_id=user.pk).values("group_id")
    return (
        ModelServiceGroupPermission.objects.filter(
            content_object_id=pk, permission_id=perm, group_id__in=groups
        ).exists()
        or ModelServiceUserPermission.objects.filter(
            content_object_id=pk, permission_id=perm, user_id=user.pk
        ).exists()
        or Team.objects.filter(pk=model_service.owner_team_id, reviewers=user).exists()  # pool
    )


def model_service_can_edit(user, model_service: ModelService) -> bool:
    """Admins, and model owners holding the change permission (the owning team's members)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if has_role(user, Role.ADMIN):
        return True
    return (
        has_role(user, Role.MODEL_OWNER)
        and ModelService.objects.filter(pk=model_service.pk)
        .filter(granted_ids(user, CHANGE_PERMISSION))
        .exists()
    )


# --- Moving a model to another team -------------------------------------------------------
def is_team_model_owner(user, team: Team | None) -> bool:
    """A person with the model-owner role who is a member of ``team``."""
    return (
        team is not None
        and is_active_person(user)
        and has_role(user, Role.MODEL_OWNER)
        and user.groups.filter(pk=team.group_id).exists()
    )


def team_move_can_request(user, model_service: ModelService) -> bool:
    """Who may offer a model to another team: those who edit it (the owning team's model owners
    and admins), in person."""
    return is_active_person(user) and model_service_can_edit(user, model_service)


def team_move_can_decide(user, move: TeamMoveRequest) -> bool:
    """Who accepts or declines a move for the receiving team: its model owners, or an admin;
    never the person who asked (four eyes, also when they belong to both teams)."""
    if not is_active_person(user) or user.pk == move.requested_by_id:
        return False
    return has_role(user, Role.ADMIN) or is_team_model_owner(user, move.to_team)


def team_move_can_cancel(user, move: TeamMoveRequest) -> bool:
    """Who withdraws a move: the person who asked, or whoever may edit the model now."""
    if not is_active_person(user):
        return False
    return user.pk == move.requested_by_id or model_service_can_edit(user, move.model_service)


def team_move_can_view(user, move: TeamMoveRequest) -> bool:
    """Who sees a move: whoever sees the model, the person who asked, and the receiving team's
    model owners (who see the move and the model's summary on it, not the model itself)."""
    return (
        model_service_can_view(user, move.model_service)
        or (is_active_person(user) and user.pk == move.requested_by_id)
        or is_team_model_owner(user, move.to_team)
    )
