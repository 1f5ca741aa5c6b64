"""Document requests refuse a double submit (a second click goes to the document already on its
way, nothing new is queued), and the embedded demo renders in a background thread so the click
does not freeze the page (issue 20, point 8)."""

import threading

import pytest
from django.urls import reverse

from common import outbox
from documents.models import GeneratedDocument
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db
Status = GeneratedDocument.Status


def test_a_second_click_on_a_model_card_goes_to_the_pending_one(
    personas, client_for, django_capture_on_commit_callbacks
):
    model = assessed_model(personas, "minimal")
    url = reverse(
        "documents:document-request", args=[model.pk, "1", GeneratedDocument.Kind.MODEL_CARD]
    )
    client = client_for(personas.owner)
    with django_capture_on_commit_callbacks(execute=False):  # no worker: the first stays queued
        first = client.post(url)
        second = client.post(url, follow=True)
    documents = GeneratedDocument.objects.filter(model_service=model)
    assert documents.count() == 1
    assert first["Location"] == reverse("documents:document-detail", args=[documents.get().pk])
    assert "already being generated" in second.content.decode()


def test_a_second_report_with_the_same_parameters_is_not_queued(
    personas, client_for, django_capture_on_commit_callbacks
):
    client = client_for(personas.compliance)
    with django_capture_on_commit_callbacks(execute=False):  # nothing renders: both stay queued
        client.post(reverse("documents:report-create"), {"team": "", "since": ""})
        client.post(reverse("documents:report-create"), {"team": "", "since": ""})
        client.post(reverse("documents:report-create"), {"team": "credit-risk", "since": ""})
    kinds = GeneratedDocument.objects.filter(kind=GeneratedDocument.Kind.PORTFOLIO)
    assert kinds.count() == 2  # the same report once; another team's is a new one


def test_the_embedded_demo_renders_in_a_background_thread(settings, monkeypatch):
    settings.ATTEST_EAGER_BACKGROUND_TASKS = ["governance.tasks.render_document"]
    started = []

    class Recorder(threading.Thread):
        def start(self):
            started.append(self._target.__name__)

    monkeypatch.setattr(outbox.threading, "Thread", Recorder)
    message = outbox.OutboxMessage(task_name="governance.tasks.render_document", args=["x"])
    outbox._publish(message)
    assert started == ["_run_eager_in_background"]
    settings.ATTEST_EAGER_BACKGROUND_TASKS = []
    ran = []
    monkeypatch.setattr(outbox, "_registered_task", lambda name: _Task(ran))
    outbox._publish(message)
    assert ran == [["x"]] and started == ["_run_eager_in_background"]  # inline, not threaded


class _Task:
    def __init__(self, ran):
        self.ran = ran

    def apply_async(self, *, args, kwargs, throw, **options):
        self.ran.append(args)
        return type("R", (), {"failed": lambda self: False})()


def test_a_document_stuck_for_long_does_not_block_a_new_request(
    personas, client_for, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    model = assessed_model(personas, "minimal")
    url = reverse(
        "documents:document-request", args=[model.pk, "1", GeneratedDocument.Kind.MODEL_CARD]
    )
    client = client_for(personas.owner)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url)
        GeneratedDocument.objects.update(updated_at=timezone.now() - timedelta(hours=1))
        client.post(url)
    assert GeneratedDocument.objects.filter(model_service=model).count() == 2
