"""Words, not machine codes (issue 20, point 6): wherever an audit event is shown (the audit log,
the event page, the model's timeline, the dashboard) the action reads as its label, changed
fields as their names and choice values as their labels; e-mails and chat messages word a risk
tier and a severity."""

import pytest
from django.core import mail
from django.urls import reverse
from lxml import html

from approvals import notifications, services
from audit.actions import field_label, value_label
from audit.models import AuditEvent
from catalog import services as catalog
from notifications.messages import render
from risk import services as risk
from risk.models import Obligation
from tests.approvals.approval_helpers import assessed_model
from tests.risk.test_assessments import CREDIT

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(personas, owned_model):
    risk.assessment_submit(actor=personas.compliance, model_service=owned_model, answers=CREDIT)
    item = Obligation.objects.filter(model_service=owned_model, is_current=True).first()
    from datetime import date

    risk.obligation_update(
        actor=personas.owner, obligation=item, status="in_progress", due_date=date(2027, 5, 31)
    )
    return AuditEvent.objects.filter(action="governance.obligation_changed").latest("seq")


def _text(response) -> str:
    return html.fromstring(response.content).text_content()


def test_the_event_page_words_fields_and_choice_values(personas, client_for, planned):
    response = client_for(personas.auditor).get(reverse("audit:event-detail", args=[planned.seq]))
    cells = [
        td.text_content().strip() for td in html.fromstring(response.content).xpath("//tbody/tr/td")
    ]
    assert "Status" in cells and "Due date" in cells
    assert "In progress" in cells and "Open" in cells
    assert "in_progress" not in cells and "due_date" not in cells
    assert "Obligation updated" in _text(response)  # the action by its label


def test_the_audit_log_words_fields_and_choice_values(personas, client_for, planned):
    page = html.fromstring(client_for(personas.auditor).get(reverse("audit:event-list")).content)
    changes = " ".join(li.text_content() for li in page.xpath("//ul[@class='changes']/li"))
    assert "Due date: ∅ → 2027-05-31" in changes
    assert "Status: Open → In progress" in changes
    assert "in_progress" not in changes and "due_date" not in changes


def test_the_model_timeline_words_choice_values(personas, client_for, owned_model):
    catalog.model_service_update_metadata(
        actor=personas.owner, model_service=owned_model, changes={"lifecycle_status": "production"}
    )
    page = client_for(personas.owner).get(reverse("catalog:model-detail", args=[owned_model.pk]))
    timeline = " ".join(
        li.text_content()
        for li in html.fromstring(page.content).xpath("//ol[@class='timeline']/li")
    )
    assert "In development → In production" in timeline and "→ production" not in timeline


def test_field_and_value_labels_for_types_and_keys_that_are_no_field():
    assert field_label("governance.obligation", "certified_by") == "Certified by"
    assert field_label("governance.obligation", "reason") == "Reason"  # a key, not a field
    assert value_label("catalog.modelservice", "risk_tier", "high") == "High"
    assert value_label("no.such", "status", "open") == "open"


def test_review_e_mails_word_the_risk_tier(personas):
    model = assessed_model(personas, "minimal")
    request = services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(),
        environment="staging",
        justification="Ready.",
    )
    mail.outbox.clear()
    assert notifications.request_submitted(str(request.pk)) >= 1
    body = mail.outbox[0].body
    assert "Risk tier:   Minimal" in body and "Risk tier:   minimal" not in body


def test_chat_messages_word_the_risk_tier_and_the_severity():
    _title, body = render(
        {
            "type": "deployment_request.submitted",
            "data": {
                "model": "m",
                "version": "1",
                "environment": "production",
                "risk_tier": "high",
            },
        }
    )
    assert "risk tier: High" in body
    _title, body = render(
        {"type": "incident.created", "data": {"model": "m", "title": "t", "severity": "critical"}}
    )
    assert "severity Critical" in body


def test_an_object_type_that_is_no_model_reads_as_words():
    from audit.actions import target_type_label

    assert target_type_label("monitoring.metricbatch") == "Metric batch"
