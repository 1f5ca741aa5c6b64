"""Certifying obligations (issue 20, point 3): "met" needs evidence or a justification, who
certified and when is kept, shown and audited (and cleared on reopening), due dates are
bounded, and a past due date is flagged as overdue."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from risk import services
from risk.models import Obligation
from tests.risk.test_assessments import CREDIT

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(personas, owned_model):
    services.assessment_submit(actor=personas.compliance, model_service=owned_model, answers=CREDIT)
    return Obligation.objects.get(model_service=owned_model, code="art12_logging", is_current=True)


def test_met_needs_evidence_or_a_justification(personas, item):
    with pytest.raises(ValidationError, match="Add evidence or a justification"):
        services.obligation_update(actor=personas.compliance, obligation=item, status="met")
    item.refresh_from_db()
    assert item.status == "open" and item.certified_by is None
    services.obligation_update(
        actor=personas.compliance,
        obligation=item,
        status="met",
        justification="Logs kept by the platform (see runbook).",
    )
    assert Obligation.objects.get(pk=item.pk).status == "met"


def test_met_with_evidence_needs_no_justification(personas, item):
    services.evidence_add(
        actor=personas.compliance, obligation=item, link="https://wiki.example.com/logging"
    )
    services.obligation_update(actor=personas.compliance, obligation=item, status="met")
    assert Obligation.objects.get(pk=item.pk).status == "met"


def test_who_certified_and_when_is_kept_shown_audited_and_cleared_on_reopening(
    personas, item, client_for
):
    services.evidence_add(
        actor=personas.compliance, obligation=item, link="https://wiki.example.com/logging"
    )
    before = timezone.now()
    services.obligation_update(actor=personas.compliance, obligation=item, status="met")
    item.refresh_from_db()
    assert item.certified_by == personas.compliance and item.certified_at >= before
    event = AuditEvent.objects.filter(action="governance.obligation_changed").latest("occurred_at")
    assert event.after["status"] == "met"
    assert event.after["certified_by"] == personas.compliance.get_username()
    assert event.after["certified_at"]
    page = client_for(personas.owner).get(
        reverse("risk:assessment-detail", args=[item.model_service_id])
    )
    assert f"Met: certified by {personas.compliance}" in page.content.decode()

    services.obligation_update(actor=personas.compliance, obligation=item, status="in_progress")
    item.refresh_from_db()
    assert item.certified_by is None and item.certified_at is None
    event = AuditEvent.objects.filter(action="governance.obligation_changed").latest("occurred_at")
    assert event.before["certified_by"] == personas.compliance.get_username()
    assert event.after["certified_by"] is None


@pytest.mark.parametrize("due", [date(1900, 1, 1), date(9999, 12, 31), date(2100, 1, 1)])
def test_implausible_due_dates_are_refused(personas, item, due):
    with pytest.raises(ValidationError, match="Pick a date between 2000-01-01 and 2099-12-31"):
        services.obligation_update(actor=personas.owner, obligation=item, due_date=due)
    assert Obligation.objects.get(pk=item.pk).due_date is None


def test_implausible_due_dates_through_the_page_say_why(personas, item, client_for):
    response = client_for(personas.owner).post(
        reverse("risk:obligation-update", args=[item.pk]),
        {"status": "open", "due_date": "1900-01-01"},
        follow=True,
    )
    assert "Pick a date between 2000-01-01 and 2099-12-31" in response.content.decode()
    assert Obligation.objects.get(pk=item.pk).due_date is None


def test_a_past_due_date_is_accepted_and_flagged_overdue_until_done(personas, item, client_for):
    yesterday = timezone.localdate() - timedelta(days=1)
    services.obligation_update(actor=personas.owner, obligation=item, due_date=yesterday)
    item.refresh_from_db()
    assert item.is_overdue
    url = reverse("risk:assessment-detail", args=[item.model_service_id])
    page = client_for(personas.owner).get(url).content.decode()
    assert "overdue" in page
    services.obligation_update(
        actor=personas.compliance,
        obligation=item,
        status="not_applicable",
        justification="Batch model: no logs to keep.",
    )
    item.refresh_from_db()
    assert not item.is_overdue


def test_the_api_shows_who_certified(personas, item, api_token):
    from rest_framework.test import APIClient

    services.obligation_update(
        actor=personas.compliance, obligation=item, status="met", justification="Runbook 7."
    )
    client = APIClient()
    token = api_token(scopes=["catalog:read"], user=personas.owner)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    rows = client.get(f"/api/v1/models/{item.model_service_id}/obligations/").json()
    row = next(r for r in rows if r["code"] == "art12_logging")
    assert row["certified_by"] == personas.compliance.get_username() and row["certified_at"]
