"""E-mail as a team channel kind (issue 23, item 1): a list of addresses Django's mail sends to,
beside apprise URLs; the same message rows, retries and digests. The test mail backend's outbox
is Django's own; the failing case uses the real SMTP backend against a closed loopback port."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from notifications import channels, tasks
from notifications.models import NotificationChannel, NotificationMessage
from tests.notifications.test_channels import submit

pytestmark = pytest.mark.django_db
SUBMITTED = "deployment_request.submitted"


def sent(subject_start: str) -> list:
    return [m for m in mail.outbox if m.subject.startswith(subject_start)]


def test_an_email_channel_mails_each_event_with_the_link_to_its_addresses(
    personas, django_capture_on_commit_callbacks
):
    channel = channels.notification_channel_create(
        actor=personas.admin,
        name="Credit risk list",
        kind="email",
        email_addresses=["Credit-Risk@example.com", "lead@example.com"],
        event_types=[SUBMITTED],
        teams=[personas.team],
    )
    assert channel.url_encrypted == "" and channel.service == "email"
    request = submit(personas, django_capture_on_commit_callbacks)
    [message] = sent("Review requested: credit-scoring v1")
    assert message.to == ["credit-risk@example.com", "lead@example.com"]
    assert f"/requests/{request.pk}/" in message.body
    row = NotificationMessage.objects.get(channel=channel)
    assert row.medium == "email" and row.state == "delivered"


def test_an_email_channel_needs_valid_addresses(personas):
    for addresses in ([], ["not an address"]):
        with pytest.raises(ValidationError) as refused:
            channels.notification_channel_create(
                actor=personas.admin,
                name="List",
                kind="email",
                email_addresses=addresses,
                event_types=[SUBMITTED],
            )
        assert "email_addresses" in refused.value.message_dict


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=9,  # discard port, closed here: the connection is refused
    EMAIL_TIMEOUT=5,
)
def test_a_mail_server_that_refuses_is_retried_and_shown(
    personas, django_capture_on_commit_callbacks
):
    channels.notification_channel_create(
        actor=personas.admin,
        name="List",
        kind="email",
        email_addresses=["list@example.com"],
        event_types=[SUBMITTED],
    )
    submit(personas, django_capture_on_commit_callbacks)
    row = NotificationMessage.objects.get(channel__kind="email")
    assert row.state == "retrying" and "ConnectionRefusedError" in row.last_error
    locmem = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    with locmem, time_machine.travel(row.next_attempt_at + timedelta(seconds=1), tick=True):
        assert tasks.deliver_due() == 1
    row.refresh_from_db()
    assert row.state == "delivered" and row.attempts == 2


def test_an_email_channel_in_digest_mode_gets_one_mail_for_the_day(
    personas, django_capture_on_commit_callbacks
):
    channels.notification_channel_create(
        actor=personas.admin,
        name="List",
        kind="email",
        email_addresses=["list@example.com"],
        event_types=[SUBMITTED],
        digest="daily",
    )
    zone = timezone.get_current_timezone()
    with time_machine.travel(datetime(2026, 12, 7, 10, tzinfo=zone), tick=False):
        submit(personas, django_capture_on_commit_callbacks)
        submit(personas, django_capture_on_commit_callbacks, name="churn")
    assert all(m.to != ["list@example.com"] for m in mail.outbox)  # held for the digest
    with (
        time_machine.travel(datetime(2026, 12, 8, 1, tzinfo=zone), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.send_digests() == 1
        assert tasks.send_digests() == 0
    [digest] = sent("Attest digest")
    assert digest.to == ["list@example.com"] and digest.subject.endswith("2 events")


def test_the_channel_page_adds_an_email_channel(personas, client_for):
    answer = client_for(personas.admin).post(
        reverse("notifications:channel-list"),
        {
            "name": "List",
            "kind": "email",
            "email_addresses": "a@example.com, b@example.com",
            "event_types": [SUBMITTED],
        },
    )
    assert answer.status_code == 302
    channel = NotificationChannel.objects.get()
    assert channel.kind == "email" and channel.email_addresses == ["a@example.com", "b@example.com"]
    page = client_for(personas.admin).get(answer["Location"])
    assert "Sent by e-mail to a@example.com, b@example.com" in page.content.decode()
