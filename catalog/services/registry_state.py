"""Applying the registry's current state to the catalog, shared by webhook processing and
reconciliation (catalog.services.ingest).

Callers hold the per-registry-model lock (``ingest.registry_model_lock``) and have read the
registry already; these functions only write. Every change is audited here, and the registry's
``last_updated_timestamp`` guards each row (compare-and-set), so a stale read never overwrites a
newer one.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from accounts.models import Team
from audit.services import audit_record
from catalog import events
from catalog.audit_actions import ALIAS_MOVED, MODEL_SYNCED, VERSION_SYNCED, VERSION_TAG_CHANGED
from catalog.models import ModelService, ModelVersion, RegistrySource
from catalog.registries import adapter_for
from catalog.registries.base import RegistryModel, RegistryVersion
from catalog.services.entries import model_service_register, model_version_register

# The version property Attest's write-back sets on registries without an approval status of
# their own (approvals/writeback.py): a change to it is checked for drift.
APPROVAL_TAG = "attest.status"


def _approval_in_tags(entry: ModelService) -> bool:
    source = entry.registry_source
    return source is not None and adapter_for(source.kind).approval_in_tags


def _stale(stored, incoming) -> bool:
    return stored is not None and incoming is not None and incoming < stored


def _catalog_name_for(source: RegistrySource, registry_name: str) -> str:
    taken = ModelService.objects.filter(name=registry_name).exists()
    return f"{source.slug}/{registry_name}" if taken else registry_name


def _sync_model(
    source: RegistrySource, state: RegistryModel, entry: ModelService | None = None
) -> tuple[ModelService, list[str]]:
    # Read here, under the caller's per-registry-model lock (webhooks), or handed in by
    # reconciliation, which read it before taking the lock and so needs it read again below.
    read_under_lock = entry is None
    entry = (
        entry
        or ModelService.objects.filter(registry_source=source, registry_name=state.name).first()
    )
    if entry is None:
        # A registry tag "team" naming an Attest team makes that team the owner. The group comes
        # along: model_service_register grants it access (saves a query per new model).
        team = Team.objects.select_related("group").filter(slug=state.tags.get("team", "")).first()
        entry = model_service_register(
            actor=None,
            name=_catalog_name_for(source, state.name),
            owner_team=team,
            registry_source=source,
            registry_name=state.name,
            metadata={"description": state.description},
        )
        ModelService.objects.filter(pk=entry.pk).update(
            registry_description=state.description,
            registry_tags=state.tags,
            registry_created_at=state.created_at,
            registry_updated_at=state.updated_at,
        )
        # The row was inserted by this transaction a moment ago: set what the UPDATE wrote
        # instead of reading the whole row back.
        entry.registry_description, entry.registry_tags = state.description, state.tags
        entry.registry_created_at, entry.registry_updated_at = state.created_at, state.updated_at
        return entry, ["registered"]
    if _stale(entry.registry_updated_at, state.updated_at):
        return entry, []
    before, after = {}, {}
    for field, value in (
        ("registry_description", state.description),
        ("registry_tags", state.tags),
    ):
        if getattr(entry, field) != value:
            before[field], after[field] = getattr(entry, field), value
    if entry.registry_deleted_at is not None:
        before["registry_deleted_at"] = entry.registry_deleted_at.isoformat()
        after["registry_deleted_at"] = None
    # Written even when nothing changed: touching updated_at on every applied delivery (a new
    # version, say) is what keeps "recently updated" sorting meaningful in the catalog.
    now = timezone.now()
    ModelService.objects.filter(pk=entry.pk).update(
        registry_description=state.description,
        registry_tags=state.tags,
        registry_created_at=state.created_at,
        registry_updated_at=state.updated_at,
        registry_deleted_at=None,
        updated_at=now,
    )
    if read_under_lock:
        # Read a moment ago in this transaction, under the per-registry-model lock: set what
        # the UPDATE wrote rather than reading the row back (one query less per delivery).
        # What follows uses only the pk, the name and these fields.
        entry.registry_description, entry.registry_tags = state.description, state.tags
        entry.registry_created_at, entry.registry_updated_at = state.created_at, state.updated_at
        entry.registry_deleted_at, entry.updated_at = None, now
    else:
        entry.refresh_from_db()
    if after:
        audit_record(
            actor=None,
            action=MODEL_SYNCED,
            target=entry,
            subject_id=entry.pk,
            before=before,
            after=after,
        )
        return entry, ["model updated"]
    return entry, []


def _version_rows(entry: ModelService, only: list[str] | None = None) -> dict[str, ModelVersion]:
    """The entry's version rows by version (all, or those in ``only``), for syncing many
    versions at once. Read through the related manager so each row knows its entry (audit
    labels use its name) and without the default ordering, which joins the model table only to
    sort. A version missing from the answer is new."""
    rows = entry.versions.order_by()
    if only is not None:
        rows = rows.filter(version__in=only)
    return {row.version: row for row in rows}


def _sync_version(
    entry: ModelService,
    state: RegistryVersion,
    rows: dict[str, ModelVersion] | None = None,
) -> list[str]:
    """``rows``: the entry's version rows read in this transaction after the per-registry-model
    lock (``_version_rows``); without it, the one row is read here."""
    if rows is not None:
        row = rows.get(state.version)
    else:
        # Related manager: the row comes back knowing its entry, so the audit label
        # ("<name> v<n>") costs no query. Unordered: the default ordering joins the model table.
        row = entry.versions.filter(version=state.version).order_by().first()
    status = state.status
    if row is None:
        row = model_version_register(
            actor=None,
            model_service=entry,
            version=state.version,
            source_uri=state.source,
            run_id=state.run_id,
            description=state.description,
            tags=state.tags,
            status=status,
            registry_created_at=state.created_at,
            registry_updated_at=state.updated_at,
            **({"metrics": state.metrics} if state.metrics is not None else {}),
        )
        if state.approval_status:
            ModelVersion.objects.filter(pk=row.pk).update(
                registry_approval_status=state.approval_status
            )
        if state.approval_status or (_approval_in_tags(entry) and state.tags.get(APPROVAL_TAG)):
            # Registered already approved in the registry: drift unless Attest approved it.
            events.aliases_changed.send(sender=ModelVersion, model_service=entry)
        return [f"v{state.version} registered"]
    if _stale(row.registry_updated_at, state.updated_at):
        return []
    changes: list[str] = []
    approval_tag_moved = _approval_in_tags(entry) and (
        row.tags.get(APPROVAL_TAG) != state.tags.get(APPROVAL_TAG)
    )
    if row.tags != state.tags:
        keys = sorted(set(row.tags) | set(state.tags))
        audit_record(
            actor=None,
            action=VERSION_TAG_CHANGED,
            target=row,
            subject_id=entry.pk,
            before={k: row.tags.get(k) for k in keys if row.tags.get(k) != state.tags.get(k)},
            after={k: state.tags.get(k) for k in keys if row.tags.get(k) != state.tags.get(k)},
        )
        changes.append(f"v{row.version} tags")
    fields = {
        "description": state.description,
        "status": status,
        "source_uri": state.source,
        "run_id": state.run_id,
    }
    # Only registries that have them (None: keep what the catalog holds, e.g. MLflow).
    if state.metrics is not None:
        fields["metrics"] = state.metrics
    if state.approval_status is not None:
        fields["registry_approval_status"] = state.approval_status
    # A registry that does not say when a version was created (a push "updated" event).
    created_at = state.created_at if state.created_at is not None else row.registry_created_at
    before = {f: getattr(row, f) for f, v in fields.items() if getattr(row, f) != v}
    if (
        not changes
        and not before
        and row.registry_deleted_at is None
        and row.registry_updated_at == state.updated_at
        and row.registry_created_at == created_at
    ):
        # The registry says exactly what the row holds (a duplicate, or a model or alias event
        # re-reading every version): writing it again would only move updated_at.
        return []
    if before or row.registry_deleted_at is not None:
        audit_record(
            actor=None,
            action=VERSION_SYNCED,
            target=row,
            subject_id=entry.pk,
            before=before,
            after={f: fields[f] for f in before}
            | ({"registry_deleted_at": None} if row.registry_deleted_at else {}),
        )
        changes.append(f"v{row.version} updated")
    ModelVersion.objects.filter(pk=row.pk).update(
        tags=state.tags,
        registry_updated_at=state.updated_at,
        registry_created_at=created_at,
        registry_deleted_at=None,
        updated_at=timezone.now(),
        **fields,
    )
    if changes:
        events.model_changed.send(
            sender=ModelVersion, model_service=entry, cause=f"registry: {', '.join(changes)}"
        )
    if "registry_approval_status" in before or approval_tag_moved:
        # The registry's approval status moved (SageMaker) or the approval property Attest
        # writes (Kubeflow): drift unless Attest decided it.
        events.aliases_changed.send(sender=ModelVersion, model_service=entry)
    return changes


def _sync_aliases(entry: ModelService, aliases: dict[str, str]) -> list[str]:
    """Make every version's aliases exactly what the registry says; one event per moved alias."""
    # Only versions that hold an alias or should hold one can change: the rest (nearly every
    # version of a long-lived model) need not be read on every delivery. Ordered as before
    # (newest first) without joining the model table.
    versions = list(
        entry.versions.filter(Q(version__in=set(aliases.values())) | ~Q(aliases=[])).order_by(
            "-version_number", "-version"
        )
    )
    current = {alias: v.version for v in versions for alias in v.aliases}
    changes = []
    for alias in sorted(set(current) | set(aliases)):
        old, new = current.get(alias), aliases.get(alias)
        if old != new:
            audit_record(
                actor=None,
                action=ALIAS_MOVED,
                target=entry,
                subject_id=entry.pk,
                before={"alias": alias, "version": old},
                after={"alias": alias, "version": new},
            )
            changes.append(f"@{alias} {old or '-'}→{new or '-'}")
    for version in versions:
        wanted = sorted(a for a, v in aliases.items() if v == version.version)
        if sorted(version.aliases) != wanted:
            ModelVersion.objects.filter(pk=version.pk).update(
                aliases=wanted, updated_at=timezone.now()
            )
    if changes:
        events.aliases_changed.send(sender=ModelVersion, model_service=entry)
    return changes
