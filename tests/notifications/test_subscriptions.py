"""Personal notifications (issue 23, item 1): a person subscribes themselves, by e-mail (Django's
mail: the test backend's outbox) and/or their own apprise URL (apprise's json:// plugin to a
loopback receiver); only events about models they may see reach them, checked again at send
time; failures are retried and shown on their page; subscribing and unsubscribing are audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from common import crypto, errors
from notifications import subscriptions, tasks
from notifications.models import NotificationMessage, NotificationSubscription
from tests.notifications.chat_server import ChatServer
from tests.notifications.test_channels import submit

pytestmark = pytest.mark.django_db
SUBMITTED = "deployment_request.submitted"


@pytest.fixture
def chat():
    server = ChatServer()
    yield server
    server.close()


def mine(subject_start: str) -> list:
    return [m for m in mail.outbox if m.subject.startswith(subject_start)]


def test_a_person_hears_by_email_and_their_own_apprise_url_with_the_link(
    personas, chat, django_capture_on_commit_callbacks
):
    sub = subscriptions.notification_subscription_save(
        actor=personas.reviewer, event_types=[SUBMITTED], by_email=True, apprise_url=chat.url
    )
    assert chat.url not in sub.url_encrypted and crypto.decrypt(sub.url_encrypted) == chat.url
    request = submit(personas, django_capture_on_commit_callbacks)
    [pushed] = chat.received
    assert pushed["title"] == "Review requested: credit-scoring v1 → production"
    assert f"/requests/{request.pk}/" in pushed["message"]
    [email] = mine("Review requested: credit-scoring")
    assert email.to == [personas.reviewer.email] and f"/requests/{request.pk}/" in email.body
    rows = NotificationMessage.objects.filter(subscription=sub)
    assert sorted(rows.values_list("medium", "state")) == [
        ("apprise", "delivered"),
        ("email", "delivered"),
    ]
    event = AuditEvent.objects.get(action="notifications.subscribed")
    assert event.after["by_email"] is True and event.after["apprise"] == "json"


def test_nobody_hears_of_a_model_they_may_not_see(
    personas, chat, django_capture_on_commit_callbacks
):
    subscriptions.notification_subscription_save(
        actor=personas.outsider, event_types=[SUBMITTED], apprise_url=chat.url
    )
    subscriptions.notification_subscription_save(
        actor=personas.other_reviewer, event_types=[SUBMITTED], by_email=True
    )
    submit(personas, django_capture_on_commit_callbacks)
    assert chat.received == [] and mine("Review requested") == []
    assert not NotificationMessage.objects.filter(subscription__isnull=False).exists()


def test_visibility_is_checked_again_when_a_retry_is_sent(
    personas, chat, django_capture_on_commit_callbacks
):
    subscriptions.notification_subscription_save(
        actor=personas.reviewer, event_types=[SUBMITTED], apprise_url=chat.url
    )
    chat.answers = [500]
    submit(personas, django_capture_on_commit_callbacks)
    row = NotificationMessage.objects.get(subscription__user=personas.reviewer)
    assert row.state == "retrying" and "500" in row.last_error
    personas.team.reviewers.remove(personas.reviewer)  # out of the pool: no longer sees it
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1), tick=True):
        tasks.deliver_due()
    row.refresh_from_db()
    assert row.state == "cancelled" and len(chat.received) == 1
    assert "credit-scoring" not in row.title and row.body == ""
    assert "no longer see" in row.last_error


def test_a_failed_message_is_retried_and_its_failure_shown_on_the_persons_page(
    personas, chat, client_for, django_capture_on_commit_callbacks
):
    subscriptions.notification_subscription_save(
        actor=personas.owner, event_types=[SUBMITTED], apprise_url=chat.url
    )
    chat.answers = [503]
    submit(personas, django_capture_on_commit_callbacks)
    page = client_for(personas.owner).get(reverse("notifications:subscription-edit"))
    text = page.content.decode()
    assert page.status_code == 200 and "Retrying" in text and "503" in text
    assert chat.url not in text  # never shown again
    row = NotificationMessage.objects.get()
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1), tick=True):
        assert tasks.deliver_due() == 1
    row.refresh_from_db()
    assert row.state == "delivered" and row.attempts == 2
    # Another person's page shows none of it.
    other = client_for(personas.teammate).get(reverse("notifications:subscription-edit"))
    assert "Review requested" not in other.content.decode()


def test_teams_followed_narrow_what_is_sent_and_must_be_teams_one_sees(
    personas, chat, django_capture_on_commit_callbacks
):
    with pytest.raises(errors.ValidationError) as refused:
        subscriptions.notification_subscription_save(
            actor=personas.owner,
            event_types=[SUBMITTED],
            teams=[personas.other_team],
            apprise_url=chat.url,
        )
    assert "teams" in refused.value.message_dict
    subscriptions.notification_subscription_save(
        actor=personas.compliance,
        event_types=[SUBMITTED],
        teams=[personas.other_team],
        apprise_url=chat.url,
    )
    submit(personas, django_capture_on_commit_callbacks)  # a model of personas.team
    assert chat.received == []


def test_a_subscription_needs_a_way_to_hear_and_unsubscribing_is_audited(personas, chat):
    with pytest.raises(errors.ValidationError):
        subscriptions.notification_subscription_save(actor=personas.owner, event_types=[SUBMITTED])
    subscriptions.notification_subscription_save(
        actor=personas.owner, event_types=[SUBMITTED], apprise_url=chat.url
    )
    # Saving again without a URL keeps the stored one.
    sub = subscriptions.notification_subscription_save(
        actor=personas.owner, event_types=[SUBMITTED, "alert.opened"]
    )
    assert crypto.decrypt(sub.url_encrypted) == chat.url
    subscriptions.notification_subscription_delete(actor=personas.owner)
    assert not NotificationSubscription.objects.exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="notifications.").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == [
        "notifications.subscribed",
        "notifications.subscribed",
        "notifications.unsubscribed",
    ]


def test_the_page_saves_a_subscription_and_the_header_links_to_it(personas, client_for, chat):
    client = client_for(personas.owner)
    url = reverse("notifications:subscription-edit")
    assert url.encode() in client.get(reverse("portal:dashboard")).content
    answer = client.post(
        url, {"event_types": [SUBMITTED], "teams": [personas.team.pk], "apprise_url": chat.url}
    )
    assert answer.status_code == 302
    sub = NotificationSubscription.objects.get(user=personas.owner)
    assert list(sub.teams.all()) == [personas.team]
    refused = client.post(url, {"event_types": [SUBMITTED], "teams": [personas.other_team.pk]})
    assert refused.status_code == 400  # not a team the owner sees
    assert client.post(url, {"unsubscribe": "1"}).status_code == 302
    assert not NotificationSubscription.objects.exists()
