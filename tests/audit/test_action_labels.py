"""People read what happened ("Deployment request approved"); the code stays beside it for
auditors' filters and tools, and the exports keep the code the chain hashes."""

import csv
import io

import pytest
from django.db import transaction
from django.template import Context, Template
from django.urls import reverse

from approvals import services
from audit.models import AuditEvent
from audit.services import audit_record
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db


def submitted_request(personas):
    model = assessed_model(personas, "minimal")
    services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(),
        environment="staging",
        justification="try it",
    )
    return model


def test_action_label_filter_shows_the_label_and_an_unknown_code_as_itself():
    template = Template("{% load audit_tags %}{{ a|action_label }} / {{ b|action_label }}")
    rendered = template.render(Context({"a": "catalog.model_updated", "b": "legacy.thing_done"}))
    assert rendered == "Model details updated / legacy.thing_done"


def test_audit_log_shows_labels_and_still_filters_by_code(personas, client_for):
    submitted_request(personas)
    client = client_for(personas.auditor)
    page = client.get(reverse("audit:event-list"), {"action": "request_submitted"})
    html = page.content.decode()
    assert "Deployment request submitted" in html
    assert '<code class="muted small">governance.request_submitted</code>' in html
    assert {e.action for e in page.context["page"].object_list} == {"governance.request_submitted"}
    event = AuditEvent.objects.get(action="governance.request_submitted")
    detail = client.get(reverse("audit:event-detail", args=[event.seq])).content.decode()
    assert "<h1>Deployment request submitted</h1>" in detail
    assert "<code>governance.request_submitted</code>" in detail


def test_dashboard_and_model_timeline_show_labels(personas, client_for):
    model = submitted_request(personas)
    client = client_for(personas.owner)
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    assert '<td title="governance.request_submitted">Deployment request submitted</td>' in dashboard
    detail = client.get(reverse("catalog:model-detail", args=[model.pk])).content.decode()
    assert (
        '<span class="strong" title="governance.request_submitted">'
        "Deployment request submitted</span>"
    ) in detail


def test_csv_export_adds_the_label_after_the_chain_fields(personas, client_for):
    submitted_request(personas)
    with transaction.atomic():
        audit_record(actor=personas.admin, action="legacy.thing_done")
    response = client_for(personas.auditor).get("/audit/export.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    labels = {row["action"]: row["action_label"] for row in rows}
    assert labels["governance.request_submitted"] == "Deployment request submitted"
    assert labels["legacy.thing_done"] == "legacy.thing_done"
    jsonl = client_for(personas.auditor).get("/audit/export.jsonl")
    assert b"action_label" not in b"".join(jsonl.streaming_content)
