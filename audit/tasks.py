"""Celery adapters for the audit trail."""

import logging

from celery import shared_task

from audit import checkpoints, sequencer
from audit.verification import verify_chain

logger = logging.getLogger(__name__)
VERIFICATION_CACHE_KEY = "attest:audit:last-verification"


@shared_task(ignore_result=True)
def seal() -> int:
    """The sequencer (audit/sequencer.py): every second from beat, and woken after each
    audited commit. One at a time across all workers (advisory lock); the others return."""
    return sequencer.seal_pending()


@shared_task
def checkpoint() -> int:
    """Sign the tree's head (every 15 minutes, also when nothing happened)."""
    return checkpoints.checkpoint_create().seq


@shared_task
def verify() -> bool:
    """Nightly verification. A broken chain is logged at error level and shown as a banner to
    admins and auditors (the result is kept in the cache until the next run)."""
    from django.core.cache import cache
    from django.utils import timezone

    verdict = verify_chain()
    result = {
        "intact": verdict.intact,
        "checked": verdict.checked,
        "at": timezone.now().isoformat(),
        "seq": verdict.broken_seq,
        "problem": verdict.problem,
    }
    cache.set(VERIFICATION_CACHE_KEY, result, timeout=None)
    from audit.verification_requests import RUNNING_KEY

    cache.delete(RUNNING_KEY)  # an auditor's "Verify now" may ask again
    if not verdict.intact:
        logger.error(
            "AUDIT TRAIL BROKEN at event #%s (%s): %s",
            verdict.broken_seq,
            verdict.broken_id,
            verdict.problem,
        )
    return verdict.intact
