"""Registering the MLflow webhook calls MLflow before any audited write (issue: no HTTP under the
audit-chain lock). The MLflow client is replaced by a recorder here: the real round trip is
covered by the registry journey test against a real MLflow server."""

import pytest
from django.db import connection

from audit.models import AuditEvent
from catalog.models import WebhookSecret
from catalog.services import sources
from tests.catalog.mlflow_fixtures import SECRET
from tests.factories import UserFactory


class RecordingClient:
    def __init__(self, fail: bool = False):
        self.fail = fail
        self.in_transaction_at_call = None

    def create_webhook(self, *, name, url, secret, events):
        self.in_transaction_at_call = connection.in_atomic_block
        if self.fail:
            raise ConnectionError("MLflow refused")
        return {"webhook_id": "wh-1", "name": name}


@pytest.fixture
def admin_and_source(db):
    from accounts.roles import Role

    admin = UserFactory(username="reg-admin", roles=[Role.ADMIN])
    source = sources.registry_source_create(
        actor=admin, kind="mlflow", slug="reg", base_url="http://mlflow.test", secret=SECRET
    )
    return admin, source


@pytest.mark.django_db(transaction=True)
def test_mlflow_is_called_outside_any_transaction_then_the_secret_is_kept(
    admin_and_source, monkeypatch
):
    admin, source = admin_and_source
    client = RecordingClient()
    monkeypatch.setattr(sources, "registry_client", lambda s: client)
    before = AuditEvent.objects.count()
    webhook, secret = sources.registry_source_webhook_register(
        actor=admin, source=source, webhook_url="https://attest.test/webhooks/reg/"
    )
    assert client.in_transaction_at_call is False  # no audit lock held across the HTTP call
    assert webhook["webhook_id"] == "wh-1"
    assert WebhookSecret.objects.filter(source=source).count() == 2
    assert AuditEvent.objects.count() == before + 2  # secret added + webhook registered


@pytest.mark.django_db(transaction=True)
def test_a_refusing_mlflow_leaves_nothing_behind(admin_and_source, monkeypatch):
    admin, source = admin_and_source
    monkeypatch.setattr(sources, "registry_client", lambda s: RecordingClient(fail=True))
    secrets_before = WebhookSecret.objects.count()
    events_before = AuditEvent.objects.count()
    with pytest.raises(ConnectionError):
        sources.registry_source_webhook_register(
            actor=admin, source=source, webhook_url="https://attest.test/webhooks/reg/"
        )
    assert WebhookSecret.objects.count() == secrets_before
    assert AuditEvent.objects.count() == events_before
