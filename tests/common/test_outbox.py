"""The transactional outbox (common/outbox.py): side effects commit with the change, reach the
broker after it, and survive a broker outage without a 500.

Tasks run eagerly here (settings_test), except where a test points Celery at a real Redis of its
own (``broker``): first on a closed port (Redis down), then with a redis-server started on it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import pytest
import time_machine
from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from common.models import OutboxMessage
from common.outbox import OutboxOutsideTransactionError, outbox_enqueue, outbox_relay
from common.tasks import relay_outbox
from config.celery import app as celery_app

PROBE = "tests.common.outbox_probe"
FAILING_TASK = "tests.common.outbox_failing_task"
ran: list[tuple] = []  # (label, n, task id) of each probe run


@shared_task(bind=True, name=PROBE)
def outbox_probe(self, label, *, n=0):
    ran.append((label, n, self.request.id))


@shared_task(name=FAILING_TASK)
def outbox_failing_task():
    raise RuntimeError("the task itself failed")


@pytest.fixture(autouse=True)
def _calls():
    ran.clear()
    yield
    ran.clear()


def enqueue_and_commit(task_name: str, *args, **kwargs) -> OutboxMessage:
    """A service's transaction that schedules one side effect, then its commit hooks."""
    with transaction.atomic():
        Group.objects.create(name=f"change-{uuid.uuid4().hex[:8]}")
        outbox_enqueue(task_name, *args, **kwargs)
    return OutboxMessage.objects.get(task_name=task_name)


# --- Writing: in the caller's transaction ----------------------------------------------------


@pytest.mark.django_db
def test_message_is_written_in_the_transaction_and_rolled_back_with_the_change(
    django_capture_on_commit_callbacks,
):
    class Abort(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Abort),
        transaction.atomic(),
    ):
        Group.objects.create(name="approved-change")
        outbox_enqueue(PROBE, "approved")
        assert OutboxMessage.objects.filter(task_name=PROBE, args=["approved"]).exists()
        raise Abort

    assert not Group.objects.filter(name="approved-change").exists()
    assert not OutboxMessage.objects.exists()
    assert callbacks == []
    assert ran == []


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused():
    with pytest.raises(OutboxOutsideTransactionError):
        outbox_enqueue(PROBE, "approved")
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_arguments_that_are_not_json_are_refused_before_anything_is_written():
    with transaction.atomic():
        with pytest.raises(TypeError, match="str\\(pk\\)"):
            outbox_enqueue(PROBE, uuid.uuid4())
        with pytest.raises(TypeError):
            outbox_enqueue(PROBE, "x", n=float("nan"))
    assert not OutboxMessage.objects.exists()


# --- Delivery right after commit --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_after_a_real_commit_the_task_runs_once_and_the_message_is_sent():
    with transaction.atomic():
        outbox_enqueue(PROBE, "approved", n=3)
        assert ran == []  # nothing leaves before the commit
    message = OutboxMessage.objects.get()

    assert ran == [("approved", 3, str(message.pk))]  # the row's id is the task id
    assert message.status == OutboxMessage.Status.SENT
    assert message.sent_at is not None
    assert message.attempts == 0
    assert outbox_relay() == 0
    assert len(ran) == 1


