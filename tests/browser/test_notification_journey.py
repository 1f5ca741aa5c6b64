"""Browser journey (issue 23, item 1): an administrator adds a chat channel (apprise's json://
URL to a loopback chat server) for the credit team's review requests; a submitted request
becomes one message with the link to decide; a failed message shows its failure on the
channel's page and is sent again from there. Screenshots at desktop and phone width (axe)."""

import pytest

from approvals import services
from notifications.models import NotificationMessage
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


def test_admin_adds_a_channel_and_a_failed_message_is_sent_again(
    live_server, page, screenshot, chat, personas
):
    personas.admin.set_password("attest-demo")
    personas.admin.save(update_fields=["password"])
    model = assessed_model(personas, "minimal", name="journey-credit-model", versions=("1", "2"))

    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/settings/notifications/")
    page.get_by_label("Name").fill("#credit-reviews")
    page.get_by_label("apprise URL", exact=True).fill(chat.url)
    page.get_by_label("Deployment request submitted for review").check()
    page.get_by_label("Credit Risk").check()
    page.get_by_role("button", name="Add channel").click()
    page.wait_for_selector("text=Channel #credit-reviews added.")
    assert chat.url not in page.content()  # the URL holds the token: never shown again

    services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="1"),
        environment="production",
        justification="journey",
    )
    [message] = chat.received
    assert message["title"] == "Review requested: journey-credit-model v1 → production"
    link = message["message"].rsplit("Decide: ", 1)[1].strip()
    chat.answers = [500]
    services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="2"),
        environment="production",
        justification="journey",
    )
    failed = NotificationMessage.objects.get(state="retrying")
    page.reload()
    log = page.get_by_role("region", name="Messages")
    assert "Retrying" in log.inner_text() and "500" in log.inner_text()
    screenshot(page, "notification-channel-failed")

    page.get_by_role("button", name=f"Send again: {failed.title}").click()
    page.wait_for_selector("text=Message queued to be sent again.")
    failed.refresh_from_db()
    assert failed.state == "delivered" and len(chat.received) == 3
    screenshot(page, "notification-channel")
    page.set_viewport_size(PHONE)
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page scrolls sideways on a phone ({width}px)"
    screenshot(page, "notification-channel-phone")

    # The link in the message opens the request for the reviewer.
    page.set_viewport_size({"width": 1360, "height": 900})
    page.goto(link.replace("http://127.0.0.1:8000", live_server.url))
    page.wait_for_selector("h1:has-text('journey-credit-model')")
