"""Permission-aware reads of the catalog: the one gate used by pages and API alike.

Visibility today: every active, signed-in user sees the catalog (stakeholders need the
overview); editing is for the owning team's model owners and admins. Team-scoped visibility
narrows ``model_service_visible`` and nothing else has to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from accounts.roles import Role, has_role
from catalog.models import ModelService, ModelVersion

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
    return ModelService.objects.all()


def model_service_list(*, user, filters: CatalogFilters | None = None) -> QuerySet[ModelService]:
    """Catalog list with team, version count and latest version in one query (any page size)."""
    f = filters or CatalogFilters()
    latest = ModelVersion.objects.filter(model_service=OuterRef("pk")).order_by(
        "-version_number", "-created_at"
    )
    models = (
        model_service_visible(user=user)
        .select_related("owner_team")
        .annotate(
            version_count=Count("versions", distinct=True),
            latest_version=Subquery(latest.values("version")[:1]),
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
    return models.order_by(*SORTS.get(f.sort, SORTS["name"]))


def model_service_get(*, user, model_id: UUID | str) -> ModelService:
    """One catalog entry, or 404 when it does not exist or ``user`` may not see it."""
    try:
        return (
            model_service_visible(user=user)
            .select_related("owner_team", "registry_source")
            .get(pk=model_id)
        )
    except (ModelService.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404("No such model.") from exc


def model_version_list(*, user, model_service: ModelService) -> QuerySet[ModelVersion]:
    """Versions of an entry the caller has already been allowed to see, newest first."""
    return ModelVersion.objects.filter(model_service=model_service).order_by(
        "-version_number", "-created_at"
    )


def model_service_can_edit(user, model_service: ModelService) -> bool:
    """Admins, and model owners who are members of the owning team."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if has_role(user, Role.ADMIN):
        return True
    return (
        model_service.owner_team_id is not None
        and has_role(user, Role.MODEL_OWNER)
        and user.teams.filter(pk=model_service.owner_team_id).exists()
    )
