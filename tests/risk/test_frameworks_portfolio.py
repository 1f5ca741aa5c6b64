"""The portfolio's coverage table per framework (issue 17 part 4): per model, items covered of
those that apply; per item, how many models cover it; the catalog's own team scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from risk import framework_selectors
from risk import services as risk_services
from risk.frameworks import frameworks
from risk.models import Obligation
from tests.approvals.approval_helpers import ANSWERS, assessed_model
from tests.factories import ModelServiceFactory

pytestmark = pytest.mark.django_db
URL = reverse("risk:framework-coverage")


def _meet(personas, model, code: str) -> None:
    """The owner adds evidence, a compliance officer certifies the obligation met."""
    obligation = Obligation.objects.get(model_service=model, is_current=True, code=code)
    risk_services.evidence_add(
        actor=personas.owner, obligation=obligation, link=f"https://wiki.example/{code}"
    )
    risk_services.obligation_update(
        actor=personas.compliance, obligation=obligation, status=Obligation.Status.MET
    )


@pytest.fixture
def portfolio(personas):
    """Two models of the personas' team (high, minimal) and one of the other team (high)."""
    high = assessed_model(personas, "high", name="credit-scoring-retail")
    minimal = assessed_model(personas, "minimal", name="card-fraud-detector")
    foreign = ModelServiceFactory(owner_team=personas.other_team, name="claims-triage")
    risk_services.assessment_submit(
        actor=personas.admin, model_service=foreign, answers=ANSWERS["high"]
    )
    _meet(personas, minimal, "art4_ai_literacy")
    for code in ("art12_logging", "art19_logs_kept"):
        _meet(personas, high, code)
    return high, minimal, foreign


def _summary(coverage, framework_id: str, model):
    fw = next(f for f in coverage.frameworks if f.framework.id == framework_id)
    return fw.summaries[model.pk]


def _tally(coverage, framework_id: str, item_id: str):
    fw = next(f for f in coverage.frameworks if f.framework.id == framework_id)
    return next(t for t in fw.items if t.item.id == item_id)


def test_a_minimal_models_coverage_counts_only_the_items_its_obligations_reach(personas, portfolio):
    _, minimal, _ = portfolio
    coverage = framework_selectors.portfolio_coverage(user=personas.owner)
    # art4_ai_literacy → A.4.6 (met with evidence), art95_reasoning → A.5.3 (open)
    iso = _summary(coverage, "iso42001", minimal)
    assert (iso.covered, iso.applicable, iso.percent) == (1, 2, 50)
    # art4 → GOVERN 2.2, MAP 3.4; art95 → GOVERN 1.1, MAP 1.1
    nist = _summary(coverage, "nist-ai-rmf", minimal)
    assert (nist.covered, nist.applicable, nist.percent) == (2, 4, 50)


def test_a_high_risk_models_coverage_matches_its_frameworks_page(personas, portfolio):
    high, _, _ = portfolio
    coverage = framework_selectors.portfolio_coverage(user=personas.owner)
    _, pages = framework_selectors.model_frameworks(user=personas.owner, model_id=high.pk)
    for page in pages:
        rows = [r for r in page.rows if r.obligations and r.applicable]
        summary = _summary(coverage, page.framework.id, high)
        assert summary.applicable == len(rows) > 5
        assert summary.covered == sum(r.status == frameworks.COVERED for r in rows)
    # A.6.2.8 (event logs) is covered by art12 + art19 with evidence
    assert _summary(coverage, "iso42001", high).covered >= 1
    tally = _tally(coverage, "iso42001", "A.6.2.8")
    assert (tally.covering, tally.applicable) == (1, 1)  # the minimal model carries no logging


def test_per_item_tallies_count_the_models_covering_each_control(personas, portfolio):
    coverage = framework_selectors.portfolio_coverage(user=personas.compliance)
    # A.4.6 (AI literacy) applies to every assessed model; only the minimal one has evidence
    assert (_tally(coverage, "iso42001", "A.4.6").covering,
            _tally(coverage, "iso42001", "A.4.6").applicable) == (1, 3)  # fmt: skip
    assert _tally(coverage, "iso42001", "A.6.2.8").applicable == 2  # the two high-risk models
    # A.2.3 is mapped from no obligation: it applies to nobody through the AI Act
    assert (_tally(coverage, "iso42001", "A.2.3").covering,
            _tally(coverage, "iso42001", "A.2.3").applicable) == (0, 0)  # fmt: skip


