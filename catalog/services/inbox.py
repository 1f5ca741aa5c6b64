"""The webhook inbox as the ingest queue (issue 18, point 4: coalesced ingest).

Receive. The receiver reads the source and its decrypted secrets from a per-process cache and
stores a verified delivery with one ``INSERT ... ON CONFLICT ... RETURNING`` in autocommit: a
duplicate counts itself in the same statement, nothing is read back, and nothing is published
to the broker. On PostgreSQL the same statement calls ``pg_notify`` (delivered at commit) to
wake the drainers; where tasks run eagerly (the embedded demo, the test suite) the inbox is
drained in-process right after the commit instead.

Cache. Each process keeps the source row and its decrypted active secrets under a version read
from the database on every delivery, in one small indexed query: the source's ``updated_at``,
the number of its secrets, of its active ones and their latest ``updated_at``. Adding,
retiring or deleting a secret, disabling, editing or deleting the source all change it, so a
process on any host sees a rotation on its very next delivery; no signal and no TTL are
needed, and there is nothing to invalidate across hosts.

Drain. ``registry_inbox_drain`` claims pending deliveries in batches (``FOR UPDATE SKIP
LOCKED``, so drainers on several hosts never claim the same row; claiming marks them
"processing" and counts the attempt, then commits), groups them by registry model, and applies
each group in one transaction under the model's advisory lock: the registry is re-read once per
group (``catalog.services.apply``), and the group's rows are marked done together. A drainer
that dies leaves its rows "processing"; the sweeper gives them back. Concurrency is bounded:
at most ``ATTEST_INGEST_DRAINERS`` drains run at once across all hosts (session advisory locks),
so processing never takes more than that many worker processes from the web receivers.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from audit.services import audit_record
from catalog.audit_actions import DELIVERY_FAILED
from catalog.models import RegistrySource, WebhookDelivery
from catalog.registries import adapter_for, base
from catalog.services.apply import _apply_events, registry_model_lock
from catalog.services.sources import webhook_secrets_active

__all__ = ["registry_inbox_drain", "registry_source_for_delivery"]

logger = logging.getLogger(__name__)
Status = WebhookDelivery.Status
CHANNEL = "attest_inbox"
# Session advisory locks of the drain slots: DRAIN_LOCK_BASE + 0 .. ATTEST_INGEST_DRAINERS - 1.
DRAIN_LOCK_BASE = 0x4154544553540100  # "ATTEST\1\0"


# --- The source cache -----------------------------------------------------------------------
@dataclass
class CachedSource:
    """A source as the receiver uses it; shared by the threads of a process: read-only."""

    source: RegistrySource
    version: tuple
    _secrets: list[str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def secrets(self) -> list[str]:
        """The active secrets, decrypted once per version (on the first signature check)."""
        if self._secrets is None:
            with self._lock:
                if self._secrets is None:
                    self._secrets = webhook_secrets_active(self.source)
        return self._secrets


_sources: dict[str, CachedSource] = {}


def _version(slug: str) -> tuple | None:
    return (
        RegistrySource.objects.filter(slug=slug, is_active=True)
        .annotate(
            n=Count("secrets"),
            active=Count("secrets", filter=Q(secrets__retired_at__isnull=True)),
            changed=Max("secrets__updated_at"),
        )
        .values_list("pk", "updated_at", "n", "active", "changed")
        .first()
    )


def registry_source_for_delivery(slug: str) -> CachedSource | None:
    """The active source at ``/webhooks/<slug>/`` with its secrets, from this process's cache
    when its version is unchanged (one small query), else read again. None: no such source."""
    version = _version(slug)
    if version is None:
        _sources.pop(slug, None)
        return None
    cached = _sources.get(slug)
    if cached is None or cached.version != version:
        # Read after the version, so the copy is at least as new as the version it is kept
        # under; a change in between only makes the next delivery read it again.
        cached = CachedSource(RegistrySource.objects.get(pk=version[0]), version)
        if len(_sources) > 256:
            _sources.clear()
        _sources[slug] = cached
    return cached


# --- Storing a delivery ---------------------------------------------------------------------
def _column_values(row: WebhookDelivery, names: list[str]) -> list:
    return [row._meta.get_field(n).get_db_prep_save(getattr(row, n), connection) for n in names]


_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "source_id",
    "delivery_id",
    "signed_at",
    "entity",
    "action",
    "body",
    "payload",
    "status",
    "attempts",
    "duplicates",
    "last_error",
    "outcome",
]


def _store_delivery(source: RegistrySource, delivery_id, signed_at, body: bytes, event):
    """Insert the delivery, or count a duplicate, in one statement; returns (row, is_new).

    ON CONFLICT: concurrent duplicates cannot both insert (check-then-insert let 652 rows in for
    100 events x 8 parallel duplicates in the probe). Runs in autocommit when called from the
    receiver: the row is durable when the statement returns.
    """
    now = timezone.now()
    row = WebhookDelivery(
        id=uuid.uuid4(),
        created_at=now,
        updated_at=now,
        source=source,
        delivery_id=delivery_id,
        signed_at=signed_at,
        entity=event.entity,
        action=event.action,
        body=body.decode("utf-8"),
        payload={"entity": event.entity, "action": event.action, "data": event.data},
    )
    if connection.vendor != "postgresql":
        return _store_portably(row)
    table = WebhookDelivery._meta.db_table
    notify = not _eager()
    sql = (
        f"WITH ins AS (INSERT INTO {table} ({', '.join(_COLUMNS)}) "  # noqa: S608 (names ours)
        f"VALUES ({', '.join(['%s'] * len(_COLUMNS))}) "
        "ON CONFLICT (source_id, delivery_id) "
        f"DO UPDATE SET duplicates = {table}.duplicates + 1 RETURNING id) "
        "SELECT ins.id = %s"
        + (f", CASE WHEN ins.id = %s THEN pg_notify('{CHANNEL}', '') END" if notify else "")
        + " FROM ins"
    )
    params = _column_values(row, _COLUMNS) + [row.id] * (2 if notify else 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        is_new = bool(cursor.fetchone()[0])
    if is_new:
        row._state.adding = False
        _wake_after_commit()
    return row, is_new


def _store_portably(row: WebhookDelivery):
    """SQLite (the embedded demo): the same contract with the ORM, in a transaction."""
    with transaction.atomic():
        WebhookDelivery.objects.bulk_create([row], ignore_conflicts=True)
        is_new = WebhookDelivery.objects.filter(pk=row.pk).exists()
        if not is_new:
            WebhookDelivery.objects.filter(source=row.source, delivery_id=row.delivery_id).update(
                duplicates=F("duplicates") + 1
            )
    if is_new:
        _wake_after_commit()
    return row, is_new


def _eager() -> bool:
    """No worker: Celery runs tasks in-process (the embedded demo without Redis, the tests)."""
    return bool(current_app.conf.task_always_eager)


def _wake_after_commit() -> None:
    if _eager():
        transaction.on_commit(_drain_in_process, robust=True)


def _drain_in_process() -> None:
    try:
        registry_inbox_drain()
    except Exception:  # after the commit: the delivery is stored; the sweeper will retry
        logger.exception("draining the inbox in-process failed")


# --- Draining -------------------------------------------------------------------------------
def _take_slot() -> int | None:
    if connection.vendor != "postgresql":
        return 0  # SQLite: one process, writers serialised anyway
    with connection.cursor() as cursor:
        for slot in range(max(1, settings.ATTEST_INGEST_DRAINERS)):
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [DRAIN_LOCK_BASE + slot])
            if cursor.fetchone()[0]:
                return slot
    return None


def _release_slot(slot: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [DRAIN_LOCK_BASE + slot])


def _claimable(now):
    return WebhookDelivery.objects.filter(status=Status.PENDING).filter(
        Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    )


def registry_inbox_drain(*, batch_size: int | None = None, max_seconds: float | None = None) -> int:
    """Apply pending deliveries, batch after batch, until none is due; returns how many were
    claimed. Returns 0 at once when every drain slot is taken: the drains holding them loop
    until the inbox is empty, and look once more after letting go, so a delivery committed
    while they ran is never left behind. Call outside transactions."""
    batch_size = batch_size or settings.ATTEST_INGEST_BATCH_SIZE
    deadline = time.monotonic() + (max_seconds or settings.ATTEST_INGEST_DRAIN_SECONDS)
    total = 0
    while True:
        slot = _take_slot()
        if slot is None:
            return total
        try:
            while time.monotonic() < deadline:
                rows, claimed = _claim(batch_size)
                if not claimed:
                    break
                total += claimed
                _process(rows)
        finally:
            _release_slot(slot)
        if time.monotonic() >= deadline or not _claimable(timezone.now()).exists():
            return total  # past the deadline: the next wake or beat's tick goes on


def _claim(limit: int) -> tuple[list[WebhookDelivery], int]:
    """Take up to ``limit`` due rows no other drainer holds; count the attempt and commit, so
    a delivery that kills its worker every time still runs out of attempts."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            _claimable(now)
            .select_for_update(skip_locked=True)
            .order_by("created_at", "id")
            .only("id", "source_id", "body", "attempts", "last_error", "status", "delivery_id")[
                :limit
            ]
        )
        live = [r for r in rows if r.attempts < settings.ATTEST_INGEST_MAX_ATTEMPTS]
        for row in rows:
            if row.attempts >= settings.ATTEST_INGEST_MAX_ATTEMPTS:
                _mark_failed(row, row.last_error or "Gave up: too many attempts.")
        WebhookDelivery.objects.filter(pk__in=[r.pk for r in live]).update(
            status=Status.PROCESSING, attempts=F("attempts") + 1, retry_at=None, updated_at=now
        )
    for row in live:
        row.attempts += 1
        row.status = Status.PROCESSING
    return live, len(rows)


