"""Browser journeys for issue 20, points 3, 5 and 6: a model owner saves an obligation inline and
lands back at it, focused; plans three obligations at once; an auditor finds a model's events by
its name and an actor from the list, and reads the change in words. Every page at desktop and
390 px phone width, checked by axe."""

from io import StringIO

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from catalog.models import ModelService
from risk.models import Obligation
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1360, "height": 900}


def _both_widths(page, screenshot, name: str) -> None:
    screenshot(page, f"86-{name}-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    screenshot(page, f"86-{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_owner_plans_obligations_and_auditor_reads_them_in_words(live_server, page, screenshot):
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    model = ModelService.objects.get(name="credit-scoring-retail")
    items = list(
        Obligation.objects.filter(model_service=model, is_current=True).order_by("created_at")
    )
    open_items = [o for o in items if o.status in ("open", "in_progress")]
    assert len(open_items) >= 4
    target = open_items[-1]  # far down the page: the old reload landed at the top
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/models/{model.pk}/risk/")

    item = page.locator(f"#obligation-{target.pk}")
    item.locator("summary").click()
    item.get_by_label("Due").fill("2027-04-30")
    item.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**#obligation-{target.pk}")
    assert page.evaluate("document.activeElement.id") == f"obligation-{target.pk}"
    assert page.evaluate("window.scrollY") > 300  # at the item, not the top of the page
    page.locator(f"#obligation-{target.pk} [role=status]").wait_for()
    assert "Updated:" in page.locator(f"#obligation-{target.pk} [role=status]").inner_text()
    page.screenshot(path=str(_shots() / "86-obligation-saved-viewport.png"))
    _both_widths(page, screenshot, "obligation-saved")

    for o in open_items[:3]:
        page.locator(f"#pick-{o.pk}").check()
    plan = page.locator("#obligation-plan")
    plan.get_by_label("Owner").select_option("bob")
    plan.get_by_label("Due").fill("2027-06-30")
    plan.get_by_role("button", name="Set for ticked").click()
    page.wait_for_url("**#obligation-plan")
    assert page.evaluate("document.activeElement.id") == "obligation-plan"
    assert "Planned 3 obligations of 3 ticked." in plan.locator("[role=status]").inner_text()
    for o in open_items[:3]:
        o.refresh_from_db()
        assert o.owner.username == "bob" and str(o.due_date) == "2027-06-30"
    _both_widths(page, screenshot, "obligations-planned")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "aude")
    page.goto(f"{live_server.url}/audit/")
    page.get_by_label("Model").fill("credit-scoring-retail")
    page.get_by_label("Actor").select_option("alice")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**subject=credit-scoring-retail**")
    rows = page.locator("tbody tr")
    assert rows.count() >= 4
    assert "Owner: ∅ → bob" in page.locator("tbody").inner_text()
    assert "due_date" not in page.locator("tbody").inner_text()
    _both_widths(page, screenshot, "audit-by-model-and-actor")

    event = AuditEvent.objects.filter(
        action="governance.obligation_changed", target_id=str(open_items[0].pk)
    ).latest("seq")
    page.goto(f"{live_server.url}/audit/events/{event.seq}/")
    body = page.locator("tbody").inner_text()
    assert "Due date" in body and "Owner" in body and "due_date" not in body
    _both_widths(page, screenshot, "audit-event-worded")


def _shots():
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def test_the_model_timeline_reads_changes_in_words(live_server, page, screenshot):
    from accounts.models import User
    from catalog import services as catalog

    call_command("seed_demo", "--allow-production", stdout=StringIO())
    model = ModelService.objects.get(name="churn-predictor")
    dora = User.objects.get(username="dora")
    catalog.model_service_update_metadata(
        actor=dora,
        model_service=model,
        changes={"lifecycle_status": "deprecated", "limitations": "Not for new markets."},
    )
    sign_in(page, live_server, "dora")
    page.goto(f"{live_server.url}/models/{model.pk}/")
    timeline = page.locator("ol.timeline").inner_text()
    assert "In production → Deprecated" in timeline and "production → deprecated" not in timeline
    _both_widths(page, screenshot, "model-timeline-worded")