@pytest.mark.django_db
def test_a_task_failing_in_process_is_logged_not_raised_and_counts_as_delivered(
    django_capture_on_commit_callbacks, caplog
):
    assert settings.CELERY_TASK_EAGER_PROPAGATES  # without the outbox this would reach the caller
    with (
        caplog.at_level(logging.WARNING, logger="common.outbox"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = enqueue_and_commit(FAILING_TASK)

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert "the task itself failed" in caplog.text


@pytest.mark.django_db
def test_an_unknown_task_name_is_recorded_on_the_message_not_raised(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue_and_commit("approvals.tasks.no_such_task", "x")

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert "NotRegistered" in message.last_error
    assert "approvals.tasks.no_such_task" in message.last_error


# --- Broker outage -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_broker_down_keeps_the_message_and_a_later_relay_delivers_it_once(
    redis_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue_and_commit(PROBE, "approved")  # no exception reaches the request

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert "OperationalError" in message.last_error
    assert message.next_attempt_at > timezone.now()
    assert message.sent_at is None

    redis_broker.start()
    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
        assert outbox_relay() == 1
        assert outbox_relay() == 0

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert redis_broker.queued_task_ids() == [str(message.pk)]
    assert ran == []  # queued for a worker, not run here


@pytest.mark.django_db
def test_backoff_a_message_not_yet_due_is_not_retried_and_the_wait_grows(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue_and_commit("approvals.tasks.no_such_task")
    message.refresh_from_db()
    first_wait = message.next_attempt_at - message.updated_at

    assert outbox_relay() == 0  # not due yet: untouched
    message.refresh_from_db()
    assert message.attempts == 1

    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
        outbox_relay()
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at - message.updated_at > first_wait

    OutboxMessage.objects.filter(pk=message.pk).update(attempts=30, next_attempt_at=timezone.now())
    outbox_relay()
    message.refresh_from_db()
    assert message.next_attempt_at - message.updated_at <= timedelta(minutes=10)


# --- The relay in the processes every deployment has ------------------------------------------


@pytest.mark.django_db
def test_beat_relay_and_a_starting_worker_deliver_messages_left_pending():
    assert settings.CELERY_BEAT_SCHEDULE["outbox-relay"]["task"] == "common.outbox_relay"
    assert celery_app.tasks["common.outbox_relay"].name == relay_outbox.name
    # Left behind by an outage (or a web process that died right after commit).
    first = OutboxMessage.objects.create(task_name=PROBE, args=["first"])
    second = OutboxMessage.objects.create(task_name=PROBE, args=["second"])

    assert relay_outbox.apply().get() == 2
    assert sorted(ran) == [("first", 0, str(first.pk)), ("second", 0, str(second.pk))]

    third = OutboxMessage.objects.create(task_name=PROBE, args=["third"])
    worker_ready.send(sender=None)
    assert ran[-1] == ("third", 0, str(third.pk))
    assert len(ran) == 3


# --- What administrators see ------------------------------------------------------------------


@pytest.mark.django_db
def test_failing_is_read_from_settings_at_call_time(settings):
    message = OutboxMessage(task_name=PROBE, attempts=3)
    settings.ATTEST_OUTBOX_FAILING_AFTER = 5
    assert not message.is_failing
    settings.ATTEST_OUTBOX_FAILING_AFTER = 3
    assert message.is_failing
    message.status = OutboxMessage.Status.SENT
    assert not message.is_failing


@pytest.mark.django_db
def test_admin_lists_failing_messages_and_retry_now_delivers_them(client_for, personas):
    personas.admin.is_staff = True
    personas.admin.save()
    admin_client = client_for(personas.admin)
    failing = OutboxMessage.objects.create(
        task_name=PROBE,
        args=["late"],
        attempts=7,
        last_error="OperationalError: Error 111 connecting to redis:6379. Connection refused.",
        next_attempt_at=timezone.now() + timedelta(minutes=10),
    )
    OutboxMessage.objects.create(task_name=PROBE, status=OutboxMessage.Status.SENT)
    url = reverse("admin:common_outboxmessage_changelist")

    page = admin_client.get(url, {"failing": "yes"})
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [failing]
    assert "Connection refused" in page.content.decode()

    response = admin_client.post(url, {"action": "retry_now", "_selected_action": [failing.pk]})
    assert response.status_code == 302
    failing.refresh_from_db()
    assert failing.status == OutboxMessage.Status.SENT
    assert ran == [("late", 0, str(failing.pk))]

    personas.reviewer.is_staff = True
    personas.reviewer.save()
    assert client_for(personas.reviewer).get(url).status_code == 403
    assert admin_client.get(reverse("admin:common_outboxmessage_add")).status_code == 403
