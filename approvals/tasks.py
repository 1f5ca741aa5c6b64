"""Celery adapters for approvals: notifications, expiry, reminders, registry write-back.

Task names keep their pre-split `governance.tasks.*` form, so messages already queued (and the
beat schedule of running deployments) stay valid."""

from __future__ import annotations

import logging

from celery import shared_task

from approvals import notifications, services, writeback
from common.request_context import request_context

logger = logging.getLogger(__name__)


@shared_task(name="governance.tasks.notify_request_submitted")
def notify_request_submitted(request_pk: str) -> int:
    return notifications.request_submitted(request_pk)


@shared_task(name="governance.tasks.notify_request_decided")
def notify_request_decided(request_pk: str) -> int:
    return notifications.request_decided(request_pk)


@shared_task(name="governance.tasks.expire_approvals")
def expire_approvals() -> int:
    with request_context(source="task", request_id="expire-approvals"):
        return services.approvals_expire()


@shared_task(name="governance.tasks.remind_expiring")
def remind_expiring() -> int:
    rows = services.approvals_due_for_reminder()
    for row in rows:
        notifications.approval_expiring(row)
    return len(rows)


@shared_task(
    name="governance.tasks.writeback_request",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def writeback_request(self, request_pk: str) -> str:
    """Tell the registry. Registry down: retry with backoff; the row's attempt counter (not
    Celery's) sets the delay and decides when to give up, and the sweeper re-queues what a lost
    queue dropped. Eager (tests, no broker): the row stays owed and the sweeper retries it."""
    with request_context(source="task", request_id=f"writeback-{request_pk}"[:64]):
        try:
            return writeback.request_writeback(request_pk)
        except writeback.WritebackRetry as exc:
            if self.request.is_eager:
                return f"registry unavailable: {exc}"
            raise self.retry(exc=exc, countdown=exc.delay) from exc


@shared_task(name="governance.tasks.sweep_writeback")
def sweep_writeback() -> int:
    """Re-queue owed write-backs whose task was lost (beat, every two minutes)."""
    ids = writeback.pending_writebacks()
    for pk in ids:
        writeback_request.delay(str(pk))
    return len(ids)
