"""Every state change on the catalog. Each service records its audit event in its transaction."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import Team
from audit.services import audit_record
from catalog.models import ModelService, ModelVersion, RegistrySource
from catalog.selectors import model_service_can_edit

# The business metadata the owning team keeps. Registry-derived fields (name, versions) are
# not in this list: they follow the registry.
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
    model.full_clean()
    model.save()
    audit_record(
        actor=actor,
        action="catalog.model_registered",
        target=model,
        subject_id=model.pk,
        after={"name": name, "owner_team": _audit_value(owner_team), **(metadata or {})},
    )
    return model


@transaction.atomic
def model_service_update_metadata(
    *, actor: Any, model_service: ModelService, changes: dict[str, Any]
) -> list[str]:
    """Change a model's business metadata; return the names of the fields that changed.

    Only members of the owning team with the model-owner role (or admins) may edit. The row is
    locked so two simultaneous edits cannot each think they changed the "before" value. Exactly
    one audit event is written, holding only the changed fields; nothing is written when
    nothing changed.
    """
    unknown = set(changes) - set(EDITABLE_METADATA_FIELDS)
    if unknown:
        raise ValidationError(f"Not editable: {', '.join(sorted(unknown))}.")
    model = ModelService.objects.select_for_update().get(pk=model_service.pk)
    if not model_service_can_edit(actor, model):
        raise PermissionDenied("Only the owning team's model owners may edit this model.")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field, new_value in changes.items():
        old_value = getattr(model, field)
        if old_value != new_value:
            before[field] = _audit_value(old_value)
            after[field] = _audit_value(new_value)
            setattr(model, field, new_value)
    if not after:
        return []
    model.full_clean()
    model.save()
    audit_record(
        actor=actor,
        action="catalog.model_updated",
        target=model,
        subject_id=model.pk,
        before=before,
        after=after,
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
    model_version.full_clean()
    model_version.save()
    audit_record(
        actor=actor,
        action="catalog.version_registered",
        target=model_version,
        subject_id=model_service.pk,
        after={"version": version, "source_uri": source_uri, "run_id": run_id},
    )
    return model_version
