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


def test_a_reviewer_gets_one_slack_format_message_per_request_with_a_working_link(
    personas, chat, client_for, django_capture_on_commit_callbacks
):
    """Slack's own endpoint (hooks.slack.com) cannot be reached from here; apprise's Mattermost
    plugin posts the same Slack incoming-webhook payload ({"text": ...}, Mattermost's webhooks
    being Slack-compatible: https://developers.mattermost.com/integrate/webhooks/incoming/) to
    any host, so the loopback receiver gets exactly what a Slack-compatible chat would."""
    token = "3x7nq1kq5ifdtyejp1tbs9yhwa"
    channels.notification_channel_create(
        actor=personas.admin,
        name="#credit-reviews",
        url=f"mmost://127.0.0.1:{chat.port}/{token}",
        event_types=["deployment_request.submitted"],
        teams=[personas.team],
    )
    request = submit(personas, django_capture_on_commit_callbacks)
    [payload] = chat.received
    assert chat.paths == [f"/hooks/{token}"]
    assert set(payload) >= {"text"}  # the Slack incoming-webhook message
    assert "Review requested: credit-scoring v1 → production" in payload["text"]
    link = next(word for word in payload["text"].split() if f"/requests/{request.pk}/" in word)
    path = "/" + link.split("/", 3)[3]
    page = client_for(personas.reviewer).get(path)
    assert page.status_code == 200 and "credit-scoring" in page.content.decode()
    # One message per request: a second submission of another model is a second message.
    submit(personas, django_capture_on_commit_callbacks, name="churn")
    assert len(chat.received) == 2


def test_expiring_approvals_and_due_recertifications_reach_their_channels(
    personas, chat, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from monitoring import services as monitoring_services
    from monitoring.models import RecertificationReview

    channels.notification_channel_create(
        actor=personas.admin,
        name="#credit-owners",
        url=chat.url,
        event_types=["approval.expiring", "recertification.due"],
        teams=[personas.team],
    )
    request = submit(personas, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        request = approval_services.deployment_request_decide(
            actor=personas.reviewer, request=request, verdict="approve"
        )
        approval_services.approvals_due_for_reminder(now=request.expires_at - timedelta(days=2))
        RecertificationReview.objects.create(
            model_service=request.model_service,
            tier="minimal",
            due_on=timezone.localdate() + timedelta(days=5),
        )
        monitoring_services.reviews_due_for_reminder()
    titles = [m["title"] for m in chat.received]
    assert titles == [
        "Approval expiring: credit-scoring v1 → production",
        "Recertification due: credit-scoring",
    ]
    assert f"/requests/{request.pk}/" in chat.received[0]["message"]
    assert "/monitoring/" in chat.received[1]["message"]
    # Sent once: the next reminder run finds nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        approval_services.approvals_due_for_reminder(now=request.expires_at - timedelta(days=1))
    assert len(chat.received) == 2
