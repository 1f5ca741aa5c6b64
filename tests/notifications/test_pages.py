"""The /settings/webhooks/ pages: wiring, the secret shown once, errors shown in the page (never
a 500), every change audited. Who may open them is in the permission matrix."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from common import crypto
from notifications import services
from notifications.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hook"  # nothing listens there: nothing here sends


@pytest.fixture
def admin(client, personas):
    client.force_login(personas.admin)
    return client


@pytest.fixture
def endpoint(personas):
    row, _ = services.webhook_endpoint_create(
        actor=personas.admin, name="Pipeline", url=URL, event_types=["alert.opened"]
    )
    return row


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(admin):
    answer = admin.post(
        reverse("notifications:webhook-create"),
        {"name": "Pipeline", "url": URL, "event_types": ["alert.opened", "approval.revoked"]},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("notifications:webhook-detail", args=[endpoint.pk])
    assert endpoint.event_types == ["alert.opened", "approval.revoked"]
    first = admin.get(answer["Location"]).content.decode()
    secret = crypto.decrypt(endpoint.secret_encrypted)
    assert secret.startswith("whsec_") and secret in first
    assert secret not in admin.get(answer["Location"]).content.decode()  # once only
    event = AuditEvent.objects.get(action="notifications.webhook_endpoint_created")
    assert secret not in str(event.after)


def test_a_private_address_is_refused_in_the_form_and_nothing_is_stored(admin, settings):
    settings.ATTEST_WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    answer = admin.post(
        reverse("notifications:webhook-create"),
        {"name": "Metadata", "url": "http://169.254.169.254/", "event_types": ["alert.opened"]},
    )
    assert answer.status_code == 400
    assert "private, loopback or reserved" in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "form",
    [
        {"name": "", "url": URL, "event_types": ["alert.opened"]},
        {"name": "x", "url": "not a url", "event_types": ["alert.opened"]},
        {"name": "x", "url": URL, "event_types": ["made.up"]},
        {"name": "x" * 500, "url": URL + "x" * 600, "event_types": []},
    ],
)
def test_bad_input_answers_400_with_the_reason(admin, form):
    answer = admin.post(reverse("notifications:webhook-create"), form)
    assert answer.status_code == 400
    assert 'class="field__error"' in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_editing_disabling_and_deleting_are_audited(admin, endpoint):
    detail = reverse("notifications:webhook-detail", args=[endpoint.pk])
    answer = admin.post(
        reverse("notifications:webhook-edit", args=[endpoint.pk]),
        {"name": "Pipeline", "url": URL, "event_types": ["incident.created"]},
    )
    assert answer.status_code == 302 and answer["Location"] == detail
    edit = AuditEvent.objects.get(action="notifications.webhook_endpoint_updated")
    assert edit.before == {"event_types": ["alert.opened"]}
    assert edit.after == {"event_types": ["incident.created"]}

    admin.post(reverse("notifications:webhook-toggle", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.is_enabled
    assert "no event is sent" in admin.get(detail).content.decode()

    admin.post(reverse("notifications:webhook-delete", args=[endpoint.pk]))
    assert not WebhookEndpoint.objects.exists()
    assert AuditEvent.objects.filter(action="notifications.webhook_endpoint_deleted").count() == 1
    assert admin.get(detail).status_code == 404


def test_a_disabled_endpoint_cannot_be_redelivered_to(admin, personas, endpoint):
    row = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id="evt_" + "1" * 32,
        event_type="alert.opened",
        payload={"id": "evt_" + "1" * 32},
        state="failed",
    )
    services.webhook_endpoint_enabled_set(actor=personas.admin, endpoint=endpoint, is_enabled=False)
    answer = admin.post(
        reverse("notifications:webhook-redeliver", args=[endpoint.pk, row.pk]), follow=True
    )
    assert "enable it before redelivering" in answer.content.decode()
    row.refresh_from_db()
    assert row.state == "failed"
    assert not AuditEvent.objects.filter(
        action="notifications.webhook_delivery_redelivered"
    ).exists()


def test_the_log_filters_by_state_and_ignores_nonsense(admin, endpoint):
    for n, state in enumerate(["delivered", "failed"]):
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id=f"evt_{n:032d}",
            event_type="alert.opened",
            payload={"id": f"evt_{n:032d}"},
            state=state,
        )
    detail = reverse("notifications:webhook-detail", args=[endpoint.pk])
    failed = admin.get(detail, {"state": "failed"}).content.decode()
    assert f"evt_{1:032d}" in failed and f"evt_{0:032d}" not in failed
    for query in ({"state": "<script>"}, {"page": "x"}, {"page": "999999"}):
        assert admin.get(detail, query).status_code == 200
    other = reverse(
        "notifications:webhook-redeliver",
        args=[endpoint.pk, "00000000-0000-4000-8000-000000000000"],
    )
    assert admin.post(other).status_code == 404


def test_a_channel_is_added_from_its_page_and_its_url_never_shows_again(admin, personas):
    url = "json://127.0.0.1:9/chat-token-abc"
    answer = admin.post(
        reverse("notifications:channel-list"),
        {
            "name": "#reviews",
            "url": url,
            "event_types": ["deployment_request.submitted"],
            "teams": [str(personas.team.pk)],
        },
    )
    from notifications.models import NotificationChannel

    channel = NotificationChannel.objects.get()
    assert answer.status_code == 302
    assert list(channel.teams.all()) == [personas.team]
    for page in (reverse("notifications:channel-list"), answer["Location"]):
        assert "chat-token-abc" not in admin.get(page).content.decode()
    event = AuditEvent.objects.get(action="notifications.channel_created")
    assert "chat-token-abc" not in str(event.after) and event.after["teams"] == ["credit-risk"]


def test_a_url_apprise_cannot_send_to_is_refused_in_the_form(admin):
    answer = admin.post(
        reverse("notifications:channel-list"),
        {"name": "#x", "url": "nonsense://x", "event_types": ["alert.opened"]},
    )
    assert answer.status_code == 400 and "apprise URL" in answer.content.decode()
