"""The usage-cost report (API) and the model's "Usage and cost" page."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from approvals import services as approval_services
from tests.approvals.approval_helpers import assessed_model
from tests.factories import ModelServiceFactory
from tests.usage.focus_files import csv_bytes, row
from usage import services

URL = "/api/v1/reports/usage-cost/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def month_of_data(personas):
    """credit-scoring (ours, deployed) with cost in EUR and USD and 4,000 requests in
    October 2026; churn (the other team's) with cost only; unmatched cost."""
    model = assessed_model(personas, "minimal", name="credit-scoring", versions=("1",))
    ModelServiceFactory(name="churn", owner_team=personas.other_team)
    version = model.versions.get()
    approval_services.deployment_request_decide(
        actor=personas.compliance,
        request=approval_services.deployment_request_create(
            actor=personas.owner, model_version=version, environment="production",
            justification="r",
        ),
        verdict="approve",
    )  # fmt: skip
    deployment = approval_services.deployment_record(
        actor=personas.ci_bot, model_version=version, environment="production"
    )
    rows = [
        row(effective="10.004", tags={"attest-model": "credit-scoring"}),
        row(effective="2.001", tags={"attest-model": "credit-scoring"}),
        row(effective="1.50", currency="USD", tags={"attest-model": "credit-scoring"}),
        row(effective="40", tags={"attest-model": "churn"}),
        row(effective="3.333", tags={}),
        row(effective="9", start="2026-09-05T00:00:00Z", end="2026-09-06T00:00:00Z",
            tags={"attest-model": "credit-scoring"}),
    ]  # fmt: skip
    services.cost_import_create(
        actor=personas.compliance,
        upload=SimpleUploadedFile("f.csv", csv_bytes(rows)),
        file_name="f.csv",
    )
    services.usage_days_record(
        actor=None,
        deployment=deployment,
        days=[
            services.DayUsage(date(2026, 10, 1), 3000, 30, 40.0, 120.0),
            services.DayUsage(date(2026, 10, 2), 1000, 10, 42.0, 180.0),
            services.DayUsage(date(2026, 11, 1), 500, 0),
        ],
    )
    return model


def get(user, **query):
    client = Client()
    client.force_login(user)
    return client.get(URL, query)


def test_the_report_has_the_documented_shape(personas, month_of_data):
    body = get(personas.compliance, month="2026-10").json()
    assert body == {
        "month": "2026-10",
        "models": [
            {
                "model": "churn",
                "team": personas.other_team.slug,
                "cost": {"EUR": "40.00"},
                "requests": 0,
                "errors": 0,
                "cost_per_1000": {},
            },
            {
                "model": "credit-scoring",
                "team": personas.team.slug,
                "cost": {"EUR": "12.01", "USD": "1.50"},
                "requests": 4000,
                "errors": 40,
                "cost_per_1000": {"EUR": "3.00", "USD": "0.38"},
            },
        ],
        "unmatched": {"EUR": "3.33"},
    }


def test_the_report_shows_only_visible_models_and_no_unmatched_cost_to_a_team(
    personas, month_of_data
):
    body = get(personas.owner, month="2026-10").json()
    assert [m["model"] for m in body["models"]] == ["credit-scoring"]
    assert "unmatched" not in body
    assert [m["model"] for m in get(personas.other_owner, month="2026-10").json()["models"]] == [
        "churn"
    ]
    assert get(personas.outsider, month="2026-10").json()["models"] == []
    assert "unmatched" in get(personas.admin, month="2026-10").json()


def test_the_report_filters_by_team_and_refuses_bad_input(personas, month_of_data):
    body = get(personas.compliance, month="2026-10", team=personas.team.slug).json()
    assert [m["model"] for m in body["models"]] == ["credit-scoring"]
    assert get(personas.compliance, month="2026-13").status_code == 400
    assert get(personas.compliance, month="october").status_code == 400
    assert get(personas.compliance, month="2026-10", team="nobody").status_code == 400
    assert get(personas.compliance, month="0001-01").status_code == 400


def test_the_model_page_shows_usage_and_cost(personas, month_of_data, client_for, time_machine):
    time_machine.move_to("2026-11-15T12:00:00Z")
    client = client_for(personas.owner)
    detail = client.get(f"/models/{month_of_data.pk}/").content.decode()
    assert f"/models/{month_of_data.pk}/usage/" in detail
    page = client.get(f"/models/{month_of_data.pk}/usage/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "12.01 EUR" in html and "1.50 USD" in html and "4000" in html
    assert "3.00 EUR" in html  # per 1,000 predictions
    assert "1.00 %" in html  # error rate
    assert "<svg" in html
    assert (
        client_for(personas.other_owner).get(f"/models/{month_of_data.pk}/usage/").status_code
        == 404
    )


def test_a_live_deployment_without_an_approval_in_force_is_flagged(
    personas, month_of_data, client_for, time_machine
):
    from approvals.models import DeploymentRequest
    from approvals.services import approval_revoke

    time_machine.move_to("2026-11-02T12:00:00Z")  # traffic on 1 November: live
    url = f"/models/{month_of_data.pk}/usage/"
    client = client_for(personas.owner)
    assert "without an approval in force" not in client.get(url).content.decode()
    approval = DeploymentRequest.objects.get(model_service=month_of_data, state="approved")
    approval_revoke(actor=personas.compliance, request=approval, reason="Bias finding.")
    html = client.get(url).content.decode()
    assert "v1 is serving traffic in production without an approval in force." in html
    time_machine.move_to("2026-11-20T12:00:00Z")  # no traffic for weeks: not live
    assert "without an approval in force" not in client.get(url).content.decode()


def test_the_portfolio_page_and_csv_show_what_the_persona_may_see(
    personas, month_of_data, client_for
):
    compliance = client_for(personas.compliance)
    page = compliance.get("/usage/", {"month": "2026-10"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "credit-scoring" in html and "churn" in html
    assert "Unmatched cost" in html and "3.33 EUR" in html
    assert "churn: 40.00 EUR" in html  # the top model by cost (EUR, the main currency)
    owner_html = client_for(personas.owner).get("/usage/", {"month": "2026-10"}).content.decode()
    assert "credit-scoring" in owner_html and "churn" not in owner_html
    assert "Unmatched cost" not in owner_html

    csv_text = compliance.get("/usage/report.csv", {"month": "2026-10"}).content.decode()
    lines = csv_text.strip().splitlines()
    assert lines[0] == "month,model,team,currency,cost,requests,errors,cost_per_1000"
    assert f"2026-10,credit-scoring,{personas.team.slug},USD,1.50,4000,40,0.38" in lines
    assert "2026-10,(unmatched),,EUR,3.33,,," in lines


def test_bad_report_input_is_said_not_a_500(personas, month_of_data, client_for):
    client = client_for(personas.compliance)
    page = client.get("/usage/", {"month": "2026-13"})
    assert page.status_code == 200 and "YYYY-MM" in page.content.decode()
    assert "no team with the slug" in client.get("/usage/", {"team": "nobody"}).content.decode()
    assert client.get("/usage/report.csv", {"month": "x"}).status_code == 400
    assert client.get("/usage/report.csv", {"team": "nobody"}).status_code == 400
