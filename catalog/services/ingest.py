"""Registry webhooks into the catalog: receive, process, sweep, reconcile.

Design (reference/reliability-tests.md, "Webhook receiver" and "Work that must not be lost"):
- the receiver verifies the signature on the raw body, stores the delivery in the inbox with
  ON CONFLICT DO NOTHING and queues processing after commit — nothing else;
- processing never trusts the payload: it re-reads the registry's current state and applies it,
  serialised per registry model (advisory lock) and guarded by the registry's timestamps, so
  lost, duplicated, reordered or stale deliveries all converge on the same catalog;
- the inbox row is the durable record: the sweeper re-queues what a lost queue or a dead worker
  left behind, and an attempt counter stops a delivery that keeps failing;
- reconciliation walks the whole registry for what MLflow never announces (renames, deletions,
  description edits).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from catalog.audit_actions import (
    DELIVERY_FAILED,
    DELIVERY_RETRIED,
    MODEL_DELETED_IN_REGISTRY,
    MODEL_RENAMED,
    REGISTRY_RECONCILED,
    VERSION_DELETED_IN_REGISTRY,
)
from catalog.models import ModelService, RegistrySource, WebhookDelivery
from catalog.registries import adapter_for, base, mlflow
from catalog.registries.base import Handshake, Refused, WebhookEvent
from catalog.services.registry_state import (
    _sync_aliases,
    _sync_model,
    _sync_version,
    _version_rows,
)
from catalog.services.sources import registry_client, webhook_secrets_active
from common.outbox import outbox_enqueue

__all__ = [
    "DeliveryAnswer",
    "registry_delivery_options",
    "registry_delivery_process",
    "registry_delivery_receive",
    "registry_delivery_retry",
    "registry_inbox_sweep",
    "registry_reconcile",
]

logger = logging.getLogger(__name__)
Status = WebhookDelivery.Status


# --- Receive --------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeliveryAnswer:
    """What the receiver answers: ``body`` replaces ``{"detail": ...}`` for a handshake."""

    status: int
    detail: str
    delivery: WebhookDelivery | None = None
    body: dict | None = None
    headers: dict = field(default_factory=dict)


def registry_delivery_receive(
    *, source_slug: str, headers: dict[str, str], body: bytes, now: float, query=None
) -> DeliveryAnswer:
    """Verify one delivery with the source kind's adapter and store it in the inbox; never
    raises for bad input.

    404 unknown source; 401 missing or wrong signature or key, or a timestamp outside the
    window; 400 malformed headers or body; 200 stored (or already stored: a duplicate adds
    nothing).
    """
    source = RegistrySource.objects.filter(slug=source_slug, is_active=True).first()
    if source is None:
        return DeliveryAnswer(404, _("No such registry source."))
    try:
        received = adapter_for(source.kind).verify(
            headers=headers,
            body=body,
            # Decrypted only once a delivery gets as far as its signature check.
            secrets=_ActiveSecrets(source),
            now=now,
            tolerance=settings.ATTEST_WEBHOOK_TOLERANCE_SECONDS,
            options=source.settings,
            query=query or {},
        )
    except Handshake as handshake:  # the registry validating the endpoint: nothing stored
        return DeliveryAnswer(
            handshake.status, "Endpoint validated.", body=handshake.body, headers=handshake.headers
        )
    except Refused as exc:
        return DeliveryAnswer(exc.status, exc.detail)
    except Exception:  # a verifier bug must still be a 4xx, never a 500 (reliability W2)
        logger.exception("verifying a delivery to %s failed", source_slug)
        return DeliveryAnswer(400, _("The delivery could not be verified."))
    return _store_delivery(source, received.delivery_id, received.signed_at, body, received.event)


def registry_delivery_options(
    *, source_slug: str, headers: dict[str, str], query=None
) -> DeliveryAnswer:
    """``OPTIONS /webhooks/<slug>/``: the CloudEvents handshake of kinds that have one (Event
    Grid), 405 for the others; never raises for bad input."""
    source = RegistrySource.objects.filter(slug=source_slug, is_active=True).first()
    if source is None:
        return DeliveryAnswer(404, "No such registry source.")
    answer = adapter_for(source.kind).answer_options
    if answer is None:
        return DeliveryAnswer(405, "Deliveries are POSTed.", headers={"Allow": "POST"})
    try:
        handshake = answer(
            headers=headers,
            query=query or {},
            secrets=_ActiveSecrets(source),
            options=source.settings,
        )
    except Refused as exc:
        return DeliveryAnswer(exc.status, exc.detail)
    except Exception:
        logger.exception("answering OPTIONS for %s failed", source_slug)
        return DeliveryAnswer(400, "The validation request could not be answered.")
    return DeliveryAnswer(handshake.status, "", body=handshake.body, headers=handshake.headers)


class _ActiveSecrets:
    """The source's active secrets, decrypted when an adapter first iterates over them."""

    def __init__(self, source: RegistrySource):
        self.source, self._secrets = source, None

    def __iter__(self):
        if self._secrets is None:
            self._secrets = webhook_secrets_active(self.source)
        return iter(self._secrets)


