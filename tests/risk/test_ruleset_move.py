"""Moving to the current rule set (issue 17, item 3): the change report on the demo as it was
assessed before Regulation (EU) 2026/1744, the "earlier rule set" flag with the dates side by
side, and the bulk re-assessment a compliance officer starts from the report."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from catalog.models import ModelService
from risk import demo, services
from risk import ruleset as rs
from risk.audit_actions import ASSESSMENT_MOVED_TO_RULESET
from risk.models import Obligation, RiskAssessment
from risk.ruleset_change import ruleset_change_report
from risk.ruleset_change_services import assessments_move

pytestmark = pytest.mark.django_db
V1, V2 = "2024-1689.v1", "2024-1689+2026-1744.v2"
ANNEX_III_MODELS = {name for name, a in demo.ANSWERS.items() if a.get("annex_iii_use")}


@pytest.fixture
def demo_before_amendment(settings):
    """The demo as assessed in 2025: every assessment under v1; then v2 becomes current."""
    settings.ATTEST_RULESET = V1
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    settings.ATTEST_RULESET = V2
    return {u.username: u for u in User.objects.filter(username__in=["carla", "alice", "dora"])}


def _model(name):
    return ModelService.objects.get(name=name)


def _in_force(name):
    return RiskAssessment.objects.filter(
        model_service__name=name, status=RiskAssessment.Status.SUBMITTED
    ).latest("revision")


def test_on_the_demo_the_report_lists_every_annex_iii_model_and_no_unchanged_one(
    demo_before_amendment,
):
    assert {"credit-scoring-retail", "cv-screening-ranker", "attrition-risk"} <= ANNEX_III_MODELS
    report = ruleset_change_report()
    changed = {row.model.name for row in report.changed}
    assert changed == ANNEX_III_MODELS
    for row in report.changed:  # every one of them because its dates move, nothing else
        assert row.moved and not row.added and not row.removed and not row.problems
        assert {(m.old, m.new) for m in row.moved} == {("2026-08-02", "2027-12-02")}
        assert not row.tier_changes
    unchanged = {row.model.name for row in report.unchanged}
    assert unchanged == set(demo.ANSWERS) - ANNEX_III_MODELS
    assert "support-chatbot" in unchanged and "workplace-mood-monitor" in unchanged
    # What v1 never asked is named, so a bulk move cannot answer it "no" unseen.
    assert any("2026/1744" in item and "intimate" in item for item in report.unasked)


def test_the_report_page_shows_the_changes_and_refuses_everyone_but_compliance(
    client, demo_before_amendment
):
    url = reverse("risk:ruleset-change")
    client.force_login(demo_before_amendment["alice"])  # a model owner
    assert client.get(url).status_code == 403
    client.force_login(demo_before_amendment["carla"])  # the compliance officer
    page = client.get(url).content.decode()
    table = page[page.index('id="changes"') : page.index("</table>", page.index('id="changes"'))]
    for name in ANNEX_III_MODELS:
        assert f'data-model="{name}"' in table
    assert 'data-model="support-chatbot"' not in table
    assert "<del>2026-08-02</del> → <ins>2027-12-02</ins>" in table
    assert "Questions the earlier rule set did not ask" in page


def test_an_assessment_under_v1_is_flagged_with_both_dates_side_by_side(
    client, demo_before_amendment
):
    model = _model("credit-scoring-retail")
    client.force_login(demo_before_amendment["carla"])
    page = client.get(reverse("risk:assessment-detail", args=[model.pk])).content.decode()
    assert "Assessed under an earlier rule set" in page
    rows = page[page.index('id="date-moves"') :]
    row = rows[rows.index('data-code="art9_risk_management"') :]
    assert row.index("2026-08-02") < row.index("2027-12-02") < row.index("</tr>")
    assert "from 2027-12-02 under the current rule set" in page  # beside the obligation too
    # The same page for a model already under v2 has no flag.
    services.assessment_submit(
        actor=demo_before_amendment["carla"],
        model_service=_model("churn-predictor"),
        answers=_in_force("churn-predictor").answers,
    )
    page = client.get(
        reverse("risk:assessment-detail", args=[_model("churn-predictor").pk])
    ).content.decode()
    assert "Assessed under an earlier rule set" not in page


def test_bulk_moving_re_assesses_under_v2_keeps_the_work_and_is_audited(
    client, demo_before_amendment
):
    carla = demo_before_amendment["carla"]
    model = _model("credit-scoring-retail")
    before = _in_force("credit-scoring-retail")
    met = set(
        Obligation.objects.filter(
            model_service=model, is_current=True, status=Obligation.Status.MET
        ).values_list("code", flat=True)
    )
    assert met  # the demo certified some obligations with evidence
    client.force_login(carla)
    url = reverse("risk:ruleset-change")
    # Without confirming the new questions: refused, nothing moves.
    response = client.post(url, {"models": [model.pk]}, follow=True)
    assert "Confirm that the systems were checked against the new questions" in (
        response.content.decode()
    )
    assert _in_force("credit-scoring-retail").pk == before.pk
    response = client.post(url, {"models": [model.pk], "new_questions_checked": "on"}, follow=True)
    assert "1 model re-assessed under rule set" in response.content.decode()
    after = _in_force("credit-scoring-retail")
    assert after.revision == before.revision + 1 and after.ruleset_version == V2
    assert after.answers == before.answers
    current = Obligation.objects.filter(model_service=model, is_current=True)
    assert {o.applies_from.isoformat() for o in current if o.code == "art9_risk_management"} == {
        "2027-12-02"
    }
    assert met == {o.code for o in current if o.status == Obligation.Status.MET}
    assert all(o.evidence.exists() for o in current if o.code in met)
    event = AuditEvent.objects.get(action=ASSESSMENT_MOVED_TO_RULESET, subject_id=model.pk)
    assert event.before["ruleset"] == V1 and event.after["ruleset"] == V2
    assert event.actor_id == carla.pk and event.after["new_questions_answered_no"]
    assert "credit-scoring-retail" not in {r.model.name for r in ruleset_change_report().changed}


def test_one_model_that_cannot_move_moves_none(demo_before_amendment):
    carla = demo_before_amendment["carla"]
    drafting = _model("cv-screening-ranker")
    services.assessment_draft_save(
        actor=carla, model_service=drafting, answers={"role": "provider"}
    )
    changed = _model("sme-loan-default")
    changed.intended_use = "Now also decides on overdraft limits."
    changed.save(update_fields=["intended_use"])
    report = {row.model.name: row for row in ruleset_change_report(user=carla).changed}
    assert "draft is in progress" in report["cv-screening-ranker"].blocked_by
    assert "intended use changed" in report["sme-loan-default"].blocked_by
    from common.errors import Conflict

    with pytest.raises(Conflict, match="Nothing was re-assessed.*cv-screening-ranker"):
        assessments_move(
            actor=carla,
            model_ids=[_model("mortgage-pd-irb").pk, drafting.pk],
            new_questions_checked=True,
        )
    assert _in_force("mortgage-pd-irb").ruleset_version == V1  # all or nothing
    assert RiskAssessment.objects.filter(
        model_service=drafting, status=RiskAssessment.Status.DRAFT
    ).exists()  # the draft was not thrown away


def test_only_compliance_officers_and_admins_move(demo_before_amendment):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        assessments_move(
            actor=demo_before_amendment["alice"],
            model_ids=[_model("mortgage-pd-irb").pk],
            new_questions_checked=True,
        )


def test_the_seeded_demo_keeps_two_models_under_the_earlier_rule_set(settings):
    settings.ATTEST_RULESET = ""
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    for name in demo.ASSESSED_UNDER_EARLIER_RULESET:
        assert _in_force(name).ruleset_version == demo.EARLIER_RULESET
    assert _in_force("credit-scoring-retail").ruleset_version == rs.current_version()
    report = ruleset_change_report()
    assert {r.model.name for r in report.changed} == {"mortgage-pd-irb"}
    assert {r.model.name for r in report.unchanged} == {"churn-predictor"}


def test_the_answers_panel_shows_questions_and_labels_not_codes(client, demo_before_amendment):
    model = _model("credit-scoring-retail")
    client.force_login(demo_before_amendment["carla"])
    page = client.get(reverse("risk:assessment-detail", args=[model.pk])).content.decode()
    answers = page[page.index("<h2>Answers</h2>") :]
    assert "Does the intended use fall under one of these Annex III uses?" in answers
    assert "Creditworthiness evaluation or credit scoring of natural persons" in answers  # v1
    assert "5b_credit_scoring" not in answers and "annex_iii_use" not in answers
