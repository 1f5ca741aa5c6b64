"""Form errors are announced at the top of the page (issue 20, point 4): an error summary with
role=alert, focused by the page's script, each error a link to its field; the error also stays
next to the field. The decision form at the foot of a long request page is the case that hurt."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from approvals import services
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert match, "no error summary on the page"
    return match.group(0)


def test_reject_without_comment_is_summarised_above_the_request(personas, client_for):
    model = assessed_model(personas, "minimal", name="churn-scorer")
    row = services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="1"),
        environment="production",
        justification="Better AUC.",
        metrics={"auc": 0.91},
    )
    response = client_for(personas.reviewer).post(
        reverse("approvals:request-decide", args=[row.pk]), {"verdict": "reject", "comment": ""}
    )
    html = response.content.decode()
    assert response.status_code == 400
    summary = _summary(html)
    assert (
        'role="alert"' in summary and 'tabindex="-1"' in summary and "data-error-summary" in summary
    )
    assert 'href="#id_comment"' in summary
    assert "A rejection needs a comment saying why." in summary
    # Above the request's content, not only at the decision form 4,000 px down.
    assert html.index("error-summary") < html.index('id="decide"')
    # And next to the field too.
    field = html[html.index('id="decide"') :]
    assert "A rejection needs a comment saying why." in field


def test_request_form_errors_link_to_their_fields(personas, client_for):
    model = assessed_model(personas, "minimal", name="churn-scorer")
    response = client_for(personas.owner).post(
        reverse("approvals:request-create", args=[model.pk]),
        {"version": "", "environment": "nowhere", "metrics": "not json", "action": "submit"},
    )
    summary = _summary(response.content.decode())
    for field in ("id_version", "id_environment", "id_metrics"):
        assert f'href="#{field}"' in summary, field
    n = int(re.search(r"There are (\d+) problems", summary).group(1))
    assert n == summary.count("<li>") >= 3


def test_no_summary_without_errors(personas, client_for):
    model = assessed_model(personas, "minimal", name="churn-scorer")
    html = client_for(personas.owner).get(reverse("approvals:request-create", args=[model.pk]))
    assert "error-summary" not in html.content.decode()