def timestamp_is_fresh(timestamp: str, now: float) -> bool:
    return mlflow.timestamp_fresh(timestamp, now, settings.ATTEST_WEBHOOK_TOLERANCE_SECONDS)


@transaction.atomic
def _store_delivery(source, delivery_id, signed_at, body, event) -> DeliveryAnswer:
    row_id = uuid.uuid4()
    # ON CONFLICT DO NOTHING: concurrent duplicates cannot both insert (check-then-insert let
    # 652 rows in for 100 events x 8 parallel duplicates in the probe).
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                id=row_id,
                source=source,
                delivery_id=delivery_id,
                signed_at=signed_at,
                entity=event.entity,
                action=event.action,
                body=body.decode("utf-8"),
                payload={"entity": event.entity, "action": event.action, "data": event.data},
            )
        ],
        ignore_conflicts=True,
    )
    row = WebhookDelivery.objects.filter(pk=row_id).first()
    if row is None:
        WebhookDelivery.objects.filter(source=source, delivery_id=delivery_id).update(
            duplicates=F("duplicates") + 1
        )
        return DeliveryAnswer(200, _("Duplicate delivery: already received."))
    outbox_enqueue("catalog.tasks.process_delivery", str(row_id))
    return DeliveryAnswer(200, _("Received."), row)


# --- Process --------------------------------------------------------------------------------
def registry_delivery_process(*, delivery_pk: uuid.UUID | str) -> str:
    """Apply one inbox row to the catalog, exactly once. Returns what happened.

    The attempt is counted and committed first, so a delivery that kills its worker every
    time is still stopped after ATTEST_INGEST_MAX_ATTEMPTS. Raises RegistryUnavailable when
    the registry cannot be read (the task retries later with backoff).
    """
    with transaction.atomic():
        # Wait for the lock rather than skip: a duplicate delivery holds it for a moment while
        # counting itself. Exactly-once comes from the status check under the lock below.
        row = WebhookDelivery.objects.select_for_update().filter(pk=delivery_pk).first()
        if row is None:
            return "missing"
        if row.status in WebhookDelivery.DONE:
            return f"already {row.status}"
        if row.attempts >= settings.ATTEST_INGEST_MAX_ATTEMPTS:
            _mark_failed(row, row.last_error or "Gave up: too many attempts.")
            return "failed"
        row.attempts += 1
        row.status = Status.PROCESSING
        row.save(update_fields=["attempts", "status", "updated_at"])
    try:
        with transaction.atomic():
            row = (
                WebhookDelivery.objects.select_for_update()
                .select_related("source")
                .get(pk=delivery_pk)
            )
            if row.status in WebhookDelivery.DONE:
                return f"already {row.status}"
            event = adapter_for(row.source.kind).parse_stored(row.body.encode("utf-8"))
            if not event.concerns_models:
                row.status, row.outcome = Status.IGNORED, "Not a model-registry event."
            else:
                row.status = Status.PROCESSED
                row.outcome = _apply_event(row.source, event)[:300]
            row.processed_at = timezone.now()
            row.last_error = ""
            row.save(
                update_fields=["status", "outcome", "processed_at", "last_error", "updated_at"]
            )
            return row.status
    except Exception as exc:
        _record_failure(delivery_pk, exc)
        raise


