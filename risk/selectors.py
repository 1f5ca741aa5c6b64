"""Permission-aware reads of assessments and obligations (through the catalog's gate)."""

from __future__ import annotations

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


def assessment_draft(model: ModelService) -> RiskAssessment | None:
    return RiskAssessment.objects.filter(
        model_service=model, status=RiskAssessment.Status.DRAFT
    ).first()


def assessment_history(model: ModelService):
    return RiskAssessment.objects.filter(
        model_service=model, status=RiskAssessment.Status.SUBMITTED
    ).order_by("-revision")


def review_reasons(model: ModelService, assessment: RiskAssessment | None) -> list[str]:
    """Why the latest assessment should be reviewed: what changed since it was submitted."""
    if assessment is None:
        return []
    reasons = []
    if assessment.ruleset_version != rulesets.current().version:
        reasons.append(
            f"The rule set changed ({assessment.ruleset_version} → {rulesets.current().version})."
        )
    now, then = subject_snapshot(model), assessment.subject or {}
    labels = {
        "intended_use": "intended use",
        "purpose": "purpose",
        "tags": "tags",
        "version_tags": "the latest version's tags",
        "version": "a new version",
    }
    for key, label in labels.items():
        if key in then and now.get(key) != then.get(key):
            if key == "version" and now.get("version_tags") == then.get("version_tags"):
                continue  # a new version with the same tags changes nothing assessed
            reasons.append(
                f"The model's {label} changed since revision {assessment.revision}."
                if key != "version"
                else f"Version {now['version']} has different tags."
            )
    return reasons


def obligations_current(model: ModelService):
    return (
        Obligation.objects.filter(model_service=model, is_current=True)
        .select_related("owner")
        .prefetch_related("evidence")
        .order_by("created_at", "code")
    )


def ruleset_change_report(new: rulesets.RuleSet) -> list[dict]:
    """Which models' tiers or obligations change if ``new`` replaces the rule set their latest
    assessment used: each latest answer set is re-classified under ``new`` and compared."""
    from risk import rules as risk

    report = []
    for model in (
        ModelService.objects.filter(risk_assessments__status=RiskAssessment.Status.SUBMITTED)
        .distinct()
        .order_by("name")
    ):
        latest = assessment_latest(model)
        cleaned, errors = rulesets.validate(new, latest.answers, complete=True)
        old_obligations = {(o["code"], o["applies_from"]) for o in latest.result["obligations"]}
        if errors:
            report.append(
                {
                    "model": model.name,
                    "old_tier": latest.tier,
                    "new_tier": None,
                    "added": [],
                    "removed": [],
                    "problems": {k: v for k, v in errors.items()},
                }
            )
            continue
        result = risk.classify(new, cleaned)
        new_obligations = {(o.code, o.applies_from) for o in result.obligations}
        if result.tier != latest.tier or new_obligations != old_obligations:
            report.append(
                {
                    "model": model.name,
                    "old_tier": latest.tier,
                    "new_tier": result.tier,
                    "added": sorted(f"{c} from {d}" for c, d in new_obligations - old_obligations),
                    "removed": sorted(
                        f"{c} from {d}" for c, d in old_obligations - new_obligations
                    ),
                    "problems": {},
                }
            )
    return report


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
