"""Chapter 7 of the portfolio report: the Art. 73 incident register per model, scoped like the
rest of the report (split from test_portfolio_report.py)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from catalog.models import ModelService
from documents.kinds import portfolio
from monitoring import services as monitoring_services
from tests.documents.portfolio_world import request_report, unsaved
from tests.documents.test_annex_iv import flat, pdf_text, save_pngs

pytestmark = pytest.mark.django_db


# --- Chapter 7: the incident register (Art. 73) ------------------------------------------------
@pytest.fixture
def incidents(personas, portfolio_world):
    """A serious, unreported incident of retail-credit-pd past its 2-day Art. 73 deadline; a
    closed minor one of demand-forecast, 40 days old; an open one of the Fraud team's model."""
    now = timezone.now()
    serious = monitoring_services.incident_register(
        actor=personas.compliance,
        model_service=portfolio_world.high,
        model_version=portfolio_world.high.versions.get(),
        title="Credit limits cut for a whole region",
        description="A broken income feed scored every applicant of one region as zero income.",
        severity="critical",
        serious=True,
        serious_category="widespread",
        aware_at=now - timedelta(days=3),
    )
    minor = monitoring_services.incident_register(
        actor=personas.owner,
        model_service=portfolio_world.minimal,
        title="Forecast job ran twice",
        description="Duplicate cron entry.",
        severity="low",
        status="closed",
        aware_at=now - timedelta(days=40),
    )
    foreign = monitoring_services.incident_register(
        actor=personas.compliance,
        model_service=ModelService.objects.get(name="card-fraud-scorer"),
        title="Fraud scores frozen for an hour",
        description="Cache not refreshed.",
        aware_at=now - timedelta(days=1),
    )
    return SimpleNamespace(serious=serious, minor=minor, foreign=foreign)


def test_report_names_serious_incidents_per_model_with_open_and_closed_counts(
    personas, incidents, django_capture_on_commit_callbacks
):
    document = request_report(django_capture_on_commit_callbacks, personas.compliance)
    pages = save_pngs(document, "portfolio-incidents")
    text = flat(pdf_text(document))

    assert "Credit limits cut for a whole region" in text
    assert "Forecast job ran twice" in text and "Fraud scores frozen for an hour" in text
    assert "3 incidents: 2 open, 1 serious." in text
    # The category sits in a table cell: pdftotext may interleave its lines with the next
    # column's, so look for its words (the exact label is checked on the composed data below).
    assert "Widespread" in text and "infringement" in text and "2 days (Art. 73(3))" in text
    assert "1 Art. 73 report overdue" in text  # on the cover
    assert "No incidents have been recorded" not in text
    assert "does not track production incidents" not in text
    assert document.template_version == portfolio.TEMPLATE_VERSION == "portfolio/3"
    data = portfolio.compose(document)
    per_model = {m["model"]: m for m in data["incident_models"]}
    credit = per_model["retail-credit-pd"]
    assert (credit["open"], credit["serious"], credit["overdue"]) == (1, 1, 1)
    assert (per_model["demand-forecast"]["open"], per_model["demand-forecast"]["closed"]) == (0, 1)
    assert data["incident_models"][0]["model"] == "retail-credit-pd"  # overdue first
    serious = next(i for i in data["incidents"] if i["serious"])
    assert serious["title"] == "Credit limits cut for a whole region" and serious["overdue"]
    assert "Widespread infringement" in str(serious)  # the Art. 73 category, whole
    assert data["totals"]["incidents_serious_open"] == 1
    assert len(pages) == document.pages


def test_owners_report_lists_only_the_incidents_of_models_the_owner_sees(personas, incidents):
    data = portfolio.compose(unsaved(personas.owner, team="", since=""))
    titles = sorted(i["title"] for i in data["incidents"])
    assert titles == ["Credit limits cut for a whole region", "Forecast job ran twice"]
    assert data["totals"]["incidents"] == 2


def test_since_keeps_open_incidents_and_those_known_in_the_period(personas, incidents):
    since = (timezone.now() - timedelta(days=10)).date().isoformat()
    data = portfolio.compose(unsaved(personas.compliance, team="", since=since))
    titles = sorted(i["title"] for i in data["incidents"])
    assert titles == ["Credit limits cut for a whole region", "Fraud scores frozen for an hour"]
    assert "demand-forecast" not in {m["model"] for m in data["incident_models"]}


def test_a_report_without_incidents_says_there_were_none(
    personas, portfolio_world, django_capture_on_commit_callbacks
):
    since = (timezone.now() - timedelta(days=10)).date().isoformat()
    document = request_report(django_capture_on_commit_callbacks, personas.compliance, since=since)
    text = flat(pdf_text(document))
    assert (
        f"No incident of the models in scope is open, and none has been recorded since {since}."
        in text
    )
    assert "does not track production incidents" not in text
    assert portfolio.compose(document)["incident_models"] == []
