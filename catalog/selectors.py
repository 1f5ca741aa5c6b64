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

from accounts.models import Team
from accounts.roles import Role, has_role
from catalog.models import (
    ModelService,
    ModelServiceGroupPermission,
    ModelServiceUserPermission,
    ModelVersion,
)

VIEW_PERMISSION = "view_modelservice"
CHANGE_PERMISSION = "change_modelservice"
# Roles that see the whole catalog.
PORTFOLIO_ROLES = (Role.ADMIN, Role.COMPLIANCE_OFFICER, Role.AUDITOR)

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


def _granted_ids(user, codename: str) -> Q:
    """Entries on which ``user`` holds ``codename`` directly or through one of their groups."""
    via_groups = ModelServiceGroupPermission.objects.filter(
        permission__codename=codename, group__user=user
    ).values("content_object_id")
    via_user = ModelServiceUserPermission.objects.filter(
        permission__codename=codename, user=user
    ).values("content_object_id")
    return Q(pk__in=via_groups) | Q(pk__in=via_user)


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


def model_service_list(*, user, filters: CatalogFilters | None = None) -> QuerySet[ModelService]:
    """Catalog list with team, version count and latest version in one query (any page size)."""
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
    return models.order_by(*SORTS.get(f.sort, SORTS["name"]))


def model_service_get(*, user, model_id: UUID | str) -> ModelService:
    """One catalog entry, or 404 when it does not exist or ``user`` may not see it."""
    try:
        model = ModelService.objects.select_related("owner_team", "registry_source").get(
            pk=model_id
        )
    except (ModelService.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404("No such model.") from exc
    if not model_service_can_view(user, model):
        raise Http404("No such model.")  # the same answer as for a model that does not exist
    return model


def model_version_list(*, user, model_service: ModelService) -> QuerySet[ModelVersion]:
    """Versions of an entry the caller has already been allowed to see, newest first."""
    return ModelVersion.objects.filter(model_service=model_service).order_by(
        "-version_number", "-created_at"
    )


def model_service_can_view(user, model_service: ModelService) -> bool:
    """The rule of ``model_service_visible`` for one entry, as index lookups on that entry
    (filtering the whole visible set by pk costs a scan of the user's grants at 10k models)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if has_role(user, *PORTFOLIO_ROLES):
        return True
    pk = model_service.pk
    return (
        ModelServiceGroupPermission.objects.filter(
            content_object_id=pk, permission__codename=VIEW_PERMISSION, group__user=user
        ).exists()
        or ModelServiceUserPermission.objects.filter(
            content_object_id=pk, permission__codename=VIEW_PERMISSION, user=user
        ).exists()
        or Team.objects.filter(pk=model_service.owner_team_id, reviewers=user).exists()
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
        .filter(_granted_ids(user, CHANGE_PERMISSION))
        .exists()
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
    return RegistrySource.objects.annotate(
        delivery_count=Count("deliveries", distinct=True),
        model_count=Count("models", distinct=True),
    ).order_by("slug")


def registry_source_get(*, user, slug: str):
    from catalog.models import RegistrySource

    _require_admin(user)
    source = RegistrySource.objects.filter(slug=slug).first()
    if source is None:
        raise Http404("No such registry source.")
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
        raise Http404("No such delivery.") from exc
