"""Long text never breaks a page (issue 20, point 2): with a 10,000-character value (one word,
no spaces) in every free-text field of a model, an obligation and a request, and in their audit
events, no page is wider than a 390 px phone."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from approvals import services as approvals
from approvals.models import DeploymentRequest
from audit.models import AuditEvent
from catalog import services as catalog
from catalog.forms import ModelMetadataForm
from catalog.models import ModelService
from risk import services as risk
from risk.models import Obligation
from tests.browser.conftest import SCREENSHOTS
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONG = "x" * 10_000
TEXT_FIELDS = [
    name
    for name, field in ModelMetadataForm.base_fields.items()
    if name not in {"owner_team", "lifecycle_status", "tags"} and hasattr(field, "max_length")
]


WIDEST = """[...document.querySelectorAll('body *')]
  .filter(e => !(e.parentElement && e.parentElement.closest('.table-wrap'))
    && (e.getBoundingClientRect().right > 392 || e.scrollWidth > e.clientWidth + 2)
    )
  .slice(0, 8).map(e => e.tagName + '.' + e.className + ':' + e.scrollWidth + '/'
    + e.clientWidth + ':' + Math.round(e.getBoundingClientRect().right))"""


def _wide(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_no_page_is_wider_than_a_phone_with_10000_characters_everywhere(live_server, page, axe):
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    alice, carla = User.objects.get(username="alice"), User.objects.get(username="carla")
    model = ModelService.objects.get(name="credit-scoring-retail")
    catalog.model_service_update_metadata(
        actor=alice, model_service=model, changes={name: LONG for name in TEXT_FIELDS}
    )
    obligation = Obligation.objects.filter(model_service=model, is_current=True).first()
    risk.obligation_update(actor=carla, obligation=obligation, justification=LONG)
    request = DeploymentRequest.objects.filter(model_service=model).first()
    version = model.versions.order_by("-version_number")[1]  # v5 has its requests already
    long_request = approvals.deployment_request_create(
        actor=alice,
        model_version=version,
        environment="staging",
        justification=LONG,
        submit=False,
    )
    edit = AuditEvent.objects.filter(action="catalog.model_updated", subject_id=model.pk).first()
    pages = {
        "model": f"/models/{model.pk}/",
        "model-edit": f"/models/{model.pk}/edit/",
        "risk": f"/models/{model.pk}/risk/",
        "request": f"/requests/{request.pk}/",
        "long-request": f"/requests/{long_request.pk}/",
        "audit-list": f"/audit/?subject={model.pk}",
        "audit-event": f"/audit/events/{edit.seq}/",
    }
    sign_in(page, live_server, "carla")
    page.set_viewport_size({"width": 390, "height": 844})
    too_wide = {}
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        width = _wide(page)
        if width > 390:
            too_wide[name] = (width, page.evaluate(WIDEST))
        axe(page, name)
        # The top of the page only: a full page of 10,000 wrapped characters is too tall to
        # capture at phone width.
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"84-long-text-{name}-phone.png"))
    assert not too_wide, f"wider than 390 px: {too_wide}"
