"""Asking for a document and the sweep that re-queues (or gives up on) stuck requests are
audited, in the transaction that changes the row."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from audit.models import AuditEvent
from common.models import OutboxMessage
from documents import services, tasks
from documents.models import GeneratedDocument
from tests.factories import ModelServiceFactory, ModelVersionFactory

pytestmark = pytest.mark.django_db
Status = GeneratedDocument.Status


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def stand_still(document, *, minutes=10, **fields):
    GeneratedDocument.objects.filter(pk=document.pk).update(
        updated_at=timezone.now() - timedelta(minutes=minutes), **fields
    )


def test_requesting_a_model_card_is_audited_on_the_models_timeline(personas):
    version = ModelVersionFactory(model_service=ModelServiceFactory(owner_team=personas.team))
    document = services.document_request(
        actor=personas.owner, kind="model_card", model_version=version
    )
    [event] = events("documents.document_requested")
    assert event.actor_id == personas.owner.pk
    assert event.target_id == str(document.pk)
    assert event.subject_id == version.model_service_id
    assert event.after == {
        "kind": "model_card",
        "revision": 1,
        "parameters": {},
        "language": "en",
    }


def test_a_refused_request_records_nothing(personas):
    version = ModelVersionFactory(model_service=ModelServiceFactory(owner_team=personas.team))
    with pytest.raises(PermissionDenied):
        services.document_request(actor=personas.outsider, kind="model_card", model_version=version)
    assert events("documents.document_requested") == []


def test_sweep_requeues_a_stuck_request_through_the_outbox_once(personas):
    document = services.document_request(actor=personas.owner, kind="portfolio")
    stand_still(document)
    OutboxMessage.objects.all().delete()

    assert tasks.sweep_documents() == 1
    [message] = OutboxMessage.objects.all()
    assert (message.task_name, message.args) == (
        "governance.tasks.render_document",
        [str(document.pk)],
    )
    [event] = events("documents.document_render_retried")
    assert event.target_id == str(document.pk)
    assert event.source == "task"
    assert event.after == {"status": Status.QUEUED, "attempts": 0}
    # Touched: the next sweep leaves it to the worker instead of queueing it again.
    assert services.documents_sweep() == []
    assert len(events("documents.document_render_retried")) == 1


def test_sweep_gives_up_after_the_last_attempt_and_says_so(personas):
    document = services.document_request(actor=personas.owner, kind="portfolio")
    attempts = settings.ATTEST_DOCUMENT_MAX_ATTEMPTS
    stand_still(document, status=Status.RENDERING, attempts=attempts, error="OSError: boom")
    OutboxMessage.objects.all().delete()

    assert services.documents_sweep() == []
    document.refresh_from_db()
    assert document.status == Status.FAILED
    assert document.error == "Gave up: the renderer kept failing."
    assert not OutboxMessage.objects.exists()
    [event] = events("documents.document_failed")
    assert event.before == {"status": "rendering", "attempts": attempts, "error": "OSError: boom"}
    assert event.after == {"status": "failed", "error": "Gave up: the renderer kept failing."}


def test_sweep_leaves_recent_and_finished_documents_alone(personas):
    recent = services.document_request(actor=personas.owner, kind="portfolio")
    done = services.document_request(actor=personas.owner, kind="portfolio")
    stand_still(done, status=Status.DONE)
    assert services.documents_sweep() == []
    assert recent.pk and not events("documents.document_render_retried")
    assert not events("documents.document_failed")
