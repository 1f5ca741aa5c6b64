"""Monitoring pages: the model's monitoring page and its charts, the threshold and incident
forms, the catalog card; labels are escaped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from monitoring import services
from monitoring.models import Incident, Threshold
from tests.monitoring.conftest import item, post, series

pytestmark = pytest.mark.django_db


def page(client, model):
    return client.get(reverse("monitoring:model-monitoring", args=[model.pk]))


def test_monitoring_page_shows_deployments_with_age_thresholds_and_a_chart_per_metric(
    personas, deployed, ci, client_for
):
    model = deployed.model
    services.threshold_create(
        actor=personas.owner, model_service=model, metric="auc", min_value=0.75, max_value=0.95
    )
    post(ci, {"items": series([0.81, 0.8, 0.79]) + series([0.45, 0.44], metric="ks")})
    post(ci, {"items": series([0.7, 0.72], slice="age<25")})
    response = page(client_for(personas.auditor), model)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<svg class="chart__svg"') == 2  # auc and ks in production
    assert "min 0.75" in html and "max 0.95" in html
    assert 'class="chart__breach"' in html  # the age<25 slice below the minimum is marked
    assert "age&lt;25" in html  # the slice's legend entry, escaped
    assert "Running now" in html and "v1" in html and "of at most 730 days" in html
    assert "Add threshold" not in html  # the auditor reads only
    owner_html = page(client_for(personas.owner), model).content.decode()
    assert "Add threshold" in owner_html and "Register incident" in owner_html


def test_labels_are_escaped_in_the_svg(personas, deployed, ci, client_for):
    evil = '<script>alert("x")</script>'
    assert post(ci, {"items": [item(0.5, metric=evil, slice=evil)]}).status_code == 201
    html = page(client_for(personas.owner), deployed.model).content.decode()
    assert evil not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; in production" in html


def test_chart_range_selector(personas, deployed, ci, client_for):
    old = (timezone.now() - timedelta(days=40)).isoformat()
    post(ci, {"items": [item(0.8, timestamp=old)]})
    client = client_for(personas.owner)
    url = reverse("monitoring:model-monitoring", args=[deployed.model.pk])
    assert "No metrics in the last 30 days" in client.get(url + "?days=30").content.decode()
    assert '<svg class="chart__svg"' in client.get(url + "?days=90").content.decode()
    assert client.get(url + "?days=banana").status_code == 200


def test_owner_sets_edits_and_removes_a_threshold_through_the_form(personas, deployed, client_for):
    client = client_for(personas.owner)
    url = reverse("monitoring:threshold-create", args=[deployed.model.pk])
    bad = client.post(url, {"metric": "auc", "min_value": "0.9", "max_value": "0.1"})
    assert bad.status_code == 400
    assert "The maximum must not be below the minimum." in bad.content.decode()
    empty = client.post(url, {"metric": "auc"})
    assert empty.status_code == 400
    assert "Set at least one of: minimum, maximum, largest drop." in empty.content.decode()
    ok = client.post(
        url,
        {"metric": "auc", "environment": "production", "max_drop_percent": "5", "min_value": ""},
    )
    assert ok.status_code == 302
    threshold = Threshold.objects.get()
    assert threshold.max_relative_drop == pytest.approx(0.05) and threshold.min_value is None
    duplicate = client.post(url, {"metric": "auc", "environment": "production", "min_value": "1"})
    assert duplicate.status_code == 400 and "already has a threshold" in duplicate.content.decode()

    edit = reverse("monitoring:threshold-edit", args=[threshold.pk])
    form = client.get(edit).content.decode()
    assert 'value="5.0"' in form or 'value="5"' in form
    changes = {"metric": "auc", "environment": "production", "min_value": "0.7"}
    assert client.post(edit, {**changes, "max_drop_percent": "5"}).status_code == 302
    threshold.refresh_from_db()
    assert threshold.min_value == 0.7
    updated = AuditEvent.objects.get(action="monitoring.threshold_updated")
    assert updated.before == {"min_value": None} and updated.after == {"min_value": 0.7}
    assert (
        client.post(reverse("monitoring:threshold-delete", args=[threshold.pk])).status_code == 302
    )
    assert not Threshold.objects.exists()
    assert AuditEvent.objects.filter(action="monitoring.threshold_deleted").count() == 1


def test_only_the_owning_team_sets_thresholds(personas, deployed, client_for):
    threshold = services.threshold_create(
        actor=personas.owner, model_service=deployed.model, metric="auc", min_value=0.7
    )
    create = reverse("monitoring:threshold-create", args=[deployed.model.pk])
    edit = reverse("monitoring:threshold-edit", args=[threshold.pk])
    delete = reverse("monitoring:threshold-delete", args=[threshold.pk])
    for who, status in [("reviewer", 403), ("compliance", 403), ("other_owner", 404)]:
        client = client_for(getattr(personas, who))
        assert client.get(create).status_code == status
        assert client.get(edit).status_code == status
        assert client.post(edit, {"metric": "auc", "min_value": "0"}).status_code == status
        assert client.post(delete).status_code == status
    assert Threshold.objects.get().min_value == 0.7


def test_a_compliance_officer_registers_a_serious_incident_and_sees_the_countdown(
    personas, deployed, client_for
):
    client = client_for(personas.compliance)
    url = reverse("monitoring:incident-create", args=[deployed.model.pk])
    aware = (timezone.now() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    base = {"title": "t", "description": "d", "aware_at": aware, "severity": "high"}
    missing = client.post(url, {**base, "serious": "on", "report_stage": "none", "status": "open"})
    assert missing.status_code == 400
    assert "needs its Art. 73 category" in missing.content.decode()
    response = client.post(
        url,
        {
            "title": "Applicants in one region refused",
            "description": "Income feed outage.",
            "severity": "critical",
            "serious": "on",
            "serious_category": "widespread",
            "aware_at": aware,
            "affected_people": "About 1,200 applicants.",
            "report_stage": "none",
            "status": "open",
            "model_version": str(deployed.version.pk),
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.report_deadline == incident.aware_at + timedelta(days=2)
    detail = client.get(response["Location"]).content.decode()
    assert "1 day 20 hours left" in detail and "2 days (Art. 73(3))" in detail
    listing = client.get(reverse("monitoring:incident-list", args=[deployed.model.pk]))
    assert "Applicants in one region refused" in listing.content.decode()

    edit = reverse("monitoring:incident-edit", args=[incident.pk])
    form = client.get(edit)
    assert form.status_code == 200 and "Applicants in one region refused" in form.content.decode()
    data = {k: v for k, v in form.context["form"].initial.items() if v is not None}
    data.update(
        {
            "serious": "on",
            "aware_at": aware,
            "model_version": str(deployed.version.pk),
            "report_stage": "initial",
            "authority_reported_at": timezone.now().strftime("%Y-%m-%dT%H:%M"),
        }
    )
    assert client.post(edit, data).status_code == 302
    incident.refresh_from_db()
    assert incident.report_stage == "initial"
    detail_url = reverse("monitoring:incident-detail", args=[incident.pk])
    assert "Reported in time" in client.get(detail_url).content.decode()
    # Reviewers read incidents but do not edit them.
    reviewer = client_for(personas.reviewer)
    assert (
        reviewer.get(reverse("monitoring:incident-detail", args=[incident.pk])).status_code == 200
    )
    assert reviewer.get(edit).status_code == 403


def test_the_catalog_page_has_a_monitoring_card(personas, deployed, ci, client_for):
    services.threshold_create(
        actor=personas.owner, model_service=deployed.model, metric="auc", min_value=0.75
    )
    post(ci, {"items": [item(0.7)]})
    url = reverse("catalog:model-detail", args=[deployed.model.pk])
    html = client_for(personas.owner).get(url).content.decode()
    card = html.split('class="card monitoring-card"')[1].split("</section>")[0]
    assert 'aria-label="1 open alert"' in card
    assert "0.7 is below the minimum 0.75" in card
    assert "v1" in card and "running 0 minutes" in card
    assert reverse("monitoring:model-monitoring", args=[deployed.model.pk]) in card


def test_review_completion_form(personas, deployed, client_for):
    services.reviews_schedule()
    review = deployed.model.recertifications.get()
    url = reverse("monitoring:review-complete", args=[review.pk])
    assert (
        client_for(personas.owner).post(url, {"outcome": "recertified", "comment": "x"}).status_code
        == 403
    )
    response = client_for(personas.reviewer).post(url, {"outcome": "recertified", "comment": "ok"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.outcome == "recertified"
