"""Celery adapters for registry ingestion. Business logic is in catalog.services.ingest."""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.conf import settings

from catalog import services
from catalog.models import RegistrySource
from catalog.registries.base import RegistryRequestRefused, RegistryUnavailable
from common.request_context import request_context

logger = logging.getLogger(__name__)


@shared_task(
    name="catalog.tasks.process_delivery",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def process_delivery(self, delivery_pk: str) -> str:
    """Apply one inbox row. Registry down: retry with exponential backoff (the attempt counter
    in the row, not Celery's, decides when to give up)."""
    with request_context(source="task", request_id=f"delivery-{delivery_pk}"[:64]):
        try:
            return services.registry_delivery_process(delivery_pk=delivery_pk)
        except RegistryUnavailable as exc:
            if self.request.is_eager:
                return f"registry unavailable: {exc}"  # the inbox page offers a retry
            countdown = min(300, 5 * 2**self.request.retries)
            raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(name="catalog.tasks.drain_inbox", ignore_result=True)
def drain_inbox() -> int:
    """Apply pending inbox rows in batches (catalog/services/inbox.py): woken by the receivers'
    NOTIFY (catalog/listener.py), when a worker starts, and by beat as the fallback. At most
    ATTEST_INGEST_DRAINERS run at once across all workers; the others return at once."""
    started = time.monotonic()
    with request_context(source="task", request_id="drain-inbox"):
        claimed = services.registry_inbox_drain()
    if time.monotonic() - started >= settings.ATTEST_INGEST_DRAIN_SECONDS:
        # Stopped at its deadline, so work may be left: carry on in a fresh task rather than
        # wait for the next NOTIFY or beat's tick.
        drain_inbox.apply_async(expires=60)
    return claimed


@shared_task(name="catalog.tasks.sweep_inbox")
def sweep_inbox() -> int:
    """Hand back inbox rows that a dead worker left behind, then drain."""
    with request_context(source="task", request_id="sweep-inbox"):
        ids = services.registry_inbox_sweep()
        if ids:
            logger.info("sweeper handed back %d deliveries", len(ids))
        services.registry_inbox_drain()
    return len(ids)


@shared_task(name="catalog.tasks.reconcile_all_sources")
def reconcile_all_sources() -> dict:
    results = {}
    for source in RegistrySource.objects.filter(is_active=True):
        with request_context(source="task", request_id=f"reconcile-{source.slug}"[:64]):
            try:
                results[source.slug] = services.registry_reconcile(source=source)
            except (RegistryUnavailable, RegistryRequestRefused) as exc:
                # One registry's outage or refused credentials must not stop the others.
                logger.warning("reconciliation of %s skipped: %s", source.slug, exc)
                results[source.slug] = {"error": str(exc)}
    return results


# Kinds whose registry sends no events: the catalog follows them by polling.
POLLED_KINDS = ("kubeflow", "vertex")


@shared_task(name="catalog.tasks.poll_sources")
def poll_sources() -> dict:
    """Reconcile every active source of a polled kind (beat: ATTEST_POLL_INTERVAL_SECONDS)."""
    results = {}
    for source in RegistrySource.objects.filter(is_active=True, kind__in=POLLED_KINDS):
        with request_context(source="task", request_id=f"poll-{source.slug}"[:64]):
            try:
                results[source.slug] = services.registry_reconcile(source=source)
            except (RegistryUnavailable, RegistryRequestRefused) as exc:
                logger.warning("polling %s skipped: %s", source.slug, exc)
                results[source.slug] = {"error": str(exc)}
    return results
