from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import AuditOutsideTransactionError, audit_record
from common.request_context import request_context


@pytest.mark.django_db(transaction=True)
def test_audit_record_refuses_to_write_outside_a_transaction(personas):
    with pytest.raises(AuditOutsideTransactionError):
        audit_record(actor=personas.owner, action="test.done")
    assert not AuditEvent.objects.filter(action="test.done").exists()


@pytest.mark.django_db(transaction=True)
def test_event_rolls_back_with_the_change_it_describes(personas):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=personas.owner, action="test.done")
        raise RuntimeError("the business change failed")
    assert not AuditEvent.objects.filter(action="test.done").exists()


@pytest.mark.django_db
def test_event_captures_actor_target_and_request_context(personas, owned_model):
    with (
        request_context(request_id="req-123", source="api", ip_address="10.1.2.3"),
        transaction.atomic(),
    ):
        event = audit_record(
            actor=personas.owner,
            action="test.done",
            target=owned_model,
            subject_id=owned_model.pk,
            after={"x": 1},
        )
    assert event.actor_id == personas.owner.pk
    assert event.actor_label == "owner"
    assert event.target_type == "catalog.modelservice"
    assert event.target_id == str(owned_model.pk)
    assert event.target_label == "credit-scoring"
    assert (event.request_id, event.source, event.ip_address) == ("req-123", "api", "10.1.2.3")


@pytest.mark.django_db
def test_events_have_no_foreign_keys_so_deleting_users_keeps_the_trail(personas):
    with transaction.atomic():
        audit_record(actor=personas.viewer, action="test.done")
    personas.viewer.delete()
    event = AuditEvent.objects.get(action="test.done")
    assert event.actor_label == "viewer"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("auditor", 200),
        ("compliance", 200),
        ("admin", 200),
        ("owner", 403),
        ("reviewer", 403),
        ("viewer", 403),
        ("outsider", 403),
    ],
)
def test_audit_log_page_permissions(personas, client_for, persona, status):
    assert (
        client_for(getattr(personas, persona)).get(reverse("audit:event-list")).status_code
        == status
    )


@pytest.mark.django_db
def test_audit_log_page_requires_sign_in(client_for):
    assert client_for(None).get(reverse("audit:event-list")).status_code == 302


@pytest.mark.django_db
def test_audit_log_filters(personas, client_for):
    import time_machine

    with time_machine.travel(timezone.now() - timedelta(days=10)), transaction.atomic():
        audit_record(actor=personas.admin, action="catalog.model_registered")
    with transaction.atomic():
        audit_record(actor=personas.owner, action="catalog.model_updated", source="web")
        audit_record(actor=personas.admin, action="accounts.token_created", source="cli")
    client = client_for(personas.auditor)

    def actions(**params):
        page = client.get(reverse("audit:event-list"), params).context["page"]
        return sorted(
            e.action for e in page.object_list if not e.action.startswith("accounts.signed")
        )

    assert actions(action="accounts.token_created") == ["accounts.token_created"]  # by label
    assert actions(actor="owner") == ["catalog.model_updated"]
    assert actions(source="cli") == ["accounts.token_created"]
    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    assert "catalog.model_registered" not in actions(since=since)