def _process(rows: list[WebhookDelivery]) -> None:
    """Ignore what is not about models; apply the rest one registry model at a time."""
    sources = RegistrySource.objects.in_bulk({r.source_id for r in rows})
    groups: dict[tuple, list] = {}
    ignored = []
    for row in rows:
        source = sources[row.source_id]
        try:
            event = adapter_for(source.kind).parse_stored(row.body.encode("utf-8"))
        except Exception as exc:
            _record_failures([row], exc)
            continue
        if not event.concerns_models:
            ignored.append(row)
        else:
            groups.setdefault((source.pk, event.model_name), []).append((row, event))
    if ignored:
        _finish([r.pk for r in ignored], Status.IGNORED, "Not a model-registry event.")
    for (source_pk, name), items in groups.items():
        _process_group(sources[source_pk], name, items)


def _process_group(source: RegistrySource, name: str, items: list, *, raise_errors=False) -> str:
    """Apply claimed deliveries about one registry model in one transaction; returns the
    status they end in. Under the model's lock first: what another drainer (or a single-
    delivery task) applied meanwhile is done already and skipped, so each applies once."""
    try:
        with transaction.atomic():
            registry_model_lock(source, name)
            done = dict(
                WebhookDelivery.objects.filter(
                    pk__in=[r.pk for r, _ in items], status__in=WebhookDelivery.DONE
                ).values_list("pk", "status")
            )
            todo = [(r, e) for r, e in items if r.pk not in done]
            if not todo:
                return f"already {next(iter(done.values()))}"
            outcome = _apply_events(source, [e for _, e in todo])
            _finish([r.pk for r, _ in todo], Status.PROCESSED, outcome)
            return Status.PROCESSED
    except Exception as exc:
        _record_failures([r for r, _ in items], exc)
        if raise_errors:
            raise
        return Status.PENDING


