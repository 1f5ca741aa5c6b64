"""Browser journey: a model owner requests a production deployment of a high-risk model; a
reviewer approves (not enough on its own); a compliance officer approves and it is approved."""

from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Team, User
from approvals.models import DeploymentRequest
from risk import services as governance_services
from risk.models import Obligation
from tests.approvals.approval_helpers import assessed_model, meet_all_obligations
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EVIDENCE = {
    "art9_risk_management": "https://wiki.example.com/credit/risk-management-plan",
    "art14_human_oversight": "https://wiki.example.com/credit/oversight-procedure",
}
DESKTOP = {"width": 1360, "height": 900}
PHONE = {"width": 390, "height": 844}


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("h1:has-text('Sign in')")


@pytest.fixture
def high_risk_model(settings):
    """The demo's people, and a high-risk credit model of alice's team that is ready to be
    approved: every obligation met or justified, a complete model card, two versions."""
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    team = SimpleNamespace(
        team=Team.objects.get(slug="credit-risk"),
        admin=User.objects.get(username="admin"),
        compliance=User.objects.get(username="carla"),
    )
    model = assessed_model(team, "high", name="loan-origination-scorer", versions=("1", "2"))
    model.versions.filter(version="2").update(
        tags={"validation": "passed", "data_snapshot": "2025-06", "mlflow.user": "ci"},
        registry_created_at=timezone.now(),
    )
    meet_all_obligations(team, model)
    for code, link in EVIDENCE.items():
        governance_services.evidence_add(
            actor=team.compliance,
            obligation=Obligation.objects.get(model_service=model, code=code, is_current=True),
            link=link,
            description="Reviewed by the model risk committee.",
        )
    return model


def test_owner_requests_reviewer_and_compliance_approve(
    live_server, page, screenshot, high_risk_model
):
    model = high_risk_model
    # The owner asks for production through the form.
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/models/{model.pk}/")
    card = page.locator(".deployments-card")
    assert "Nothing requested yet" in card.inner_text()
    card.get_by_role("link", name="Request deployment").click()
    page.wait_for_selector("h1:has-text('Request deployment: loan-origination-scorer')")
    assert "2 approvers, at least 1 a compliance officer" in page.text_content("main")
    page.get_by_label("Version").select_option(label="v2 — run2")
    page.get_by_label("Environment").select_option("production")
    page.get_by_label("Justification").fill(
        "Retrained on 2025 applications; AUC up two points, stable across age bands."
    )
    page.get_by_label("Metrics (JSON)").fill('{"auc": 0.83, "ks": 0.49, "gini": 0.66}')
    page.get_by_label("Links").fill("https://wiki.example.com/credit/validation-2025")
    screenshot(page, "40-request-form")
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_selector("text=submitted: the reviewers have been told")
    main = page.text_content("main")
    assert "Awaiting review" in main and "0 of 2 approvals" in main
    assert "You requested this; someone else must decide" in main
    request = DeploymentRequest.objects.get(model_service=model)
    assert request.state == "submitted" and request.metrics["auc"] == 0.83
    sign_out(page)

    # The reviewer finds it in the inbox and approves: one approval is not enough.
    sign_in(page, live_server, "rita")
    page.locator(".mainnav").get_by_role("link", name="Reviews").click()
    page.wait_for_selector("h1:has-text('Reviews')")
    row = page.locator("tbody tr", has_text="loan-origination-scorer")
    assert "High" in row.inner_text() and "production" in row.inner_text()
    assert "0 of 2" in row.inner_text() and "Alice Owner" in row.inner_text()
    screenshot(page, "41-reviewer-inbox")
    row.get_by_role("link", name="loan-origination-scorer").click()
    page.wait_for_selector("h1:has-text('loan-origination-scorer')")
    main = page.text_content("main")
    assert "Retrained on 2025 applications" in main and "gini" in main
    assert "Annex III" in main and "Every obligation met or justified" in main
    assert "Cannot be approved yet" not in main
    assert "risk-management-plan" in main and "validation=passed" in main
    assert "mlflow.user" not in main  # registry bookkeeping is not what the approval binds
    screenshot(page, "42-decision-page")
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.get_by_role("button", name="Approve").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page scrolls sideways on a phone ({width}px)"
    screenshot(page, "43-decision-page-phone")
    page.set_viewport_size(DESKTOP)
    page.get_by_label("Comment").fill("Validation report reviewed; fairness checks fine.")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_selector("text=Your approval is recorded")
    main = page.text_content("main")
    assert "Awaiting review" in main and "1 of 2 approvals" in main
    assert "0 of 1 by a compliance officer" in main
    request.refresh_from_db()
    assert request.state == "submitted"
    sign_out(page)

    # The compliance officer approves: the request is approved, with its expiry.
    sign_in(page, live_server, "carla")
    page.locator(".mainnav").get_by_role("link", name="Reviews").click()
    page.locator("tbody tr", has_text="loan-origination-scorer").get_by_role(
        "link", name="Review"
    ).click()
    page.wait_for_selector("h1:has-text('loan-origination-scorer')")
    page.get_by_label("Comment").fill("Obligations and card complete.")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_selector("text=may be deployed to production until")
    main = page.text_content("main")
    assert "Approved" in main and "valid until" in main
    assert "2 of 2 approvals; 1 of 1 by a compliance officer" in main
    assert "as compliance officer" in main
    request.refresh_from_db()
    assert request.state == "approved" and request.fingerprint in main
    screenshot(page, "44-approved")
    page.get_by_role("link", name="Open model").click()
    card = page.locator(".deployments-card")
    assert "Approved" in card.inner_text() and "v2" in card.inner_text()
    card.scroll_into_view_if_needed()
    screenshot(page, "45-model-deployments")
