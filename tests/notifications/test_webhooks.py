"""Outgoing governance events (issue 23, item 2): a real receiver on loopback verifies every
delivery with the ``standardwebhooks`` library; retries follow the backoff; redelivery, secret
rotation, 410 Gone, redirects and private targets behave as the Standard Webhooks spec says."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from approvals import services as approval_services
from audit.models import AuditEvent
from common.events import UnknownEventTypeError, governance_event_emit
from common.outbox import OutboxOutsideTransactionError
from notifications import services, tasks
from notifications.models import WebhookDelivery
from tests.approvals.approval_helpers import assessed_model
from tests.notifications.receiver import Receiver

pytestmark = pytest.mark.django_db

SUBMITTED = "deployment_request.submitted"


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.close()


@pytest.fixture
def endpoint(personas, receiver):
    row, secret = services.webhook_endpoint_create(
        actor=personas.admin,
        name="Release pipeline",
        url=receiver.url,
        event_types=[SUBMITTED, "deployment_request.approved"],
    )
    receiver.secret = secret
    return row


def submit_request(personas, capture, *, name="credit-scoring"):
    model = assessed_model(personas, "minimal", name=name)
    with capture(execute=True):
        return approval_services.deployment_request_create(
            actor=personas.owner,
            model_version=model.versions.get(version="1"),
            environment="production",
            justification="Quarterly retrain.",
        )


def test_a_submitted_request_reaches_the_endpoint_signed_per_standard_webhooks(
    personas, endpoint, receiver, django_capture_on_commit_callbacks
):
    request = submit_request(personas, django_capture_on_commit_callbacks)

    [got] = receiver.received
    assert got.error == "" and got.verified is not None  # the library accepted the signature
    assert got.verified["type"] == SUBMITTED
    data = got.verified["data"]
    assert data["request_id"] == str(request.pk)
    assert data["model"] == "credit-scoring" and data["version"] == "1"
    assert data["environment"] == "production" and data["team"] == "credit-risk"
    assert data["request_url"].endswith(f"/requests/{request.pk}/")
    row = WebhookDelivery.objects.get()
    assert got.headers["webhook-id"] == row.event_id == got.verified["id"]
    assert got.headers["webhook-signature"].startswith("v1,")
    assert row.state == "delivered" and row.last_status_code == 204 and row.attempts == 1
    assert row.attempt_log.get().succeeded


def test_endpoints_receive_only_the_events_they_chose_and_nothing_when_disabled(
    personas, endpoint, receiver, django_capture_on_commit_callbacks
):
    other, _ = services.webhook_endpoint_create(
        actor=personas.admin, name="Alerts only", url=receiver.url, event_types=["alert.opened"]
    )
    services.webhook_endpoint_enabled_set(actor=personas.admin, endpoint=endpoint, is_enabled=False)
    submit_request(personas, django_capture_on_commit_callbacks)
    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()
    assert AuditEvent.objects.filter(action="notifications.webhook_endpoint_disabled").count() == 1
    assert other.deliveries.count() == 0


def test_a_rolled_back_change_sends_no_event(personas, endpoint, receiver):
    with pytest.raises(RuntimeError), transaction.atomic():
        governance_event_emit(SUBMITTED, {"request_id": "x"})
        raise RuntimeError("the business change failed")
    assert not WebhookDelivery.objects.exists() and receiver.received == []


@pytest.mark.django_db(transaction=True)
def test_emitting_outside_a_transaction_is_a_programming_error():
    with pytest.raises(OutboxOutsideTransactionError):
        governance_event_emit(SUBMITTED, {})


def test_emitting_an_undeclared_type_is_a_programming_error():
    with pytest.raises(UnknownEventTypeError), transaction.atomic():
        governance_event_emit("deployment_request.teleported", {})


def test_a_failed_delivery_is_retried_with_a_growing_backoff_until_it_succeeds(
    personas, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [503, 500]
    start = timezone.now()
    with time_machine.travel(start, tick=True):
        submit_request(personas, django_capture_on_commit_callbacks)
    row = WebhookDelivery.objects.get()
    assert row.state == "retrying" and row.attempts == 1 and row.last_status_code == 503
    assert "receiver busy" in row.last_response_excerpt
    first_wait = row.next_attempt_at - row.last_attempt_at
    assert timedelta(seconds=47) <= first_wait <= timedelta(seconds=73)  # 60 s ± 20 %

    assert tasks.deliver_due() == 0  # not due yet: nothing is sent early
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1), tick=True):
        assert tasks.deliver_due() == 1
    row.refresh_from_db()
    assert row.state == "retrying" and row.attempts == 2 and row.last_status_code == 500
    second_wait = row.next_attempt_at - row.last_attempt_at
    assert timedelta(seconds=239) <= second_wait <= timedelta(seconds=361)  # 300 s ± 20 %

    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1), tick=True):
        assert tasks.deliver_due() == 1
    row.refresh_from_db()
    assert row.state == "delivered" and row.attempts == 3 and row.last_status_code == 204
    assert [a.status_code for a in row.attempt_log.order_by("number")] == [503, 500, 204]
    # Same event, same id, freshly signed each time: every attempt verified at the receiver.
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    assert all(r.verified is not None for r in receiver.received)


def test_a_delivery_fails_for_good_after_the_last_attempt_and_the_trail_says_so(
    personas, endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.ATTEST_WEBHOOKS_MAX_ATTEMPTS = 2
    receiver.answers = [500, 500]
    submit_request(personas, django_capture_on_commit_callbacks)
    row = WebhookDelivery.objects.get()
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1), tick=True):
        tasks.deliver_due()
    row.refresh_from_db()
    assert row.state == "failed" and row.next_attempt_at is None and row.attempts == 2
    event = AuditEvent.objects.get(action="notifications.webhook_delivery_failed")
    assert event.after["event_id"] == row.event_id and event.after["status_code"] == 500


def test_an_admin_redelivers_the_same_event_and_the_receiver_verifies_it(
    personas, endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.ATTEST_WEBHOOKS_MAX_ATTEMPTS = 1
    receiver.answers = [500]
    submit_request(personas, django_capture_on_commit_callbacks)
    row = WebhookDelivery.objects.get()
    assert row.state == "failed"

    with django_capture_on_commit_callbacks(execute=True):
        services.webhook_delivery_redeliver(actor=personas.admin, delivery_row=row)
    row.refresh_from_db()
    assert row.state == "delivered"
    first, second = receiver.received
    assert second.verified is not None
    assert second.headers["webhook-id"] == first.headers["webhook-id"] == row.event_id
    assert second.body == first.body  # the same bytes, signed again with a new timestamp
    assert row.attempt_log.filter(manual=True).count() == 1
    assert AuditEvent.objects.filter(action="notifications.webhook_delivery_redelivered").exists()
    with pytest.raises(PermissionDenied):
        services.webhook_delivery_redeliver(actor=personas.owner, delivery_row=row)


def test_410_gone_stops_the_deliveries_and_disables_the_endpoint(
    personas, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [410]
    submit_request(personas, django_capture_on_commit_callbacks)
    row = WebhookDelivery.objects.get()
    endpoint.refresh_from_db()
    assert row.state == "failed" and row.attempts == 1
    assert not endpoint.is_enabled and "410" in endpoint.disabled_reason
    assert AuditEvent.objects.get(action="notifications.webhook_endpoint_disabled").actor_id is None


def test_a_redirect_is_a_failure_and_is_not_followed(
    personas, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [302]
    submit_request(personas, django_capture_on_commit_callbacks)
    row = WebhookDelivery.objects.get()
    assert row.state == "retrying" and row.last_status_code == 302
    assert len(receiver.received) == 1  # nothing followed the Location


def test_after_rotation_both_secrets_sign_for_a_day_then_only_the_new_one(
    personas, endpoint, receiver, django_capture_on_commit_callbacks
):
    old = receiver.secret
    new = services.webhook_secret_rotate(actor=personas.admin, endpoint=endpoint)
    assert new != old and new.startswith("whsec_")
    submit_request(personas, django_capture_on_commit_callbacks)  # verified with the old one
    assert receiver.received[-1].verified is not None
    assert len(receiver.received[-1].headers["webhook-signature"].split(" ")) == 2

    receiver.secret = new
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=True):
        submit_request(personas, django_capture_on_commit_callbacks, name="fraud-model")
        assert receiver.received[-1].verified is not None
        assert len(receiver.received[-1].headers["webhook-signature"].split(" ")) == 1
    assert AuditEvent.objects.filter(action="notifications.webhook_secret_rotated").count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://[::1]/hook",
        "http://localhost/hook",
        "ftp://example.com/hook",
    ],
)
def test_private_and_odd_targets_are_refused_unless_allowed(personas, settings, url):
    settings.ATTEST_WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationError) as refused:
        services.webhook_endpoint_create(
            actor=personas.admin, name="x", url=url, event_types=[SUBMITTED]
        )
    assert "url" in refused.value.message_dict


def test_a_target_that_became_private_is_refused_at_delivery_time(
    personas, endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.ATTEST_WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    submit_request(personas, django_capture_on_commit_callbacks)
    row = WebhookDelivery.objects.get()
    assert receiver.received == []
    assert row.state == "retrying" and row.last_status_code is None
    assert "private" in row.last_error


def test_only_administrators_manage_endpoints(personas, receiver):
    for persona in (personas.owner, personas.compliance, personas.reviewer, personas.auditor):
        with pytest.raises(PermissionDenied):
            services.webhook_endpoint_create(
                actor=persona, name="x", url=receiver.url, event_types=[SUBMITTED]
            )


def test_an_unknown_event_type_or_none_at_all_is_refused(personas, receiver):
    for chosen in ([], ["deployment_request.teleported"]):
        with pytest.raises(ValidationError) as refused:
            services.webhook_endpoint_create(
                actor=personas.admin, name="x", url=receiver.url, event_types=chosen
            )
        assert "event_types" in refused.value.message_dict