def _finish(ids: list, status: str, outcome: str) -> None:
    now = timezone.now()
    WebhookDelivery.objects.filter(pk__in=ids).exclude(status__in=WebhookDelivery.DONE).update(
        status=status, outcome=outcome[:300], processed_at=now, last_error="", updated_at=now
    )


def _retry_delay(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones: 5 s, 10 s, ... at most 5 min."""
    return timedelta(seconds=min(300, 5 * 2 ** max(0, attempts - 1)))


def _record_failures(rows: list[WebhookDelivery], exc: Exception) -> None:
    # A registry's failure is one sentence with the next step already (registries.errors).
    known = isinstance(exc, base.RegistryUnavailable | base.RegistryRequestRefused)
    error = (str(exc) if known else f"{type(exc).__name__}: {exc}")[:2000]
    now = timezone.now()
    with transaction.atomic():
        locked = (
            WebhookDelivery.objects.select_for_update()
            .filter(pk__in=[r.pk for r in rows])
            .exclude(status__in=WebhookDelivery.DONE)
        )
        for row in locked:
            if row.attempts >= settings.ATTEST_INGEST_MAX_ATTEMPTS:
                _mark_failed(row, error)
            else:
                row.status, row.last_error = Status.PENDING, error
                row.retry_at = now + _retry_delay(row.attempts)
                row.save(update_fields=["status", "last_error", "retry_at", "updated_at"])
    logger.warning("%d registry deliveries failed: %s", len(rows), error)


def _mark_failed(row: WebhookDelivery, error: str) -> None:
    row.status, row.last_error = Status.FAILED, error
    row.save(update_fields=["status", "last_error", "updated_at"])
    audit_record(
        actor=None,
        action=DELIVERY_FAILED,
        target=row,
        after={"attempts": row.attempts, "error": error[:300]},
    )
