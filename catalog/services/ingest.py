"""Registry webhooks into the catalog: receive, process, sweep, reconcile.

Design (reference/reliability-tests.md, "Webhook receiver" and "Work that must not be lost"):
- the receiver verifies the signature on the raw body and stores the delivery in the inbox with
  one INSERT ... ON CONFLICT — nothing else, no broker publish (``catalog.services.inbox``);
- drainers take the inbox in batches and apply each registry model's deliveries together
  (``catalog.services.inbox``); processing never trusts the payload: it re-reads the
  registry's current state and applies it, serialised per registry model (advisory lock) and
  guarded by the registry's timestamps, so lost, duplicated, reordered or stale deliveries all
  converge on the same catalog (``catalog.services.apply``);
- the inbox row is the durable record and the queue: the sweeper hands back what a dead worker
  left behind, and an attempt counter stops a delivery that keeps failing;
- reconciliation walks the whole registry for what MLflow never announces (renames, deletions,
  description edits).
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from catalog.audit_actions import (
    DELIVERY_RETRIED,
    MODEL_DELETED_IN_REGISTRY,
    MODEL_RENAMED,
    REGISTRY_RECONCILED,
    VERSION_DELETED_IN_REGISTRY,
)
from catalog.models import ModelService, RegistrySource, WebhookDelivery
from catalog.registries import adapter_for, mlflow
from catalog.registries.base import Handshake, Refused
from catalog.services import inbox
from catalog.services.apply import _mark_deleted, registry_model_lock
from catalog.services.inbox import registry_inbox_drain
from catalog.services.registry_state import (
    _sync_aliases,
    _sync_model,
    _sync_version,
    _version_rows,
)
from catalog.services.sources import registry_client
from common.outbox import outbox_enqueue

__all__ = [
    "DeliveryAnswer",
    "registry_delivery_options",
    "registry_delivery_process",
    "registry_delivery_receive",
    "registry_delivery_retry",
    "registry_inbox_drain",
    "registry_inbox_sweep",
    "registry_model_lock",
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
    nothing). The source and its decrypted secrets come from the process's cache (checked
    against the database's version of them on every call); the row is written with one
    statement and nothing is published (``catalog.services.inbox``).
    """
    cached = inbox.registry_source_for_delivery(source_slug)
    if cached is None:
        return DeliveryAnswer(404, _("No such registry source."))
    source = cached.source
    try:
        received = adapter_for(source.kind).verify(
            headers=headers,
            body=body,
            # Decrypted only once a delivery gets as far as its signature check.
            secrets=_ActiveSecrets(cached),
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
    row, is_new = inbox._store_delivery(
        source, received.delivery_id, received.signed_at, body, received.event
    )
    if not is_new:
        return DeliveryAnswer(200, _("Duplicate delivery: already received."))
    return DeliveryAnswer(200, _("Received."), row)


def registry_delivery_options(
    *, source_slug: str, headers: dict[str, str], query=None
) -> DeliveryAnswer:
    """``OPTIONS /webhooks/<slug>/``: the CloudEvents handshake of kinds that have one (Event
    Grid), 405 for the others; never raises for bad input."""
    cached = inbox.registry_source_for_delivery(source_slug)
    if cached is None:
        return DeliveryAnswer(404, "No such registry source.")
    source = cached.source
    answer = adapter_for(source.kind).answer_options
    if answer is None:
        return DeliveryAnswer(405, "Deliveries are POSTed.", headers={"Allow": "POST"})
    try:
        handshake = answer(
            headers=headers,
            query=query or {},
            secrets=_ActiveSecrets(cached),
            options=source.settings,
        )
    except Refused as exc:
        return DeliveryAnswer(exc.status, exc.detail)
    except Exception:
        logger.exception("answering OPTIONS for %s failed", source_slug)
        return DeliveryAnswer(400, "The validation request could not be answered.")
    return DeliveryAnswer(handshake.status, "", body=handshake.body, headers=handshake.headers)


class _ActiveSecrets:
    """The source's active secrets, decrypted when an adapter first iterates over them (once
    per version of them in this process)."""

    def __init__(self, cached: inbox.CachedSource):
        self.cached = cached

    def __iter__(self):
        return iter(self.cached.secrets())


def timestamp_is_fresh(timestamp: str, now: float) -> bool:
    return mlflow.timestamp_fresh(timestamp, now, settings.ATTEST_WEBHOOK_TOLERANCE_SECONDS)


# --- Process --------------------------------------------------------------------------------
def registry_delivery_process(*, delivery_pk: uuid.UUID | str) -> str:
    """Apply one inbox row to the catalog, exactly once. Returns what happened.

    The single-delivery path (a retry from the inbox page, and messages queued by an earlier
    release); the inbox drain (``registry_inbox_drain``) does the same for batches. The
    attempt is counted and committed first, so a delivery that kills its worker every time is
    still stopped after ATTEST_INGEST_MAX_ATTEMPTS. Raises RegistryUnavailable when the
    registry cannot be read (the task retries later with backoff).
    """
    with transaction.atomic():
        # Wait for the lock rather than skip: a claim holds it for a moment only.
        row = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("source")
            .filter(pk=delivery_pk)
            .first()
        )
        if row is None:
            return "missing"
        if row.status in WebhookDelivery.DONE:
            return f"already {row.status}"
        if row.attempts >= settings.ATTEST_INGEST_MAX_ATTEMPTS:
            inbox._mark_failed(row, row.last_error or "Gave up: too many attempts.")
            return "failed"
        row.attempts += 1
        row.status = Status.PROCESSING
        row.save(update_fields=["attempts", "status", "updated_at"])
    try:
        event = adapter_for(row.source.kind).parse_stored(row.body.encode("utf-8"))
    except Exception as exc:
        inbox._record_failures([row], exc)
        raise
    if not event.concerns_models:
        inbox._finish([row.pk], Status.IGNORED, "Not a model-registry event.")
        return Status.IGNORED
    return inbox._process_group(row.source, event.model_name, [(row, event)], raise_errors=True)