def test_every_obligation_met_with_evidence_makes_a_model_fully_covered(personas, portfolio):
    _, minimal, _ = portfolio
    _meet(personas, minimal, "art95_reasoning")
    coverage = framework_selectors.portfolio_coverage(user=personas.owner)
    for fw in ("iso42001", "nist-ai-rmf"):
        summary = _summary(coverage, fw, minimal)
        assert summary.covered == summary.applicable and summary.percent == 100


def test_an_item_whose_obligations_are_all_justified_away_no_longer_applies(personas, portfolio):
    _, minimal, _ = portfolio
    obligation = Obligation.objects.get(
        model_service=minimal, is_current=True, code="art95_reasoning"
    )
    risk_services.obligation_update(
        actor=personas.compliance,
        obligation=obligation,
        status=Obligation.Status.NOT_APPLICABLE,
        justification="Covered by the group's code of conduct register.",
    )
    iso = _summary(framework_selectors.portfolio_coverage(user=personas.owner), "iso42001", minimal)
    assert (iso.covered, iso.applicable, iso.percent) == (1, 1, 100)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("owner", {"credit-scoring-retail", "card-fraud-detector"}),
        ("teammate", {"credit-scoring-retail", "card-fraud-detector"}),
        ("reviewer", {"credit-scoring-retail", "card-fraud-detector"}),  # the team's pool
        ("other_owner", {"claims-triage"}),
        ("compliance", {"credit-scoring-retail", "card-fraud-detector", "claims-triage"}),
        ("auditor", {"credit-scoring-retail", "card-fraud-detector", "claims-triage"}),
        ("viewer", set()),  # nothing shared with the viewer yet
        ("outsider", set()),
    ],
)
def test_the_coverage_page_shows_exactly_the_models_the_catalog_shows(
    personas, portfolio, client, persona, expected
):
    client.force_login(getattr(personas, persona))
    response = client.get(URL)
    assert response.status_code == 200
    shown = {row.model.name for row in response.context["page"].object_list}
    assert shown == expected
    catalog = client.get(reverse("catalog:model-list")).context["page"].object_list
    assert shown == {m.name for m in catalog}
    body = response.content.decode()
    for name in {"credit-scoring-retail", "card-fraud-detector", "claims-triage"} - expected:
        assert name not in body
    # tallies count only what the persona sees
    a46 = _tally(response.context["portfolio"], "iso42001", "A.4.6")
    assert a46.applicable == len(expected)


def test_the_coverage_page_renders_numbers_and_links_each_model(personas, portfolio, client):
    high, minimal, _ = portfolio
    client.force_login(personas.owner)
    body = client.get(URL).content.decode()
    assert "Framework coverage" in body
    assert "1 / 2 (50 %)" in body  # the minimal model's ISO 42001 coverage
    assert reverse("risk:model-frameworks", args=[high.pk]) in body
    assert 'data-item="A.6.2.8"' in body and 'data-item="MANAGE 4.3"' in body
    # and the model's Frameworks page links back to it
    page = client.get(reverse("risk:model-frameworks", args=[minimal.pk])).content.decode()
    assert URL in page


def test_the_coverage_page_follows_the_framework_switch_and_needs_sign_in(
    personas, portfolio, client, settings
):
    client.force_login(personas.owner)
    settings.ATTEST_FRAMEWORKS = ["nist-ai-rmf"]
    response = client.get(URL)
    assert [f.framework.id for f in response.context["portfolio"].frameworks] == ["nist-ai-rmf"]
    assert 'data-item="A.6.2.8"' not in response.content.decode()
    settings.ATTEST_FRAMEWORKS = []
    off = client.get(URL)
    assert off.status_code == 200  # linked from the navigation on every deployment
    assert "No frameworks are enabled on this deployment" in off.content.decode()
    assert 'data-table="models"' not in off.content.decode()
    client.logout()
    assert client.get(URL).status_code == 302


def test_the_coverage_page_reads_a_fixed_number_of_queries(
    personas, portfolio, client, django_assert_max_num_queries
):
    for n in range(5):
        assessed_model(personas, "high", name=f"extra-{n}")
    client.force_login(personas.compliance)
    with django_assert_max_num_queries(15):
        assert client.get(URL).status_code == 200
