"""Moving a model to another team: asked by the owning team, accepted by the receiving one.

Red-team finding 2: a model owner could hand a model to any team from the metadata form, and so
choose which reviewer pool decides its deployment requests. Ownership now changes only when the
receiving team takes the model: the owning team's model owners (or an admin) ask
(``team_move_request``), a model owner of the receiving team or an admin, never the asker,
accepts (``team_move_accept``, which moves the owner and the team access through the same path as
an admin's direct change) or declines (``team_move_decline``); the asker or the owning team may
withdraw it (``team_move_cancel``). Each runs in one transaction with its audit event.

Locks: the model row first, then the move, as ``model_service_update_metadata`` does (an
admin's direct change supersedes pending moves), so the two never wait on each other in
opposite order.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team
from audit.services import audit_record
from catalog import access, events
from catalog.audit_actions import (
    TEAM_MOVE_ACCEPTED,
    TEAM_MOVE_CANCELLED,
    TEAM_MOVE_DECLINED,
    TEAM_MOVE_REQUESTED,
)
from catalog.models import ModelService, TeamMoveRequest
from catalog.services.entries import _owning_team_access_move
from common.errors import Conflict, NotFound
from common.text import check_lengths

__all__ = [
    "team_move_accept",
    "team_move_cancel",
    "team_move_decline",
    "team_move_request",
]

State = TeamMoveRequest.State


def _text(value: str, field: str, what: str) -> str:
    """``value`` stripped, or a ``ValidationError`` on ``field`` when it is empty or longer
    than the move's column for it (``reason``; the decline's ``comment`` is its
    ``decision_comment``)."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [_("Say %(what)s.") % {"what": what}]})
    column = "reason" if field == "reason" else "decision_comment"
    check_lengths(TeamMoveRequest, {column: value}, names={column: field})
    return value


def _locked(move: TeamMoveRequest, actor) -> tuple[ModelService, TeamMoveRequest]:
    """The move's model and the move, locked in that order, or 404 for a move the actor may
    not see."""
    model = ModelService.objects.select_for_update().get(pk=move.model_service_id)
    move = (
        TeamMoveRequest.objects.select_for_update()
        .select_related("from_team", "to_team")
        .get(pk=move.pk)
    )
    move.model_service = model
    if not access.team_move_can_view(actor, move):
        raise NotFound(_("No such team move."))
    return model, move


def _close(move: TeamMoveRequest, *, actor, state: str, comment: str = "") -> dict[str, Any]:
    if not move.can_move_to(state):
        raise Conflict(
            _("This move is already %(state)s.") % {"state": move.get_state_display().lower()}
        )
    move.state = state
    move.decided_by, move.decided_at, move.decision_comment = actor, timezone.now(), comment
    move.save(update_fields=["state", "decided_by", "decided_at", "decision_comment", "updated_at"])
    return {"state": state, **({"comment": comment} if comment else {})}


def _teams(move: TeamMoveRequest) -> dict[str, str]:
    return {"from_team": move.from_team.slug, "to_team": move.to_team.slug}


@transaction.atomic
def team_move_request(
    *, actor: Any, model_service: ModelService, to_team: Team, reason: str
) -> TeamMoveRequest:
    """Offer a model to another team. Nothing about the model changes until that team accepts.

    Allowed for whoever may edit the model (its owning team's model owners, admins), in person;
    the model must have an owner team and ``to_team`` must be another one; at most one move per
    model is pending (409 when there is one already).
    """
    model = (
        ModelService.objects.select_for_update(of=("self",))
        .select_related("owner_team")
        .get(pk=model_service.pk)
    )
    if not access.model_service_can_view(actor, model):
        raise NotFound(_("No such model."))
    if not access.team_move_can_request(actor, model):
        raise PermissionDenied(
            _("Only the owning team's model owners or an admin may move this model.")
        )
    if model.owner_team is None:
        raise ValidationError(
            {"to_team": [_("This model has no owner team yet: an admin assigns it directly.")]}
        )
    if to_team is None or to_team.pk == model.owner_team_id:
        raise ValidationError(
            {"to_team": [_("Choose a team other than the one that owns the model.")]}
        )
    reason = _text(reason, "reason", _("why the model should move"))
    pending = TeamMoveRequest.objects.filter(model_service=model, state=State.PENDING).first()
    if pending is not None:
        raise Conflict(
            _("A move to %(team)s is already waiting for that team's answer.")
            % {"team": pending.to_team.name}
        )
    move = TeamMoveRequest(
        model_service=model,
        from_team=model.owner_team,
        to_team=to_team,
        requested_by=actor,
        reason=reason,
    )
    try:
        with transaction.atomic():  # the partial unique index, should the check above race
            move.save()
    except IntegrityError as exc:
        raise Conflict(_("Another move of this model is already pending.")) from exc
    audit_record(
        actor=actor,
        action=TEAM_MOVE_REQUESTED,
        target=move,
        subject_id=model.pk,
        after={**_teams(move), "state": State.PENDING, "reason": reason},
    )
    return move


