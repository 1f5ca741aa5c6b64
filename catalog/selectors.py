"""Permission-aware reads of the catalog: the one gate used by pages and API alike.

Who sees a catalog entry:
- admins, compliance officers and auditors: every entry (they answer for the whole portfolio);
- members of a team: the team's entries, through the object permission granted to the team's
  group when the team became the owner;
- reviewers in a team's reviewer pool: that team's entries;
- anyone an entry was shared with, directly or through a group (read-only stakeholders).
Lists are filtered in SQL with ``pk IN (subquery)`` so there are no per-row checks and no
duplicate rows. Out-of-scope entries are 404; forbidden actions on visible ones are 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Team
from accounts.roles import Role, has_role

# The predicates live in catalog/access.py; the names stay importable from here.
from catalog.access import (  # noqa: F401
    CHANGE_PERMISSION,
    PORTFOLIO_ROLES,
    VIEW_PERMISSION,
    model_service_can_edit,
    model_service_can_view,
    team_move_can_cancel,
    team_move_can_decide,
    team_move_can_request,
    team_move_can_view,
)
from catalog.access import granted_ids as _granted_ids
from catalog.models import (
    ModelService,
    ModelVersion,
    TeamMoveRequest,
)

SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "-name": ("-name",),
    "team": ("owner_team__name", "name"),
    "-team": ("-owner_team__name", "name"),
    "risk": ("risk_tier", "name"),
    "lifecycle": ("lifecycle_status", "name"),
    "-updated": ("-updated_at", "name"),
    "updated": ("updated_at", "name"),
}


@dataclass(frozen=True)
class CatalogFilters:
    search: str = ""
    team: str = ""  # team slug or id
    lifecycle: str = ""
    risk_tier: str = ""
    sort: str = "name"


def model_service_visible(*, user) -> QuerySet[ModelService]:
    """Every catalog entry ``user`` may see; nothing for anonymous or inactive users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ModelService.objects.none()
    if has_role(user, *PORTFOLIO_ROLES):
        return ModelService.objects.all()
    reviewed_teams = Team.objects.filter(reviewers=user).values("pk")
    return ModelService.objects.filter(
        _granted_ids(user, VIEW_PERMISSION) | Q(owner_team__in=reviewed_teams)
    )


def model_service_subjects(user, *, name=None, pk=None, limit=None) -> list[tuple[UUID, str]]:
    """(id, name) of the models ``user`` may see, by name: all of them (up to ``limit``), the
    one called ``name`` (case-insensitively), or the one with id ``pk``. The audit log's model
    picker reads through this (``audit.subjects``)."""
    rows = model_service_visible(user=user).order_by("name")
    if name is not None:
        rows = rows.filter(name__iexact=name.strip())
    if pk is not None:
        rows = rows.filter(pk=pk)
    return list(rows.values_list("pk", "name")[:limit])


# What the catalog list API sends of each entry and its team (``ModelServiceListOutput``): the
# other columns (the long texts of the model card above all) are not read.
LIST_COLUMNS = (
    "id",
    "name",
    "registry_name",
    "owner_team__id",
    "owner_team__slug",
    "owner_team__name",
    "lifecycle_status",
    "risk_tier",
    "obligations_completeness",
    "description",
    "tags",
    "created_at",
    "updated_at",
)


def model_service_list(
    *, user, filters: CatalogFilters | None = None, columns: tuple[str, ...] | None = None
) -> QuerySet[ModelService]:
    """Catalog list with team, version count and latest version in one query (any page size).

    ``columns``: load only these (``LIST_COLUMNS`` for the API); the pages read every column."""
    f = filters or CatalogFilters()
    versions = ModelVersion.objects.filter(model_service=OuterRef("pk"))
    latest = versions.order_by("-version_number", "-created_at").values("version")[:1]
    # Correlated subqueries, not a JOIN + GROUP BY: PostgreSQL then computes them for the page's
    # rows only, and the paginator's COUNT(*) drops them (at 10,000 models the join made every
    # page read all of the reader's versions, twice).
    counted = versions.order_by().values("model_service").annotate(n=Count("pk")).values("n")
    models = (
        model_service_visible(user=user)
        .select_related("owner_team")
        .annotate(
            version_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0),
            latest_version=Subquery(latest),
        )
    )
    if f.search:
        models = models.filter(
            Q(name__icontains=f.search)
            | Q(description__icontains=f.search)
            | Q(purpose__icontains=f.search)
            | Q(registry_name__icontains=f.search)
            | Q(owner_team__name__icontains=f.search)
            | Q(tags__icontains=f.search)
        )
    if f.team:
        try:
            models = models.filter(owner_team_id=UUID(f.team))
        except ValueError:
            models = models.filter(owner_team__slug=f.team)
    if f.lifecycle:
        models = models.filter(lifecycle_status=f.lifecycle)
    if f.risk_tier:
        models = models.filter(risk_tier=f.risk_tier)
    if columns:
        models = models.only(*columns)
    return models.order_by(*SORTS.get(f.sort, SORTS["name"]))


