"""The notification settings (/settings/webhooks/, /settings/notifications/), the newest
registry kind (Azure Machine Learning) and the budgets on the usage report in German
(issue 21), each as an administrator or compliance officer sees it with
``Accept-Language: de``; no English interface word and no ISO date in the visible text."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog import services as catalog_services
from notifications import channels
from notifications import services as webhook_services
from notifications.models import WebhookDelivery
from tests.i18n.german_areas import assert_german, german_catalogue, german_client  # noqa: F401
from tests.usage.test_report import month_of_data  # noqa: F401
from usage import budgets

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("german_catalogue")]

URL = "http://127.0.0.1:9/hook"  # nothing listens there: the attempt fails, as a log to show
DATA = ("Credit Risk", "Fraud", "credit-scoring", "churn", "owner", "admin", "compliance")


@pytest.fixture
def de(client_for):
    return lambda user: german_client(client_for(user))


@pytest.fixture
def endpoint(personas):
    row, _secret = webhook_services.webhook_endpoint_create(
        actor=personas.admin, name="Pipeline", url=URL, event_types=["alert.opened"]
    )
    envelope = {"id": "evt_de_1", "type": "alert.opened", "data": {"title": "x"}}
    assert webhook_services.event_dispatch(envelope) == 1
    delivery = WebhookDelivery.objects.get(endpoint=row)
    webhook_services.webhook_delivery_attempt(delivery_id=str(delivery.pk))
    return row


def test_webhook_pages_in_german(personas, endpoint, de):
    admin = de(personas.admin)
    error = WebhookDelivery.objects.get(endpoint=endpoint).last_error  # the network's own words
    assert error
    data = (*DATA, "Pipeline", URL, "alert.opened", "evt_de_1", error)
    assert_german(admin.get(reverse("notifications:webhook-list")), data=data)
    assert_german(admin.get(reverse("notifications:webhook-create")), data=data)
    text = assert_german(
        admin.get(reverse("notifications:webhook-detail", args=[endpoint.pk])), data=data
    )
    assert "Wird erneut versucht" in text and "1 Versuch" in text  # the delivery, retrying
    assert_german(
        admin.get(reverse("notifications:webhook-edit", args=[endpoint.pk])),
        "Speichern",
        data=data,
    )


def test_notification_channel_pages_in_german(personas, de):
    channel = channels.notification_channel_create(
        actor=personas.admin,
        name="#kredit-pruefungen",
        url="json://127.0.0.1:9/",
        event_types=["deployment_request.submitted"],
        teams=[personas.team],
    )
    admin = de(personas.admin)
    data = (*DATA, "#kredit-pruefungen", "deployment_request.submitted", "json")
    assert_german(admin.get(reverse("notifications:channel-list")), data=data)
    assert_german(admin.get(reverse("notifications:channel-detail", args=[channel.pk])), data=data)


def test_azure_machine_learning_source_in_german(personas, de):
    catalog_services.registry_source_create(
        actor=None,
        kind="azureml",
        slug="quelle-azureml",
        base_url="https://management.azure.com",
        secret="event-grid-key-0123456789abcdef",
        credentials={"token": "eyJ0eXAiOiJKV1Qi.test-token"},
        options={
            "subscription": "0b1f6471-1bf0-4dda-aec3-111122223333",
            "resource_group": "ml-rg",
            "workspace": "betrug-ws",
        },
    )
    admin = de(personas.admin)
    data = (*DATA, "quelle-azureml", "ml-rg", "betrug-ws", "Event Grid", "Microsoft Entra ID")
    data += ("Model registered",)  # the Azure portal's own label, quoted as it reads there
    assert_german(
        admin.get(reverse("registries:detail", args=["quelle-azureml"])),
        "Azure Machine Learning verbinden",
        data=data,
    )
    assert_german(admin.get(reverse("registries:edit", args=["quelle-azureml"])), data=data)


def test_budgets_on_the_usage_report_in_german(personas, month_of_data, de):  # noqa: F811
    budgets.budget_set(
        actor=personas.compliance, amount="10.00", currency="EUR", model_service=month_of_data
    )
    text = assert_german(
        de(personas.compliance).get(reverse("usage:report"), {"month": "2026-10"}),
        "Oktober 2026",
        "10,00 EUR",
        data=DATA,
    )
    assert "Budget" in text
