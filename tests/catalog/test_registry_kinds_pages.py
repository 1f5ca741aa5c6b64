"""Admin pages and ``add_registry_source`` for the SageMaker and push kinds (issue 19, item 6):
the exact webhook URL and set-up steps per kind, secrets shown once, Test connection."""

from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.urls import reverse

from catalog.models import RegistrySource
from catalog.registries import push
from catalog.services import webhook_secrets_active


@pytest.fixture
def admin(client_for, personas):
    return client_for(personas.admin)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_admin_adds_a_sagemaker_source_and_sees_the_eventbridge_steps_and_the_key_once(admin):
    response = admin.post(
        reverse("registries:create"),
        {"kind": "sagemaker", "slug": "sm", "region": "eu-central-1", "auth_header": "X-Key"},
    )
    assert response.status_code == 302
    source = RegistrySource.objects.get(slug="sm")
    assert source.settings == {"region": "eu-central-1", "auth_header": "X-Key"}
    (key,) = webhook_secrets_active(source)
    page = admin.get(reverse("registries:detail", args=["sm"])).content.decode()
    assert "http://testserver/webhooks/sm/" in page
    assert "SageMaker Model Package State Change" in page and "X-Key" in page
    assert key in page  # shown once...
    assert key not in admin.get(reverse("registries:detail", args=["sm"])).content.decode()
    assert "Register webhook in MLflow" not in page and "Test connection" in page


@pytest.mark.django_db
def test_a_sagemaker_source_needs_a_region(admin):
    response = admin.post(reverse("registries:create"), {"kind": "sagemaker", "slug": "sm"})
    assert response.status_code == 400 and "AWS region" in response.content.decode()
    assert not RegistrySource.objects.exists()


@pytest.mark.django_db
def test_admin_adds_a_push_source_and_gets_a_standard_webhooks_secret(admin):
    assert (
        admin.post(reverse("registries:create"), {"kind": "push", "slug": "ci"}).status_code == 302
    )
    (secret,) = webhook_secrets_active(RegistrySource.objects.get(slug="ci"))
    assert push.secret_error(secret) == ""
    page = admin.get(reverse("registries:detail", args=["ci"])).content.decode()
    assert secret in page and "webhook-signature" in page and "model_version.registered" in page
    assert "Reconcile now" not in page
    response = admin.post(reverse("registries:test", args=["ci"]))
    assert response.status_code == 302
    assert any("Nothing to reach" in m for m in _messages(response))


@pytest.mark.django_db
def test_a_push_source_refuses_a_secret_that_is_not_whsec(admin):
    response = admin.post(
        reverse("registries:create"), {"kind": "push", "slug": "ci", "secret": "x" * 30}
    )
    assert response.status_code == 400 and "whsec_" in response.content.decode()


@pytest.mark.django_db
def test_test_connection_says_why_a_registry_cannot_be_reached(admin):
    call_command(
        "add_registry_source",
        "--kind=mlflow",
        "--slug=down",
        "--url=http://127.0.0.1:9",
        "--secret=" + "s" * 20,
        stdout=StringIO(),
    )
    response = admin.post(reverse("registries:test", args=["down"]))
    assert any(m.startswith("Connection failed:") for m in _messages(response))


@pytest.mark.django_db
def test_command_adds_each_kind_with_its_settings():
    out = StringIO()
    call_command("add_registry_source", "--kind=push", "--slug=ci", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-1].startswith("whsec_") and push.secret_error(lines[-1]) == ""
    assert webhook_secrets_active(RegistrySource.objects.get(slug="ci")) == [lines[-1]]

    out = StringIO()
    call_command(
        "add_registry_source",
        "--kind=sagemaker",
        "--slug=sm",
        "--region=us-east-1",
        "--secret=connection-api-key-0123456789",
        "--auth-header=X-Api-Key",
        "--url=http://127.0.0.1:5000",
        stdout=out,
    )
    source = RegistrySource.objects.get(slug="sm")
    assert source.settings == {"region": "us-east-1", "auth_header": "X-Api-Key"}
    assert source.base_url == "http://127.0.0.1:5000"
    assert "X-Api-Key" in out.getvalue() and "/webhooks/sm/" in out.getvalue()
    assert webhook_secrets_active(source) == ["connection-api-key-0123456789"]


