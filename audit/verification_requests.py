"""An auditor's "Verify now": the whole trail re-verified in the background (Celery, or a
thread of the web process without a broker), the result kept where the nightly run keeps its
own (the cache key ``audit.tasks.VERIFICATION_CACHE_KEY``), shown on the audit log's tamper
evidence panel. Asking is audited; the verification itself changes nothing."""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction

from audit.audit_actions import VERIFICATION_REQUESTED
from audit.models import AuditEvent
from audit.selectors import AUDIT_LOG_PERMISSION
from audit.services import audit_record
from common.outbox import outbox_enqueue

RUNNING_KEY = "attest:audit:verification-running"


@transaction.atomic
def verification_request(*, actor) -> bool:
    """Queue a full verification; False when one is already running (nothing queued)."""
    if not actor.has_perm(AUDIT_LOG_PERMISSION):
        raise PermissionDenied("Only auditors, compliance officers and admins verify the trail.")
    if not cache.add(RUNNING_KEY, actor.get_username(), timeout=3600):
        return False
    audit_record(actor=actor, action=VERIFICATION_REQUESTED, after={"scope": "whole trail"})
    outbox_enqueue("audit.tasks.verify")
    return True


def verification_state() -> dict:
    """What the panel shows: the last result (or None), whether one is running, and how many
    events still wait for the sequencer."""
    from audit.tasks import VERIFICATION_CACHE_KEY

    return {
        "last": cache.get(VERIFICATION_CACHE_KEY),
        "running_for": cache.get(RUNNING_KEY),
        "unsealed": AuditEvent.objects.filter(seq__isnull=True).count(),
    }
