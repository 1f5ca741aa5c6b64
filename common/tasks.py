"""Celery adapters for the outbox (common/outbox.py): the relay that beat runs every 15 s, and
the catch-up when a worker starts."""

from __future__ import annotations

import logging

from celery import shared_task

from common import outbox

logger = logging.getLogger(__name__)

BATCH = 200
# A run stops after this many full batches; beat's next run carries on.
MAX_BATCHES = 25


@shared_task(name="common.outbox_relay")
def relay_outbox() -> int:
    """Hand pending outbox messages to the broker: those whose after-commit attempt failed
    (broker outage) or that were never tried (the web process died right after commit)."""
    total = 0
    for _ in range(MAX_BATCHES):
        sent = outbox.outbox_relay(limit=BATCH)
        total += sent
        if sent < BATCH:
            break
    if total:
        logger.info("outbox relay delivered %d message(s)", total)
    return total


def relay_when_worker_ready(sender=None, **kwargs) -> None:
    """``worker_ready`` handler: a worker that starts (after a broker outage, a deploy) catches
    up at once instead of waiting for beat. Queued, so the relay runs in the pool, not in the
    consumer that is starting."""
    try:
        relay_outbox.apply_async(retry=False)
    except Exception as exc:  # beat tries again in 15 s
        logger.warning("outbox: could not queue the start-up relay: %s", exc)
