"""Browser journey: a credit model runs in production; its monitoring job posts two months of
metrics and the AUC decays below its threshold. The owner finds the alert on the model page,
opens the monitoring page (charts with threshold lines), acknowledges and resolves the alert."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Team, User
from approvals import services as approvals
from approvals.models import Deployment
from monitoring import services as monitoring
from monitoring.models import Alert
from tests.approvals.approval_helpers import assessed_model
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def daily(name, start_value, *, days=60, decay_from=None, decay_to=None, wobble=0.006, **extra):
    """One value a day for ``days`` days up to now, with a deterministic wobble, decaying
    linearly from day ``decay_from`` to ``decay_to`` at the end."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    items = []
    for day in range(days):
        value = start_value + wobble * math.sin(day * 1.7) + wobble / 2 * math.cos(day * 0.6)
        if decay_from is not None and day >= decay_from:
            value += (decay_to - start_value) * (day - decay_from + 1) / (days - decay_from)
        items.append(
            {
                "model": "loan-pricing-engine",
                "version": "1",
                "environment": "production",
                "metric": name,
                "value": round(value, 4),
                "timestamp": (now - timedelta(days=days - 1 - day)).isoformat(),
                **extra,
            }
        )
    return items


@pytest.fixture
def running_model():
    """The demo's people; a minimal-risk credit model of alice's team, approved with AUC 0.81
    and running in production for 200 days, with thresholds on AUC."""
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    alice = User.objects.get(username="alice")
    team = SimpleNamespace(
        team=Team.objects.get(slug="credit-risk"), admin=User.objects.get(username="admin")
    )
    model = assessed_model(team, "minimal", name="loan-pricing-engine")
    version = model.versions.get()
    request = approvals.deployment_request_create(
        actor=alice,
        model_version=version,
        environment="production",
        justification="Pricing model validated on the 2025 book.",
        metrics={"auc": 0.81, "ks": 0.44},
    )
    approvals.deployment_request_decide(
        actor=User.objects.get(username="carla"), request=request, verdict="approve"
    )
    approvals.deployment_record(actor=alice, model_version=version, environment="production")
    Deployment.objects.filter(model_service=model).update(
        deployed_at=timezone.now() - timedelta(days=200)
    )
    monitoring.threshold_create(
        actor=alice,
        model_service=model,
        metric="auc",
        min_value=0.75,
        max_relative_drop=0.05,
        mark_for_rereview=True,
    )
    monitoring.threshold_create(actor=alice, model_service=model, metric="ks", min_value=0.35)
    _, token = account_services.api_token_create(
        actor=None, user=alice, name="monitoring job", scopes=["metrics:write"], expires_in_days=1
    )
    job = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    items = (
        daily("auc", 0.812, decay_from=50, decay_to=0.735)
        + daily("ks", 0.445, wobble=0.008)
        + daily("auc", 0.79, slice="age < 25", wobble=0.01)
    )
    response = job.post(
        "/api/v1/metrics/", json.dumps({"items": items}), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    monitoring.reviews_schedule()  # what the daily task does: first recertification review
    return model


def test_owner_sees_the_decay_and_resolves_the_alert(live_server, page, screenshot, running_model):
    model = running_model
    alerts = list(Alert.objects.filter(model_service=model).order_by("kind"))
    assert [a.kind for a in alerts] == ["below_minimum", "relative_drop"]

    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/models/{model.pk}/")
    card = page.locator(".monitoring-card")
    assert "2" in card.locator(".count--alert").inner_text()
    assert "running 200 days" in card.inner_text()
    card.get_by_role("link", name="Open monitoring").click()
    page.wait_for_selector("h1:has-text('Monitoring: loan-pricing-engine')")

    main = page.locator("main")
    assert page.locator("svg.chart__svg").count() == 2  # auc and ks in production
    auc = page.locator(".metric-chart", has_text="auc")
    assert auc.locator(".chart__rule--min").count() == 1
    assert auc.locator(".chart__rule--floor").count() == 1
    assert auc.locator(".chart__rule--baseline").count() == 1
    assert auc.locator(".chart__breach").count() >= 3
    assert "age < 25" in auc.locator(".chart__legend").inner_text()
    text = main.inner_text()
    assert "Below minimum" in text and "Dropped since approval" in text
    assert "200 days" in text and "of at most 730 days" in text
    svg_box = auc.locator("svg").bounding_box()
    assert svg_box["width"] > 500 and svg_box["height"] > 150
    screenshot(page, "60-monitoring")

    page.set_viewport_size(PHONE)
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the monitoring page scrolls sideways on a phone ({width}px)"
    screenshot(page, "61-monitoring-phone")
    page.set_viewport_size({"width": 1360, "height": 900})
    page.reload()

    # Acknowledge, then resolve, the minimum breach.
    page.get_by_role("link", name="auc in production: 0.7").first.click()
    page.wait_for_selector("h2:has-text('What happened')")
    # The threshold asked for a re-review: the approval went stale and a request is open.
    assert "this approval was marked stale" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Open the re-review request").count() == 1
    page.get_by_label("Comment").first.fill("Income feed lagging since Monday; investigating.")
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_selector("text=Alert acknowledged")
    screenshot(page, "62-monitoring-alert")
    page.get_by_label("Comment").fill("Feed restored and backfilled; AUC back to 0.80.")
    page.get_by_role("button", name="Resolve").click()
    page.wait_for_selector("text=Alert resolved")
    assert "Feed restored and backfilled" in page.locator("main").inner_text()
    page.get_by_role("link", name="Model monitoring").click()
    page.wait_for_selector("h1:has-text('Monitoring: loan-pricing-engine')")
    assert page.locator(".alert-row").count() == 1
    assert "Recently resolved" in page.locator("main").inner_text()

    # A serious incident: registered from the monitoring page, with its Art. 73 countdown.
    page.get_by_role("link", name="Register incident").first.click()
    page.wait_for_selector("h1:has-text('Register an incident')")
    page.get_by_label("Title").fill("Applicants in one region priced as high risk")
    page.get_by_label("Description").fill(
        "A lagging income feed set incomes to zero for one region for two days."
    )
    page.get_by_label("Severity").select_option("high")
    aware = (timezone.now() - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("When you became aware").fill(aware)
    page.get_by_label("Affected people").fill("About 1,200 applicants; 40 loans mispriced.")
    page.get_by_label("Serious incident").check()
    page.get_by_label("Art. 73 category").select_option("general")
    page.get_by_role("button", name="Register incident").click()
    page.wait_for_selector("text=Incident registered")
    banner = page.locator(".deadline-banner").inner_text()
    assert "14 days 18 hours left" in banner and "Art. 73(2)" in banner
    screenshot(page, "63-incident")