# --- Retry and sweep ------------------------------------------------------------------------
@transaction.atomic
def registry_delivery_retry(*, actor: Any, delivery: WebhookDelivery) -> None:
    """Send a failed delivery round again (from the inbox page), with a fresh attempt budget."""
    row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if row.status in WebhookDelivery.DONE:
        return
    row.status, row.attempts, row.retry_at = Status.PENDING, 0, None
    row.save(update_fields=["status", "attempts", "retry_at", "updated_at"])
    audit_record(
        actor=actor,
        action=DELIVERY_RETRIED,
        target=row,
        after={"delivery_id": row.delivery_id},
    )
    outbox_enqueue("catalog.tasks.process_delivery", str(row.pk))


def registry_inbox_sweep(*, now=None) -> list[uuid.UUID]:
    """Rows not done and untouched for a while: give up on exhausted ones, hand the rest back
    to the drainers (pending, due now; touched, so the next sweep does not count them again).

    A row left "processing" was claimed by a drainer that died (or a task that was lost); its
    attempt stays counted. Returns the ids handed back."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.ATTEST_INGEST_SWEEP_AFTER_SECONDS)
    stale = WebhookDelivery.objects.filter(
        status__in=[Status.PENDING, Status.PROCESSING], updated_at__lt=cutoff
    ).exclude(status=Status.PENDING, retry_at__gt=now)  # waiting out a failure's backoff
    for row in stale.filter(attempts__gte=settings.ATTEST_INGEST_MAX_ATTEMPTS):
        with transaction.atomic():
            inbox._mark_failed(
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
        WebhookDelivery.objects.filter(pk__in=ids).update(
            status=Status.PENDING, retry_at=None, updated_at=now
        )
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
