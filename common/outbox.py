"""The transactional outbox: the one way services schedule side effects (STYLE.md, services.py).

Why: services used to call ``transaction.on_commit(lambda: task.delay(...))``. During a Redis
outage ``delay`` raised kombu's ``OperationalError`` after the commit, inside the request: the
user got a 500 for a change that had in fact been saved, and the e-mail (or registry write-back)
was lost for good. Now:

1. ``outbox_enqueue`` writes an ``OutboxMessage`` in the service's own transaction, so the side
   effect commits or rolls back with the business change, and asks for exactly that row to be
   relayed right after the commit (as fast as ``delay`` was).
2. ``outbox_relay`` hands due rows to the broker and never raises. A failed publish is recorded
   on the row (attempts, last error, next attempt after an exponential backoff) and retried by
   the ``common.outbox_relay`` task: every 15 s from beat, and whenever a worker starts.

Delivery is at least once: a process that dies between the broker accepting a message and the
row being marked sent publishes it again later, with the same task id (the row's id).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from typing import Any
from uuid import UUID

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from common.models import OutboxMessage

logger = logging.getLogger(__name__)

# Longest wait between two attempts of one message.
MAX_BACKOFF = timedelta(minutes=10)
# How long a relay owns the rows it picked; concurrent relays (the after-commit hook, beat, a
# starting worker) skip them meanwhile. Far longer than publishing a batch takes; if the relay
# dies mid-batch, its rows become due again when the lease ends.
CLAIM_LEASE = timedelta(minutes=5)
# Errors meaning "the broker is unreachable": the rest of the batch would fail the same way.
_BROKER_DOWN = (BrokerOperationalError, OSError)
_MAX_ERROR_CHARS = 500


class OutboxOutsideTransactionError(RuntimeError):
    """Raised when a side effect would be scheduled outside the caller's transaction.

    The message and the change it follows from must commit or roll back together; otherwise an
    e-mail could announce an approval that was rolled back, or an approval could miss its
    e-mail.
    """


def outbox_enqueue(task_name: str, /, *args: Any, **kwargs: Any) -> None:
    """Schedule Celery task ``task_name`` with these arguments, inside the caller's
    ``transaction.atomic()``.

    The row commits or rolls back with the business change; after the commit it is relayed at
    once. Arguments must be JSON values (pass ids as ``str(pk)``): they are stored in the row
    and checked here, so a bad argument fails in the service, not later in the relay.
    """
    if not connection.in_atomic_block:
        raise OutboxOutsideTransactionError(
            f"outbox_enqueue({task_name!r}) must run inside the service's transaction.atomic()"
        )
    if not isinstance(task_name, str) or not task_name:
        raise TypeError(f"outbox_enqueue: task_name must be a task's name, not {task_name!r}")
    try:
        json.dumps([args, kwargs], allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"outbox_enqueue({task_name!r}): arguments must be JSON values (str, int, float, "
            f"bool, None, list, dict); pass ids as str(pk). {exc}"
        ) from exc
    message = OutboxMessage.objects.create(
        task_name=task_name, args=list(args), kwargs=kwargs, next_attempt_at=timezone.now()
    )
    transaction.on_commit(partial(_relay_after_commit, message.pk), robust=True)


def outbox_relay(*, limit: int = 200, ids: Iterable[UUID | str] | None = None) -> int:
    """Hand due pending messages (only those in ``ids``, if given) to the broker, oldest first.

    Returns how many the broker accepted. Never raises: it runs right after commit inside web
    requests, where an exception would be a 500 for a change that was saved. Each failure is
    recorded on its row and retried after ``2 ** attempts`` seconds (at most ``MAX_BACKOFF``).
    Call it outside transactions, so that what it claims and records is committed at once.
    """
    try:
        return _relay(limit=limit, ids=ids)
    except Exception:
        logger.exception("outbox: relay failed; pending messages stay for the next run")
        return 0


def _relay_after_commit(message_id: UUID) -> None:
    outbox_relay(ids=[message_id])


def _relay(*, limit: int, ids: Iterable[UUID | str] | None) -> int:
    messages = _claim(limit=limit, ids=ids)
    sent = 0
    for index, message in enumerate(messages):
        try:
            _publish(message)
        except Exception as exc:
            _record_failure(message, exc)
            if isinstance(exc, _BROKER_DOWN):
                # Fail fast for the rest too: give them back as they were, untried.
                _release(messages[index + 1 :])
                break
            continue
        _mark_sent(message)
        sent += 1
    return sent


def _claim(*, limit: int, ids: Iterable[UUID | str] | None) -> list[OutboxMessage]:
    """Lock due rows no one else holds, lease them, and commit: the publishing happens outside
    any transaction (in eager mode the task itself runs there)."""
    now = timezone.now()
    with transaction.atomic():
        due = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
        )
        if ids is not None:
            due = due.filter(pk__in=list(ids))
        messages = list(due.order_by("next_attempt_at", "created_at")[:limit])
        OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
            next_attempt_at=now + CLAIM_LEASE, updated_at=now
        )
    return messages


def _publish(message: OutboxMessage) -> None:
    """Give one message to the broker (``apply_async``, not ``send_task``, so that eager mode
    runs it in-process), with the row's id as the task id."""
    app = current_app
    task = _registered_task(message.task_name)
    options = {"task_id": str(message.pk), "retry": False}
    if app.conf.task_always_eager and message.task_name in settings.ATTEST_EAGER_BACKGROUND_TASKS:
        # The embedded demo: a slow task runs beside the request, not inside it.
        threading.Thread(
            target=_run_eager_in_background, args=(task, message, options), daemon=True
        ).start()
        return
    if app.conf.task_always_eager:
        # The embedded demo and the tests: the task runs here, inside apply_async. If it fails,
        # that is the task's failure, not a delivery failure, and with task_eager_propagates it
        # would reach the request that committed. Keep it in the result and log it.
        try:
            result = task.apply_async(
                args=message.args, kwargs=message.kwargs, throw=False, **options
            )
        except Exception as exc:  # a task that retries re-raises through apply() regardless
            _log_task_failure(message, exc)
            return
        if result.failed():
            _log_task_failure(message, result.result)
        return
    with app.producer_or_acquire() as producer:
        # One connection attempt, no retry loop: kombu would otherwise retry for
        # broker_connection_timeout plus its back-off sleeps (6 s measured) inside the request.
        producer.connection.ensure_connection(max_retries=0)
        task.apply_async(args=message.args, kwargs=message.kwargs, producer=producer, **options)


