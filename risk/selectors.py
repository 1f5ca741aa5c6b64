"""Permission-aware reads of assessments and obligations (through the catalog's gate)."""

from __future__ import annotations

from django.utils.translation import gettext

from catalog.models import ModelService
from risk import ruleset as rulesets
from risk.models import Obligation, RiskAssessment
from risk.services import subject_snapshot


def assessment_latest(model: ModelService) -> RiskAssessment | None:
    return (
        RiskAssessment.objects.filter(model_service=model, status=RiskAssessment.Status.SUBMITTED)
        .order_by("-revision")
        .first()
    )


def assessment_proposal(model: ModelService) -> RiskAssessment | None:
    """The revision waiting for a compliance officer's confirmation, if any."""
    return (
        RiskAssessment.objects.filter(model_service=model, status=RiskAssessment.Status.PROPOSED)
        .select_related("submitted_by")
        .first()
    )


# From least to most demanding: approvals follow the stricter of the tier in force and a
# proposal's (a proposal cannot lower what a request needs before it is confirmed).
TIER_STRICTNESS = ("minimal", "limited", "high", "prohibited")


def governing_tier(model: ModelService) -> str:
    """The tier approvals follow: the tier in force, or a pending proposal's when stricter.
    An unassessed model (nothing in force) stays unassessed."""
    current = model.risk_tier
    if current not in TIER_STRICTNESS:
        return current
    proposal = assessment_proposal(model)
    if (
        proposal is not None
        and proposal.tier in TIER_STRICTNESS
        and TIER_STRICTNESS.index(proposal.tier) > TIER_STRICTNESS.index(current)
    ):
        return proposal.tier
    return current


def proposals_awaiting(*, user):
    """Proposals a compliance officer may confirm: every pending one but their own."""
    from risk.access import can_classify_directly

    if not can_classify_directly(user):
        return RiskAssessment.objects.none()
    return (
        RiskAssessment.objects.filter(status=RiskAssessment.Status.PROPOSED)
        .exclude(submitted_by=user)
        .select_related("model_service", "submitted_by")
        .order_by("submitted_at")
    )


def assessment_draft(model: ModelService) -> RiskAssessment | None:
    return RiskAssessment.objects.filter(
        model_service=model, status=RiskAssessment.Status.DRAFT
    ).first()


def assessment_history(model: ModelService):
    """Every numbered revision (in force, proposed, returned, superseded), newest first."""
    return (
        RiskAssessment.objects.filter(model_service=model, revision__isnull=False)
        .select_related("submitted_by", "confirmed_by")
        .order_by("-revision")
    )


def review_reasons(model: ModelService, assessment: RiskAssessment | None) -> list[str]:
    """Why the latest assessment should be reviewed: what changed since it was submitted."""
    if assessment is None:
        return []
    reasons = []
    if assessment.ruleset_version != rulesets.current().version:
        reasons.append(
            gettext("Assessed under an earlier rule set (%(old)s); the current one is %(new)s.")
            % {"old": assessment.ruleset_version, "new": rulesets.current().version}
        )
    return reasons + subject_changes(model, assessment)


def subject_changes(model: ModelService, assessment: RiskAssessment) -> list[str]:
    """What changed about the model itself (intended use, purpose, tags, the latest version's
    tags) since ``assessment`` was answered: its answers may no longer hold."""
    reasons = []
    now, then = subject_snapshot(model), assessment.subject or {}
    # One whole sentence per key, so that each language can word it.
    sentences = {
        "intended_use": gettext("The model's intended use changed since revision %(revision)s."),
        "purpose": gettext("The model's purpose changed since revision %(revision)s."),
        "tags": gettext("The model's tags changed since revision %(revision)s."),
        "version_tags": gettext(
            "The model's the latest version's tags changed since revision %(revision)s."
        ),
        "version": gettext("Version %(version)s has different tags."),
    }
    for key, sentence in sentences.items():
        if key in then and now.get(key) != then.get(key):
            if key == "version" and now.get("version_tags") == then.get("version_tags"):
                continue  # a new version with the same tags changes nothing assessed
            reasons.append(
                sentence % {"revision": assessment.revision, "version": now.get("version")}
            )
    return reasons


def obligations_current(model: ModelService):
    return (
        Obligation.objects.filter(model_service=model, is_current=True)
        .select_related("owner")
        .prefetch_related("evidence")
        .order_by("created_at", "code")
    )


def obligation_owner_choices(model: ModelService):
    """Who can own an obligation: the owning team's members and the compliance officers."""
    from django.db.models import Q

    from accounts.models import User
    from accounts.roles import Role

    team_group = model.owner_team.group_id if model.owner_team_id else None
    return (
        User.objects.filter(
            Q(groups=team_group) | Q(groups__name=Role.COMPLIANCE_OFFICER), is_active=True
        )
        .distinct()
        .order_by("username")
    )


def answers_side_by_side(in_force: RiskAssessment | None, proposal: RiskAssessment) -> list[dict]:
    """Each question with the answer in force and the proposed one, in questionnaire order;
    ``changed`` marks a difference (what the reviewer must look at). Each answer is worded by
    the rule set it was given under (an older revision may use an earlier one)."""
    proposal_rules = _rules_of(proposal)
    before_rules = _rules_of(in_force) if in_force else proposal_rules
    before = (in_force.answers if in_force else {}) or {}
    after = proposal.answers or {}
    questions = {q["id"]: q for q in before_rules.questions}
    questions.update({q["id"]: q for q in proposal_rules.questions})
    order = [q["id"] for q in proposal_rules.questions] + [
        q["id"] for q in before_rules.questions if q["id"] not in after
    ]
    rows = []
    for key in dict.fromkeys(order):
        if key not in before and key not in after:
            continue
        question = questions[key]
        rows.append(
            {
                "question": question.get("text", key),
                "before": _shown(before.get(key), _labels(before_rules, key)),
                "after": _shown(after.get(key), _labels(proposal_rules, key)),
                "changed": before.get(key) != after.get(key),
            }
        )
    return rows


def _rules_of(assessment: RiskAssessment):
    return rulesets.for_assessment(assessment.ruleset_version)


def answers_worded(assessment: RiskAssessment) -> list[dict]:
    """The answers as a person reads them: each question's text and the chosen labels (not
    ``5b_credit_scoring``), in questionnaire order, worded by the assessment's own rule set."""
    rules = _rules_of(assessment)
    answers = assessment.answers or {}
    return [
        {"question": q["text"], "answer": _shown(answers[q["id"]], _labels(rules, q["id"]))}
        for q in rules.questions
        if q["id"] in answers
    ]


def _labels(rules, key: str) -> dict:
    """Value -> label of a choice question, including choices drawn from the rule set's
    collections (Annex III uses, Art. 5 practices...)."""
    question = rules.question(key)
    if question is None or question["type"] not in ("choice", "multi"):
        return {}
    return dict(rules.options(question))


def _shown(value, labels: dict) -> str:
    if value is None:
        return "—"
    if value is True:
        return gettext("yes")
    if value is False:
        return gettext("no")
    if isinstance(value, list):
        return ", ".join(str(labels.get(v, v)) for v in value) or "—"
    return str(labels.get(value, value))
