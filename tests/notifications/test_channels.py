"""Chat notifications through apprise (issue 23, item 1): a channel with apprise's json:// URL
pointing at a loopback receiver the test runs; one message per event with the link to act;
team subscriptions; a failing channel is retried and shows why."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from approvals import services as approval_services
from audit.models import AuditEvent
from common import crypto
from notifications import channels, tasks
from notifications.models import NotificationMessage
from tests.approvals.approval_helpers import assessed_model
from tests.notifications.chat_server import ChatServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat():
    server = ChatServer()
    yield server
    server.close()


def submit(personas, capture, name="credit-scoring"):
    model = assessed_model(personas, "minimal", name=name)
    with capture(execute=True):
        return approval_services.deployment_request_create(
            actor=personas.owner,
            model_version=model.versions.get(version="1"),
            environment="production",
            justification="Quarterly retrain.",
        )


def test_a_reviewer_channel_gets_one_message_per_request_with_the_link_to_decide(
    personas, chat, django_capture_on_commit_callbacks
):
    channel = channels.notification_channel_create(
        actor=personas.admin,
        name="#credit-reviews",
        url=chat.url,
        event_types=["deployment_request.submitted"],
        teams=[personas.team],
    )
    assert (
        chat.url not in channel.url_encrypted and crypto.decrypt(channel.url_encrypted) == chat.url
    )
    request = submit(personas, django_capture_on_commit_callbacks)
    [message] = chat.received
    assert message["title"] == "Review requested: credit-scoring v1 → production"
    assert f"/requests/{request.pk}/" in message["message"]
    assert "Decide: http" in message["message"]
    row = NotificationMessage.objects.get()
    assert row.state == "delivered" and row.attempts == 1
    assert AuditEvent.objects.filter(action="notifications.channel_created").count() == 1


def test_a_channel_following_another_team_or_event_gets_nothing(
    personas, chat, django_capture_on_commit_callbacks
):
    channels.notification_channel_create(
        actor=personas.admin,
        name="#fraud",
        url=chat.url,
        event_types=["deployment_request.submitted"],
        teams=[personas.other_team],
    )
    channels.notification_channel_create(
        actor=personas.admin, name="#alerts", url=chat.url, event_types=["alert.opened"]
    )
    submit(personas, django_capture_on_commit_callbacks)
    assert chat.received == [] and not NotificationMessage.objects.exists()


def test_a_failing_channel_is_retried_and_shows_the_failure(
    personas, chat, django_capture_on_commit_callbacks
):
    channels.notification_channel_create(
        actor=personas.admin,
        name="#all",
        url=chat.url,
        event_types=["deployment_request.submitted"],
    )
    chat.answers = [500]
    submit(personas, django_capture_on_commit_callbacks)
    row = NotificationMessage.objects.get()
    assert row.state == "retrying" and row.attempts == 1
    assert "500" in row.last_error  # apprise's own account of the refusal
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1), tick=True):
        assert tasks.deliver_due() == 1
    row.refresh_from_db()
    assert row.state == "delivered" and row.attempts == 2 and row.last_error == ""
    assert len(chat.received) == 2


def test_channels_are_for_administrators_and_need_a_url_apprise_knows(personas, chat):
    with pytest.raises(PermissionDenied):
        channels.notification_channel_create(
            actor=personas.compliance, name="x", url=chat.url, event_types=["alert.opened"]
        )
    with pytest.raises(ValidationError) as refused:
        channels.notification_channel_create(
            actor=personas.admin, name="x", url="nonsense://x", event_types=["alert.opened"]
        )
    assert "url" in refused.value.message_dict