def _record_failure(delivery_pk, exc: Exception) -> None:
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update().get(pk=delivery_pk)
        # A registry's failure is one sentence with the next step already (registries.errors).
        known = isinstance(exc, base.RegistryUnavailable | base.RegistryRequestRefused)
        error = (str(exc) if known else f"{type(exc).__name__}: {exc}")[:2000]
        if row.attempts >= settings.ATTEST_INGEST_MAX_ATTEMPTS:
            _mark_failed(row, error)
        else:
            row.status, row.last_error = Status.PENDING, error
            row.save(update_fields=["status", "last_error", "updated_at"])
    logger.warning("registry delivery %s failed: %s", delivery_pk, exc)


def _mark_failed(row: WebhookDelivery, error: str) -> None:
    row.status, row.last_error = Status.FAILED, error
    row.save(update_fields=["status", "last_error", "updated_at"])
    audit_record(
        actor=None,
        action=DELIVERY_FAILED,
        target=row,
        after={"attempts": row.attempts, "error": error[:300]},
    )


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


def _apply_event(source: RegistrySource, event: WebhookEvent) -> str:
    registry_model_lock(source, event.model_name)
    # Every registry read comes before the first write: a write may append to the audit
    # chain, whose lock (one for the whole trail) is then held to commit, and no other audited
    # action anywhere should wait behind an HTTP round trip to the registry.
    read = registry_client(source).read_for_event(event)
    state = read.model
    if state is None:
        # MLflow's test ping ("example_model") and events for since-deleted models land here.
        return f"{event.model_name!r} is not in the registry: nothing to apply."
    if read.deleted_model or read.deleted_versions:
        return _apply_deletion(source, read)
    entry, changes = _sync_model(source, state)
    # Many versions: read their rows in one query, not one per version (still under the lock).
    rows = _version_rows(entry) if len(read.versions) > 1 else None
    for version in read.versions:
        changes += _sync_version(entry, version, rows)
    if state.aliases is not None:
        changes += _sync_aliases(entry, state.aliases)
    return f"{entry.name}: {', '.join(changes) or 'up to date'}."


def _apply_deletion(source: RegistrySource, read) -> str:
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


# --- Retry and sweep ------------------------------------------------------------------------
@transaction.atomic
def registry_delivery_retry(*, actor: Any, delivery: WebhookDelivery) -> None:
    """Send a failed delivery round again (from the inbox page), with a fresh attempt budget."""
    row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if row.status in WebhookDelivery.DONE:
        return
    row.status, row.attempts = Status.PENDING, 0
    row.save(update_fields=["status", "attempts", "updated_at"])
    audit_record(
        actor=actor,
        action=DELIVERY_RETRIED,
        target=row,
        after={"delivery_id": row.delivery_id},
    )
    outbox_enqueue("catalog.tasks.process_delivery", str(row.pk))


