"""Applying what a registry says now about one model to the catalog: the step shared by the
inbox drain (``catalog.services.inbox``), single deliveries and write-back's locking.

Callers hold a transaction. ``registry_model_lock`` serialises all work on one registry model
(webhooks, reconciliation, write-back) until commit; the registry is read *after* it, so a
later writer always saw a state at least as new as an earlier one.
"""

from __future__ import annotations

import hashlib

from django.db import connection
from django.utils import timezone

from audit.services import audit_record
from catalog.audit_actions import MODEL_DELETED_IN_REGISTRY, VERSION_DELETED_IN_REGISTRY
from catalog.models import ModelService, RegistrySource
from catalog.registries.base import EventState, WebhookEvent
from catalog.services.registry_state import (
    _sync_aliases,
    _sync_model,
    _sync_version,
    _version_rows,
)
from catalog.services.sources import registry_client

__all__ = ["registry_model_lock"]


def registry_model_lock(source: RegistrySource, name: str) -> None:
    """Serialise all work on one registry model (webhooks and reconciliation) until commit.

    Reading the registry *after* taking the lock means a later writer always saw a state at
    least as new as an earlier one, so a stale read can never overwrite a newer one.
    """
    if connection.vendor != "postgresql":
        return  # SQLite (embedded demo) serialises writers anyway
    key = int.from_bytes(
        hashlib.sha256(f"{source.pk}:{name}".encode()).digest()[:8], "big", signed=True
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _apply_events(source: RegistrySource, events: list[WebhookEvent]) -> str:
    """Apply pending events about one registry model (the caller holds its lock).

    Several events of a registry whose client can read them together (MLflow) cost one read
    of the model and one of each version they name: the registry's current state is what is
    applied, never the payloads, so one read stands for all of them. Other kinds are read event
    by event (the push API's events carry the state themselves, in order). Every read comes
    before the first write, so no row lock waits on an HTTP round trip of this batch.
    """
    client = registry_client(source)
    if len(events) > 1 and hasattr(client, "read_for_events"):
        return _apply_read(source, client.read_for_events(events))
    reads = [(event, client.read_for_event(event)) for event in events]
    outcomes = [_apply_read(source, read, event.model_name) for event, read in reads]
    unique = list(dict.fromkeys(outcomes))
    return " ".join(unique)


def _apply_read(source: RegistrySource, read: EventState, name: str = "") -> str:
    state = read.model
    if state is None:
        # MLflow's test ping ("example_model") and events for since-deleted models land here.
        return f"{name!r} is not in the registry: nothing to apply."
    if read.deleted_model or read.deleted_versions:
        return _apply_deletion(source, read)
    entry, changes = _sync_model(source, state)
    # Many versions: read their rows in one query, not one per version (still under the lock);
    # only those read, unless they are most of the model anyway (a model or alias event).
    only = [v.version for v in read.versions] if len(read.versions) <= 200 else None
    rows = _version_rows(entry, only) if len(read.versions) > 1 else None
    for version in read.versions:
        changes += _sync_version(entry, version, rows)
    if state.aliases is not None:
        changes += _sync_aliases(entry, state.aliases)
    return f"{entry.name}: {', '.join(changes) or 'up to date'}."


def _apply_deletion(source: RegistrySource, read: EventState) -> str:
    """A deletion the source announced itself (the push API): kept, marked deleted, unless a
    newer state was applied already (a late delivery changes nothing)."""
    name = read.model.name
    entry = ModelService.objects.filter(registry_source=source, registry_name=name).first()
    if entry is None:
        return f"{name!r} is not in the catalog: nothing to delete."
    if read.deleted_model:
        if entry.registry_deleted_at is not None:
            return f"{entry.name}: already marked deleted."
        if (
            read.changed_at
            and entry.registry_updated_at
            and entry.registry_updated_at > read.changed_at
        ):
            return f"{entry.name}: a newer state was applied; deletion ignored."
        _mark_deleted(entry, entry.pk, MODEL_DELETED_IN_REGISTRY)
        return f"{entry.name}: marked deleted in the registry."
    done = []
    for row in entry.versions.filter(version__in=read.deleted_versions, registry_deleted_at=None):
        if (
            read.changed_at
            and row.registry_updated_at
            and row.registry_updated_at > read.changed_at
        ):
            continue
        _mark_deleted(row, entry.pk, VERSION_DELETED_IN_REGISTRY)
        done.append(f"v{row.version} marked deleted")
    return f"{entry.name}: {', '.join(done) or 'nothing to delete'}."


def _mark_deleted(row, subject_id, action: str) -> None:
    type(row).objects.filter(pk=row.pk).update(
        registry_deleted_at=timezone.now(), updated_at=timezone.now()
    )
    audit_record(
        actor=None,
        action=action,
        target=row,
        subject_id=subject_id,
        after={"registry_deleted": True},
    )
