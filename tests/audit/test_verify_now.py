"""The audit log's tamper-evidence panel (issue 20, point 5): the last verification, the last
signed tree head and what waits for sealing, and "Verify now" for auditors, which runs the
whole verification in the background, is audited, and refuses a second run while one runs."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from audit.models import AuditEvent
from audit.tasks import VERIFICATION_CACHE_KEY
from audit.verification_requests import RUNNING_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.delete(VERIFICATION_CACHE_KEY)
    cache.delete(RUNNING_KEY)
    yield
    cache.delete(VERIFICATION_CACHE_KEY)
    cache.delete(RUNNING_KEY)


def test_verify_now_runs_the_verification_and_the_panel_shows_it(
    personas, client_for, django_capture_on_commit_callbacks
):
    client = client_for(personas.auditor)
    page = client.get(reverse("audit:event-list")).content.decode()
    assert "not verified yet" in page
    with django_capture_on_commit_callbacks(execute=True):  # the outbox hands it to the worker
        response = client.post(reverse("audit:verify-now"))
    assert response["Location"].endswith("#tamper-evidence")
    page = client.get(reverse("audit:event-list")).content.decode()
    assert "Verification started" in page
    assert cache.get(VERIFICATION_CACHE_KEY)["intact"] is True
    assert "intact" in page and "events checked" in page
    event = AuditEvent.objects.get(action="audit.verification_requested")
    assert event.actor_id == personas.auditor.pk


def test_a_second_request_while_one_runs_queues_nothing(personas, client_for):
    cache.set(RUNNING_KEY, "compliance", timeout=60)
    response = client_for(personas.auditor).post(reverse("audit:verify-now"), follow=True)
    assert "A verification is already running." in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit.verification_requested").exists()


def test_only_audit_readers_may_verify(personas, client_for):
    assert client_for(personas.owner).post(reverse("audit:verify-now")).status_code == 403
    assert not AuditEvent.objects.filter(action="audit.verification_requested").exists()