@pytest.mark.django_db
def test_command_explains_what_a_kind_is_missing():
    with pytest.raises(CommandError, match="--region"):
        call_command("add_registry_source", "--kind=sagemaker", "--slug=sm", stdout=StringIO())
    with pytest.raises(CommandError, match="--url"):
        call_command("add_registry_source", "--kind=mlflow", "--slug=m", "--secret=" + "s" * 20)
    with pytest.raises(CommandError, match="whsec_"):
        call_command("add_registry_source", "--kind=push", "--slug=p", "--secret=" + "s" * 20)
    assert not RegistrySource.objects.exists()


@pytest.mark.django_db
def test_admin_edits_and_disables_a_source_and_its_history_stays(admin, client):
    call_command(
        "add_registry_source",
        "--kind=sagemaker",
        "--slug=sm",
        "--region=us-east-1",
        "--secret=connection-api-key-0123456789",
        stdout=StringIO(),
    )
    response = admin.post(
        reverse("registries:edit", args=["sm"]),
        {"name": "SageMaker EU", "region": "eu-west-1", "approval_environment": "staging"},
    )
    assert response.status_code == 302
    source = RegistrySource.objects.get(slug="sm")
    assert source.name == "SageMaker EU" and source.settings["region"] == "eu-west-1"
    assert source.approval_environment == "staging"
    assert admin.post(reverse("registries:toggle", args=["sm"])).status_code == 302
    source.refresh_from_db()
    assert not source.is_active
    answer = client.post("/webhooks/sm/", b"{}", content_type="application/json")
    assert answer.status_code == 404  # a disabled source accepts nothing
    page = admin.get(reverse("registries:detail", args=["sm"])).content.decode()
    assert "Disabled:" in page and "Enable" in page
    admin.post(reverse("registries:toggle", args=["sm"]))
    source.refresh_from_db()
    assert source.is_active


@pytest.mark.django_db
def test_admin_deletes_a_source_and_its_history_stays(admin, client, personas):
    """Delete (issue 19, item 6): out of the list, deliveries refused, secrets retired and
    credentials erased, the catalog entries, inbox rows and audit trail kept; the slug stays
    taken and a deleted source cannot be enabled again."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from audit.models import AuditEvent
    from catalog import services
    from catalog.models import ModelService, WebhookDelivery

    call_command(
        "add_registry_source",
        "--kind=sagemaker",
        "--slug=sm",
        "--region=eu-west-1",
        "--api-token=tok",
        stdout=StringIO(),
    )
    source = RegistrySource.objects.get(slug="sm")
    ModelService.objects.create(
        name="scorer", registry_source=source, registry_name="scorer", owner_team=personas.team
    )
    WebhookDelivery.objects.create(
        source=source, delivery_id="d1", signed_at=timezone.now(), body="{}", payload={}
    )
    assert source.api_credentials_encrypted
    response = admin.post(reverse("registries:delete", args=["sm"]))
    assert response.status_code == 302 and response.url == reverse("registries:list")
    source.refresh_from_db()
    assert source.deleted_at is not None and not source.is_active
    assert source.api_credentials_encrypted == ""
    assert not source.secrets.filter(retired_at__isnull=True).exists()
    assert ModelService.objects.get(name="scorer").registry_source == source
    assert source.deliveries.count() == 1
    assert AuditEvent.objects.filter(action="catalog.registry_source_deleted").count() == 1
    assert (
        reverse("registries:detail", args=["sm"])
        not in admin.get(reverse("registries:list")).content.decode()
    )
    assert admin.get(reverse("registries:detail", args=["sm"])).status_code == 404
    answer = client.post("/webhooks/sm/", b"{}", content_type="application/json")
    assert answer.status_code == 404
    with pytest.raises(ValidationError):
        services.registry_source_active_set(actor=None, source=source, is_active=True)
    with pytest.raises(CommandError, match="already exists"):
        call_command("add_registry_source", "--kind=sagemaker", "--slug=sm", "--region=eu-west-1")
