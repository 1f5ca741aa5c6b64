"""Browser journey (issue 23, item 2): an administrator registers an outgoing webhook endpoint
(the receiver is a loopback server verifying with the ``standardwebhooks`` library), copies the
secret shown once, sees a failed delivery (503) on the endpoint's page with its status and body,
and redelivers it from the page; the receiver verifies the redelivery. Screenshots at desktop
and phone width, checked with axe-core."""

import pytest

from approvals import services
from notifications.models import WebhookDelivery, WebhookEndpoint
from tests.approvals.approval_helpers import assessed_model
from tests.browser.journeys import sign_in
from tests.notifications.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1360, "height": 900}


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.close()


def test_admin_registers_an_endpoint_sees_a_failure_and_redelivers_it(
    live_server, page, screenshot, receiver, personas
):
    personas.admin.set_password("attest-demo")
    personas.admin.save(update_fields=["password"])
    model = assessed_model(personas, "minimal", name="journey-credit-model")

    sign_in(page, live_server, "admin")
    main_nav = page.get_by_role("navigation", name="Main")
    main_nav.locator("summary", has_text="Settings").click()
    main_nav.get_by_role("link", name="Webhooks").click()
    page.wait_for_selector("h1:has-text('Outgoing webhooks')")
    page.get_by_role("link", name="Add an endpoint").first.click()
    page.get_by_label("Name").fill("Release pipeline")
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_role("button", name="Add endpoint").click()
    # No event chosen: the form says so next to the field, nothing is stored.
    page.wait_for_selector("text=Choose at least one event.")
    assert not WebhookEndpoint.objects.exists()
    page.get_by_label("Deployment request submitted for review").check()
    page.get_by_label("Deployment request approved").check()
    page.get_by_role("button", name="Add endpoint").click()
    page.wait_for_selector("text=copy it now, it is not shown again")
    receiver.secret = page.text_content("code.secret").strip()
    assert receiver.secret.startswith("whsec_")

    # The receiver is busy the first time: the delivery fails and waits for its retry.
    receiver.answers = [503]
    services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="1"),
        environment="production",
        justification="journey",
    )
    row = WebhookDelivery.objects.get()
    assert row.state == "retrying" and row.last_status_code == 503
    page.reload()
    assert "not shown again" not in page.text_content("main")  # the secret was shown once
    log = page.get_by_role("region", name="Delivery log")
    assert "Retrying" in log.inner_text() and "HTTP 503" in log.inner_text()
    assert "receiver busy" in log.inner_text()  # the start of the receiver's answer
    screenshot(page, "webhook-endpoint-failed-delivery")

    page.get_by_role("button", name=f"Redeliver {row.event_id}").click()
    page.wait_for_selector("text=queued for delivery again")
    row.refresh_from_db()
    assert row.state == "delivered" and row.last_status_code == 204
    first, again = receiver.received
    assert again.verified is not None and again.error == ""  # verified by standardwebhooks
    assert again.headers["webhook-id"] == first.headers["webhook-id"] == row.event_id
    assert again.verified["data"]["model"] == "journey-credit-model"
    assert "Delivered" in page.get_by_role("region", name="Delivery log").inner_text()
    screenshot(page, "webhook-endpoint")

    page.set_viewport_size(PHONE)
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page scrolls sideways on a phone ({width}px)"
    screenshot(page, "webhook-endpoint-phone")
    page.set_viewport_size(DESKTOP)