def model_service_get(*, user, model_id: UUID | str) -> ModelService:
    """One catalog entry, or 404 when it does not exist or ``user`` may not see it."""
    try:
        model = ModelService.objects.select_related("owner_team", "registry_source").get(
            pk=model_id
        )
    except (ModelService.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404(_("No such model.")) from exc
    if not model_service_can_view(user, model):
        raise Http404(_("No such model."))  # the same answer as for a model that does not exist
    return model


def model_version_get(*, user, model_id: UUID | str, version: str) -> ModelVersion:
    """One version of a model ``user`` may see, by the model's id, or 404 (the same answer for
    a model outside the caller's scope, a missing model and a missing version). Every child
    object of a model (requests, documents, metrics) is reached through this or its siblings."""
    model = model_service_get(user=user, model_id=model_id)
    row = model.versions.filter(version=version).select_related("model_service").first()
    if row is None:
        raise Http404(
            _("Model %(name)s has no version %(version)s.")
            % {"name": repr(model.name), "version": repr(str(version)[:64])}
        )
    return row


def model_service_get_by_name(*, user, name: str) -> ModelService:
    """A visible model by its catalog name, or else its registry name (CI knows models by
    name), or 404."""
    visible = model_service_visible(user=user)
    model = visible.filter(name=name).first() or visible.filter(registry_name=name).first()
    if model is None:
        raise Http404(
            _("No model named %(name)s that you may see.") % {"name": repr(str(name)[:200])}
        )
    return model


def model_version_get_by_name(*, user, name: str, version: str) -> ModelVersion:
    """One version of a visible model known by name (see ``model_service_get_by_name``), or
    404."""
    model = model_service_get_by_name(user=user, name=name)
    row = model.versions.filter(version=version).select_related("model_service").first()
    if row is None:
        raise Http404(
            _("Model %(name)s has no version %(version)s.")
            % {"name": repr(model.name), "version": repr(str(version)[:64])}
        )
    return row


def model_version_list(*, user, model_service: ModelService) -> QuerySet[ModelVersion]:
    """Versions of an entry the caller has already been allowed to see, newest first."""
    return ModelVersion.objects.filter(model_service=model_service).order_by(
        "-version_number", "-created_at"
    )


# --- Moving a model to another team ---------------------------------------------------------
def _team_moves():
    return TeamMoveRequest.objects.select_related(
        "model_service", "from_team", "to_team", "requested_by", "decided_by"
    )


def team_move_get(*, user, move_id: UUID | str) -> TeamMoveRequest:
    """One move request, or 404 when it does not exist or ``user`` may not see it (see
    ``catalog.access.team_move_can_view``)."""
    try:
        move = _team_moves().get(pk=move_id)
    except (TeamMoveRequest.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404(_("No such team move.")) from exc
    if not team_move_can_view(user, move):
        raise Http404(_("No such team move."))
    return move


def team_move_offered_list(*, user) -> QuerySet[TeamMoveRequest]:
    """Pending moves ``user`` may accept or decline: offered to a team they are a model owner
    of (every pending move for admins), not those they asked for themselves."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return TeamMoveRequest.objects.none()
    if getattr(user, "is_service_account", False):
        return TeamMoveRequest.objects.none()
    pending = _team_moves().filter(state=TeamMoveRequest.State.PENDING)
    if not has_role(user, Role.ADMIN):
        if not has_role(user, Role.MODEL_OWNER):
            return TeamMoveRequest.objects.none()
        pending = pending.filter(to_team__group__user=user)
    return pending.exclude(requested_by=user).order_by("created_at")


def team_move_outgoing_list(*, user) -> QuerySet[TeamMoveRequest]:
    """Pending moves of models ``user`` may edit, or that they asked for: what their team is
    waiting on."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return TeamMoveRequest.objects.none()
    editable = ModelService.objects.filter(_granted_ids(user, CHANGE_PERMISSION)).values("pk")
    mine = Q(requested_by=user)
    if has_role(user, Role.MODEL_OWNER):
        mine |= Q(model_service__in=editable)
    return _team_moves().filter(mine, state=TeamMoveRequest.State.PENDING).order_by("created_at")


def team_move_pending_for(*, model_service: ModelService) -> TeamMoveRequest | None:
    """The pending move of a model the caller has already been allowed to see, if any."""
    return (
        _team_moves()
        .filter(model_service=model_service, state=TeamMoveRequest.State.PENDING)
        .first()
    )


# --- Registry sources and the webhook inbox (administrators) --------------------------------
def _require_admin(user) -> None:
    from django.core.exceptions import PermissionDenied

    if not has_role(user, Role.ADMIN):
        raise PermissionDenied("Registry sources and the webhook inbox are for administrators.")


def registry_source_list(*, user):
    from django.db.models import Count

    from catalog.models import RegistrySource

    _require_admin(user)
    return (
        RegistrySource.objects.filter(deleted_at__isnull=True)
        .annotate(
            delivery_count=Count("deliveries", distinct=True),
            model_count=Count("models", distinct=True),
        )
        .order_by("slug")
    )


def registry_source_get(*, user, slug: str):
    from catalog.models import RegistrySource

    _require_admin(user)
    source = RegistrySource.objects.filter(slug=slug, deleted_at__isnull=True).first()
    if source is None:
        raise Http404(_("No such registry source."))
    return source


def webhook_delivery_list(*, user, source: str = "", status: str = "", entity: str = ""):
    from catalog.models import WebhookDelivery

    _require_admin(user)
    rows = WebhookDelivery.objects.select_related("source")
    if source:
        rows = rows.filter(source__slug=source)
    if status:
        rows = rows.filter(status=status)
    if entity:
        rows = rows.filter(entity=entity)
    return rows.order_by("-created_at")


def webhook_delivery_get(*, user, pk):
    from catalog.models import WebhookDelivery

    _require_admin(user)
    try:
        return WebhookDelivery.objects.get(pk=pk)
    except (WebhookDelivery.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404(_("No such delivery.")) from exc