def registry_inbox_sweep(*, now=None) -> list[uuid.UUID]:
    """Rows not done and untouched for a while: give up on exhausted ones, return the rest
    (touched, so the next sweep does not send them again at once) to be re-queued."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.ATTEST_INGEST_SWEEP_AFTER_SECONDS)
    stale = WebhookDelivery.objects.filter(
        status__in=[Status.PENDING, Status.PROCESSING], updated_at__lt=cutoff
    )
    for row in stale.filter(attempts__gte=settings.ATTEST_INGEST_MAX_ATTEMPTS):
        with transaction.atomic():
            _mark_failed(
                row,
                row.last_error
                or "Gave up: the delivery never finished (its task may crash the worker).",
            )
    with transaction.atomic():
        ids = list(
            stale.filter(attempts__lt=settings.ATTEST_INGEST_MAX_ATTEMPTS)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        WebhookDelivery.objects.filter(pk__in=ids).update(updated_at=now)
    return ids


# --- Reconciliation -------------------------------------------------------------------------
def _fingerprint(versions) -> dict[str, tuple[str, str]]:
    return {v.version: (v.run_id, v.source) for v in versions}


def _rename_target(entry: ModelService, candidates: list[str], versions: dict) -> str | None:
    """The new registry name of a catalog entry whose name vanished, if exactly one new name
    shares at least one version with it (same number, run and source) and contradicts none.
    Versions may have been deleted or added since, so equality is not required."""
    mine = {v.version: (v.run_id, v.source_uri) for v in entry.versions.all()}
    scores = {}
    for name in candidates:
        theirs = _fingerprint(versions[name])
        common = set(mine) & set(theirs)
        if common and all(mine[v] == theirs[v] for v in common):
            scores[name] = len(common)
    if not scores:
        return None
    best = max(scores.values())
    winners = [name for name, score in scores.items() if score == best]
    return winners[0] if len(winners) == 1 else None


def registry_reconcile(
    *, source: RegistrySource, actor: Any = None, client: Any = None
) -> dict[str, int]:
    """Make the catalog match the whole registry; return counts of what changed.

    New models and versions are added, changed ones updated, aliases moved; models and
    versions gone from the registry are kept and marked deleted-in-registry; a model that
    disappeared under one name and appeared under another with the same versions (run id and
    source per version) is a rename: same catalog entry, old name kept in its history.
    """
    client = client or registry_client(source)
    if not client.CAN_RECONCILE:
        return {}  # a push source has no registry to walk: what was pushed is all there is
    counts: Counter[str] = Counter()
    registry = {m.name: m for m in client.search_models()}
    versions = {name: list(client.search_versions(name)) for name in registry}
    entries = {
        e.registry_name: e
        for e in ModelService.objects.filter(registry_source=source).prefetch_related("versions")
    }

    gone = [e for name, e in entries.items() if name not in registry]
    new_names = [name for name in registry if name not in entries]
    for entry in gone:
        match = _rename_target(entry, new_names, versions)
        if match:
            old_name = entry.registry_name
            _rename(entry, match, actor)
            new_names.remove(match)
            entries[match] = entries.pop(old_name)
            counts["models_renamed"] += 1

    for name, state in registry.items():
        with transaction.atomic():
            registry_model_lock(source, name)
            entry, changes = _sync_model(source, state, entries.get(name))
            if "registered" in changes:
                counts["models_added"] += 1
            elif changes:
                counts["models_updated"] += 1
            seen = set()
            rows = _version_rows(entry)  # read after the lock: one query, not one per version
            for version in versions[name]:
                seen.add(version.version)
                for change in _sync_version(entry, version, rows):
                    counts[
                        "versions_added" if change.endswith("registered") else "versions_updated"
                    ] += 1
            moved = len(_sync_aliases(entry, state.aliases)) if state.aliases is not None else 0
            if moved:
                counts["aliases_moved"] += moved
            for row in entry.versions.filter(registry_deleted_at__isnull=True).exclude(
                version__in=seen
            ):
                _mark_deleted(row, entry.pk, VERSION_DELETED_IN_REGISTRY)
                counts["versions_deleted"] += 1

    for name, entry in entries.items():
        if name not in registry and entry.registry_deleted_at is None:
            with transaction.atomic():
                _mark_deleted(entry, entry.pk, MODEL_DELETED_IN_REGISTRY)
                counts["models_deleted"] += 1

    summary = dict(sorted(counts.items()))
    with transaction.atomic():
        RegistrySource.objects.filter(pk=source.pk).update(
            last_reconciled_at=timezone.now(), last_reconcile_summary=summary
        )
        audit_record(actor=actor, action=REGISTRY_RECONCILED, target=source, after=summary)
    return summary


@transaction.atomic
def _rename(entry: ModelService, new_name: str, actor: Any) -> None:
    old_name = entry.registry_name
    history = [
        *entry.registry_name_history,
        {"name": old_name, "until": timezone.now().isoformat()},
    ]
    updates = {"registry_name": new_name, "registry_name_history": history}
    # CI refers to the catalog name: follow the registry unless someone chose another name.
    if entry.name == old_name and not ModelService.objects.filter(name=new_name).exists():
        updates["name"] = new_name
    ModelService.objects.filter(pk=entry.pk).update(**updates, updated_at=timezone.now())
    audit_record(
        actor=actor,
        action=MODEL_RENAMED,
        target=entry,
        subject_id=entry.pk,
        before={"registry_name": old_name},
        after={"registry_name": new_name},
    )
    entry.refresh_from_db()


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
