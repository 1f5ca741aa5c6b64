"""Browser journey (issue 23, item 1): a model owner opens My notifications from the header,
subscribes to review requests of their team by e-mail and by their own apprise URL (json:// to a
loopback chat server); a submitted request reaches both; a failed push shows its failure on the
page. Screenshots at desktop and phone width (axe)."""

import re

import pytest
from django.core import mail

from approvals import services
from notifications.models import NotificationSubscription
from tests.approvals.approval_helpers import assessed_model
from tests.browser.journeys import sign_in
from tests.notifications.chat_server import ChatServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def chat():
    server = ChatServer()
    yield server
    server.close()


def test_a_person_subscribes_and_sees_what_was_sent_to_them(
    live_server, page, screenshot, chat, personas
):
    personas.owner.set_password("attest-demo")
    personas.owner.save(update_fields=["password"])
    model = assessed_model(personas, "minimal", name="journey-credit-model", versions=("1", "2"))

    sign_in(page, live_server, "owner")
    page.locator("summary.usermenu__name").click()  # the account menu
    page.get_by_role("link", name="My notifications").click()
    page.wait_for_selector("h1:has-text('My notifications')")
    screenshot(page, "personal-notifications-empty")
    page.get_by_label("Deployment request submitted for review").check()
    page.get_by_label("Credit Risk").check()
    page.get_by_label(re.compile("By e-mail to")).check()
    page.get_by_label("Personal apprise URL").fill(chat.url)
    page.get_by_label("Daily digest, one message a day").check()
    page.get_by_label("Immediately, one message per event").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Your notifications are saved.")
    assert chat.url not in page.content()  # stored encrypted, never shown again
    sub = NotificationSubscription.objects.get(user=personas.owner)
    assert sub.by_email and sub.service == "json" and sub.digest == "immediate"

    services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="1"),
        environment="production",
        justification="journey",
    )
    [pushed] = chat.received
    assert pushed["title"] == "Review requested: journey-credit-model v1 → production"
    assert [m for m in mail.outbox if m.to == [personas.owner.email]]
    chat.answers = [500]
    services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="2"),
        environment="production",
        justification="journey",
    )
    page.reload()
    log = page.get_by_role("region", name="Sent to you")
    assert "Retrying" in log.inner_text() and "500" in log.inner_text()
    assert "Delivered" in log.inner_text()
    screenshot(page, "personal-notifications")
    page.set_viewport_size(PHONE)
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page scrolls sideways on a phone ({width}px)"
    screenshot(page, "personal-notifications-phone")
