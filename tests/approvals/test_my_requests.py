"""Requesters see their own requests ("My requests"), and the inbox marks requests that cannot
be approved yet, with why (issue 20, point 4)."""

import pytest
from django.urls import reverse

from approvals import services
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db


def _request(personas, model, environment="production"):
    return services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="1"),
        environment=environment,
        justification="Quarterly retrain.",
    )


def test_my_requests_lists_mine_in_every_state_with_what_blocks_them(personas, client_for):
    high = assessed_model(personas, "high", name="retail-credit-pd")  # obligations still open
    minimal = assessed_model(personas, "minimal", name="demand-forecast")
    blocked = _request(personas, high)
    approved = services.deployment_request_decide(
        actor=personas.reviewer, request=_request(personas, minimal), verdict="approve"
    )
    page = client_for(personas.owner).get(reverse("approvals:my-requests")).content.decode()
    assert f'data-request="{blocked.pk}"' in page and f'data-request="{approved.pk}"' in page
    card = page[page.index(f'data-request="{blocked.pk}"') :]
    card = card[: card.index("</li>")]
    assert "Cannot be approved yet:" in card and "obligations not met" in card
    approved_card = page[page.index(f'data-request="{approved.pk}"') :]
    assert "Cannot be approved yet" not in approved_card[: approved_card.index("</li>")]
    # Somebody else's page does not show them.
    other = client_for(personas.reviewer).get(reverse("approvals:my-requests")).content.decode()
    assert str(blocked.pk) not in other and "You have not opened any request" in other


def test_the_inbox_marks_what_cannot_be_approved_yet(personas, client_for):
    high = assessed_model(personas, "high", name="retail-credit-pd")
    minimal = assessed_model(personas, "minimal", name="demand-forecast")
    blocked = _request(personas, high)
    ready = _request(personas, minimal)
    page = client_for(personas.reviewer).get(reverse("approvals:inbox")).content.decode()
    rows = page[page.index("<tbody>") : page.index("</tbody>")].split("<tr")
    blocked_row = next(r for r in rows if str(blocked.pk) in r)
    ready_row = next(r for r in rows if str(ready.pk) in r)
    assert "Cannot be approved yet" in blocked_row and "not met or justified" in blocked_row
    assert "Cannot be approved yet" not in ready_row


def test_the_request_form_shows_every_error_on_the_first_submit(personas, client_for):
    model = assessed_model(personas, "minimal", name="demand-forecast")
    response = client_for(personas.owner).post(
        reverse("approvals:request-create", args=[model.pk]),
        {
            "version": model.versions.get(version="1").pk,
            "environment": "production",
            "justification": "",
            "metrics": '{"auc": "high"}',
            "links": "ftp://example.com/report",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"justification", "metrics", "links"}
    assert "finite numbers" in errors["metrics"][0] and "http(s)" in errors["links"][0]