def _run_eager_in_background(task, message: OutboxMessage, options: dict) -> None:
    """One eager task in its own thread, with its own database connection (closed after)."""
    from django.db import connection

    try:
        result = task.apply_async(args=message.args, kwargs=message.kwargs, throw=False, **options)
        if result.failed():
            _log_task_failure(message, result.result)
    except Exception as exc:
        _log_task_failure(message, exc)
    finally:
        connection.close()


def _registered_task(name: str):
    """The task object registered as ``name`` (``NotRegistered``, a KeyError, if none).

    A web process registers a task when its module is imported, and services name tasks by
    string, so load every app's ``tasks`` module before calling a name unknown."""
    app = current_app
    if name not in app.tasks:
        app.autodiscover_tasks(force=True)
    return app.tasks[name]


def _log_task_failure(message: OutboxMessage, exc: BaseException) -> None:
    logger.warning(
        "outbox: task %s (message %s) ran in-process and failed: %s",
        message.task_name,
        message.pk,
        _describe(exc),
    )


def _mark_sent(message: OutboxMessage) -> None:
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.SENT, sent_at=now, updated_at=now
    )


def _record_failure(message: OutboxMessage, exc: Exception) -> None:
    attempts = message.attempts + 1
    now = timezone.now()
    delay = min(timedelta(seconds=2**attempts), MAX_BACKOFF)
    error = _describe(exc)
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=F("attempts") + 1,
        last_error=error,
        next_attempt_at=now + delay,
        updated_at=now,
    )
    logger.warning(
        "outbox: %s (message %s) not delivered, attempt %d, next in %ds: %s",
        message.task_name,
        message.pk,
        attempts,
        delay.total_seconds(),
        error,
    )


def _release(messages: list[OutboxMessage]) -> None:
    """End the lease on rows that were not tried: due again as they were."""
    for message in messages:
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=message.next_attempt_at)


def _describe(exc: BaseException) -> str:
    """Exception type and message, one line, short. Broker URLs may carry a password: kombu's
    connection errors name only host and port, and anything URL-like is cut out here."""
    text = " ".join(str(exc).split())
    words = ["<url>" if "://" in word else word for word in text.split(" ")]
    return f"{type(exc).__name__}: {' '.join(words)}"[:_MAX_ERROR_CHARS]
