"""Registry source pages: create, secrets shown once and rotated, reconcile; admins only."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from catalog.models import RegistrySource


@pytest.fixture
def admin(client_for, personas):
    return client_for(personas.admin)


@pytest.mark.django_db
def test_admin_adds_a_registry_and_the_secret_is_stored_encrypted(admin):
    response = admin.post(
        reverse("registries:create"),
        {
            "kind": "mlflow",
            "slug": "prod",
            "name": "Prod MLflow",
            "base_url": "https://mlflow.example.com",
            "secret": "s" * 20,
            "api_token": "tok-123",
        },
    )
    assert response.status_code == 302
    source = RegistrySource.objects.get(slug="prod")
    stored = source.secrets.get().secret_encrypted
    assert "s" * 20 not in stored and "tok-123" not in source.api_credentials_encrypted
    event = AuditEvent.objects.get(action="catalog.registry_source_created")
    assert "s" * 20 not in str(event.after) and "tok-123" not in str(event.after)
    page = admin.get(reverse("registries:detail", args=["prod"])).content.decode()
    assert "/webhooks/prod/" in page and "MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY" in page
    assert "s" * 20 not in page


@pytest.mark.django_db
def test_bad_registry_form_is_400_with_reasons(admin):
    response = admin.post(
        reverse("registries:create"),
        {"kind": "mlflow", "slug": "bad slug", "base_url": "nope", "secret": "short"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a valid" in body and "at least 16" in body
    assert not RegistrySource.objects.exists()


@pytest.mark.django_db
def test_new_secret_is_shown_exactly_once_and_rotation_works(admin):
    admin.post(
        reverse("registries:create"),
        {
            "kind": "mlflow",
            "slug": "rot",
            "base_url": "https://m.example.com",
            "secret": "first-secret-0123456789",
        },
    )
    source = RegistrySource.objects.get(slug="rot")
    admin.post(reverse("registries:secret-add", args=["rot"]), {"label": "2027"})
    first_view = admin.get(reverse("registries:detail", args=["rot"])).content.decode()
    assert "copy it now" in first_view
    assert (
        "copy it now" not in admin.get(reverse("registries:detail", args=["rot"])).content.decode()
    )
    old = source.secrets.get(label="initial")
    admin.post(reverse("registries:secret-retire", args=["rot", old.pk]))
    old.refresh_from_db()
    assert old.retired_at is not None
    last = source.secrets.get(label="2027")
    response = admin.post(reverse("registries:secret-retire", args=["rot", last.pk]), follow=True)
    assert "before retiring the last active one" in response.content.decode()


@pytest.mark.django_db
def test_reconcile_button_reports_an_unreachable_registry(admin):
    admin.post(
        reverse("registries:create"),
        {"kind": "mlflow", "slug": "down", "base_url": "http://127.0.0.1:9", "secret": "x" * 20},
    )
    response = admin.post(reverse("registries:reconcile", args=["down"]), follow=True)
    assert "could not be read" in response.content.decode()


@pytest.mark.django_db
def test_add_registry_source_command_with_secret_file(tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file-0123456789\n")
    out = StringIO()
    call_command(
        "add_registry_source",
        "--kind",
        "mlflow",
        "--slug",
        "cli",
        "--url",
        "https://mlflow.example.com/",
        "--secret-file",
        str(secret_file),
        stdout=out,
    )
    assert "/webhooks/cli/" in out.getvalue()
    source = RegistrySource.objects.get(slug="cli")
    assert source.base_url == "https://mlflow.example.com"
    from catalog.services import webhook_secrets_active

    assert webhook_secrets_active(source) == ["from-a-file-0123456789"]
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "add_registry_source",
            "--slug",
            "cli",
            "--url",
            "https://x.example.com",
            "--secret",
            "another-secret-0123456",
        )
    with pytest.raises(CommandError, match="at least 16"):
        call_command(
            "add_registry_source",
            "--slug",
            "short",
            "--url",
            "https://x.example.com",
            "--secret",
            "short",
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("https://evil.example/x", "/registries/inbox/"),
        ("//evil.example/x", "/registries/inbox/"),
        ("/registries/inbox/?status=failed", "/registries/inbox/?status=failed"),
    ],
)
def test_retrying_a_delivery_redirects_only_within_the_portal(admin, personas, next_url, expected):
    """Found by the permission matrix: ``next`` was followed to any site (open redirect)."""
    from django.utils import timezone

    from catalog import services
    from catalog.models import WebhookDelivery
    from tests.catalog.mlflow_fixtures import SECRET

    source = services.registry_source_create(
        actor=personas.admin,
        kind="mlflow",
        slug="r",
        base_url="http://x.example.com",
        secret=SECRET,
    )
    row = WebhookDelivery.objects.create(
        source=source,
        delivery_id="d1",
        signed_at=timezone.now(),
        entity="registered_model",
        action="created",
        body="{}",
        payload={},
        status="failed",
    )
    response = admin.post(reverse("registries:delivery-retry", args=[row.pk]), {"next": next_url})
    assert response.status_code == 302 and response["Location"] == expected


@pytest.mark.django_db
def test_the_inbox_counts_are_label_value_pairs_linking_to_the_filtered_inbox(admin):
    import re

    from django.utils import timezone

    from catalog.models import WebhookDelivery

    admin.post(
        reverse("registries:create"),
        {
            "kind": "mlflow",
            "slug": "counted",
            "base_url": "https://m.example.com",
            "secret": "counted-secret-0123456789",
        },
    )
    source = RegistrySource.objects.get(slug="counted")
    for n, status in enumerate(["processed", "processed", "failed"]):
        WebhookDelivery.objects.create(
            source=source,
            delivery_id=f"d{n}",
            signed_at=timezone.now(),
            entity="model_version",
            action="created",
            body="{}",
            payload={},
            status=status,
        )
    page = admin.get(reverse("registries:detail", args=["counted"])).content.decode()
    stats = re.search(r'<dl class="stats">(.*?)</dl>', page, re.S).group(1)
    pairs = re.findall(r'<div class="stats__item"><dt>(.*?)</dt><dd>(.*?)</dd></div>', stats)
    assert [label for label, _ in pairs] == [
        "Pending",
        "Processing",
        "Processed",
        "Ignored",
        "Failed",
    ]
    values = dict(pairs)
    assert values["Pending"] == "0"  # nothing to open
    inbox = reverse("registries:inbox")
    assert f'href="{inbox}?source=counted&amp;status=processed">2<' in values["Processed"]
    assert f'href="{inbox}?source=counted&amp;status=failed">1<' in values["Failed"]
