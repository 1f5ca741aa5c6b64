"""Daily digests (issue 23, item 1): a channel or a person in digest mode gets one message per
day listing that day's events with their links; nothing when the day was empty; a rerun never
sends a day twice. Days are moved with time-machine; apprise posts to a loopback receiver."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from notifications import channels, digests, subscriptions, tasks
from notifications.models import NotificationMessage
from tests.notifications.chat_server import ChatServer
from tests.notifications.test_channels import submit

pytestmark = pytest.mark.django_db
SUBMITTED = "deployment_request.submitted"


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, 0, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def chat():
    server = ChatServer()
    yield server
    server.close()


def test_a_daily_channel_gets_one_message_a_day_with_each_event_and_its_link(
    personas, chat, django_capture_on_commit_callbacks
):
    channels.notification_channel_create(
        actor=personas.admin,
        name="#digest",
        url=chat.url,
        event_types=[SUBMITTED],
        digest="daily",
    )
    with time_machine.travel(at(7, 10), tick=False):
        first = submit(personas, django_capture_on_commit_callbacks)
        second = submit(personas, django_capture_on_commit_callbacks, name="churn")
    assert chat.received == []  # held for the digest
    assert set(NotificationMessage.objects.values_list("state", flat=True)) == {"held"}
    with (
        time_machine.travel(at(7, 23), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.send_digests() == 0  # the day has not ended
    with (
        time_machine.travel(at(8, 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.send_digests() == 1
    [digest] = chat.received
    assert digest["title"] == "Attest digest for 2026-12-07: 2 events"
    assert "Review requested: credit-scoring v1 → production" in digest["message"]
    assert "Review requested: churn v1 → production" in digest["message"]
    assert f"/requests/{first.pk}/" in digest["message"]
    assert f"/requests/{second.pk}/" in digest["message"]
    row = NotificationMessage.objects.get(event_type=digests.DIGEST_TYPE)
    assert row.state == "delivered" and row.event_id == "digest_2026-12-07"
    assert sorted(row.entries.values_list("state", flat=True)) == ["digested", "digested"]
    # A rerun the same night, and the next day with nothing new, send nothing.
    for moment in (at(8, 2), at(9, 1)):
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            assert tasks.send_digests() == 0
    assert len(chat.received) == 1


def test_an_empty_day_sends_no_digest(personas, chat, django_capture_on_commit_callbacks):
    channels.notification_channel_create(
        actor=personas.admin, name="#quiet", url=chat.url, event_types=[SUBMITTED], digest="daily"
    )
    with (
        time_machine.travel(at(8, 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.send_digests() == 0
    assert chat.received == [] and not NotificationMessage.objects.exists()


def test_a_personal_digest_by_email_names_only_what_the_person_still_sees(
    personas, django_capture_on_commit_callbacks
):
    from catalog.models import ModelService

    subscriptions.notification_subscription_save(
        actor=personas.owner, event_types=[SUBMITTED], by_email=True, digest="daily"
    )
    with time_machine.travel(at(7, 10), tick=False):
        submit(personas, django_capture_on_commit_callbacks)
        submit(personas, django_capture_on_commit_callbacks, name="churn")
    assert not [m for m in mail.outbox if "digest" in m.subject]
    # The churn model moves to the other team before the digest goes out.
    ModelService.objects.filter(name="churn").update(owner_team=personas.other_team)
    from catalog.models import ModelServiceGroupPermission

    ModelServiceGroupPermission.objects.filter(content_object__name="churn").delete()
    with (
        time_machine.travel(at(8, 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.send_digests() == 1
    [email] = [m for m in mail.outbox if "digest" in m.subject]
    assert email.to == [personas.owner.email]
    assert email.subject == "Attest digest for 2026-12-07: 1 event"
    assert "credit-scoring" in email.body and "churn" not in email.body
    withheld = NotificationMessage.objects.get(subscription__isnull=False, state="cancelled")
    assert "churn" not in withheld.title and withheld.body == ""