@transaction.atomic
def team_move_accept(*, actor: Any, move: TeamMoveRequest) -> TeamMoveRequest:
    """The receiving team takes the model: it becomes the owner, its group gains the team
    access and the old team's group loses it, and approvals are re-checked (the reviewer pool
    changed), all audited and in this transaction.

    Allowed for a model owner of the receiving team or an admin, never the person who asked
    (the database holds that too). A move whose model changed teams meanwhile cannot be
    accepted (409).
    """
    model, move = _locked(move, actor)
    if not access.team_move_can_decide(actor, move):
        raise PermissionDenied(
            _(
                "Only a model owner of the receiving team or an admin, not the person who "
                "asked, may accept this move."
            )
        )
    if move.is_pending and model.owner_team_id != move.from_team_id:
        raise Conflict(_("The model changed teams since this move was asked for."))
    after = _close(move, actor=actor, state=State.ACCEPTED)
    old_team = model.owner_team
    model.owner_team = move.to_team
    model.save(update_fields=["owner_team", "updated_at"])
    audit_record(
        actor=actor,
        action=TEAM_MOVE_ACCEPTED,
        target=move,
        subject_id=model.pk,
        before={"state": State.PENDING, "owner_team": move.from_team.slug},
        after={**after, "owner_team": move.to_team.slug},
    )
    _owning_team_access_move(actor=actor, model=model, old_team=old_team)
    events.model_changed.send(
        sender=ModelService, model_service=model, cause=f"moved to team {move.to_team.slug}"
    )
    return move


@transaction.atomic
def team_move_decline(*, actor: Any, move: TeamMoveRequest, comment: str) -> TeamMoveRequest:
    """The receiving team does not take the model; it stays where it is. Same deciders as
    ``team_move_accept``; the comment (why) is required, for the team that asked."""
    _model, move = _locked(move, actor)
    if not access.team_move_can_decide(actor, move):
        raise PermissionDenied(
            _("Only a model owner of the receiving team or an admin may decline this move.")
        )
    comment = _text(comment, "comment", _("why the team does not take the model"))
    after = _close(move, actor=actor, state=State.DECLINED, comment=comment)
    audit_record(
        actor=actor,
        action=TEAM_MOVE_DECLINED,
        target=move,
        subject_id=move.model_service_id,
        before={"state": State.PENDING},
        after={**_teams(move), **after},
    )
    return move


@transaction.atomic
def team_move_cancel(*, actor: Any, move: TeamMoveRequest) -> TeamMoveRequest:
    """Withdraw a pending move: the person who asked, or whoever may edit the model now (its
    owning team's model owners, admins)."""
    _model, move = _locked(move, actor)
    if not access.team_move_can_cancel(actor, move):
        raise PermissionDenied(
            _("Only the person who asked or the owning team's model owners may cancel this move.")
        )
    after = _close(move, actor=actor, state=State.CANCELLED)
    audit_record(
        actor=actor,
        action=TEAM_MOVE_CANCELLED,
        target=move,
        subject_id=move.model_service_id,
        before={"state": State.PENDING},
        after={**_teams(move), **after},
    )
    return move
