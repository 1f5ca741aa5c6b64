"""Permission-aware reads for deployment requests, and the inputs an approval binds."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.roles import OVERSIGHT_ROLES, Role, has_role
from approvals import configuration, fingerprint, policy

# Predicates live in approvals/access.py; the names stay importable from here.
from approvals.access import (  # noqa: F401
    can_request,
    can_revoke,
    can_withdraw,
    decide_refusal,
    is_compliance,
)
from approvals.models import ApprovalDecision, DeploymentRequest, DriftFinding
from catalog.models import ModelService, ModelVersion
from catalog.selectors import model_service_visible
from risk.models import Evidence, Obligation, RiskAssessment
from risk.selectors import governing_tier

State = DeploymentRequest.State


# --- What an approval binds -----------------------------------------------------------------
def model_card(model: ModelService) -> dict[str, str]:
    return {name: getattr(model, name) or "" for name in fingerprint.MODEL_CARD_FIELDS}


def fingerprint_inputs(version: ModelVersion) -> fingerprint.FingerprintInputs:
    """The current state of everything an approval of ``version`` binds."""
    model = version.model_service
    revision = (
        RiskAssessment.objects.filter(
            model_service_id=model.pk, status=RiskAssessment.Status.SUBMITTED
        )
        .order_by("-revision")
        .values_list("revision", flat=True)
        .first()
    )
    evidence = sorted(
        row["sha256"] or f"link:{row['link']}"
        for row in Evidence.objects.filter(
            obligation__model_service_id=model.pk, obligation__is_current=True
        ).values("sha256", "link")
    )
    return fingerprint.FingerprintInputs(
        source_uri=version.source_uri,
        run_id=version.run_id,
        tags=fingerprint.relevant_tags(version.tags),
        assessment_revision=revision,
        evidence=evidence,
        model_card_hash=fingerprint.model_card_hash(model_card(model)),
    )


def obligation_states(model: ModelService) -> list[policy.ObligationState]:
    return [
        policy.ObligationState(
            code=o.code, article=o.article, title=o.title, done=o.status in Obligation.DONE
        )
        for o in Obligation.objects.filter(model_service=model, is_current=True).order_by(
            "article", "code"
        )
    ]


def requirement_for(model: ModelService, environment: str) -> policy.Requirement | None:
    """The policy for the tier that governs the model: the tier in force, or a proposed one
    awaiting confirmation when it is stricter; ``None`` while nothing is in force."""
    tier = governing_tier(model)
    if not tier or tier not in policy.TIERS:
        return None
    return configuration.requirement(tier, environment)


def blockers(model: ModelService, requirement: policy.Requirement) -> list[str]:
    """What, apart from approvals, keeps a request from being approved."""
    reasons = []
    if not requirement.submittable:
        reasons.append("Prohibited practice (Art. 5): this model may not be deployed.")
    unmet = policy.unmet_obligations(requirement.obligations, obligation_states(model))
    if unmet:
        listed = "; ".join(f"{o.article} {o.title}" for o in unmet[:5])
        more = f" and {len(unmet) - 5} more" if len(unmet) > 5 else ""
        reasons.append(f"{len(unmet)} obligation(s) not met or justified: {listed}{more}.")
    if requirement.model_card:
        missing = fingerprint.model_card_missing(model_card(model))
        if missing:
            reasons.append(
                "The model card is incomplete: "
                + ", ".join(m.replace("_", " ") for m in missing)
                + "."
            )
    return reasons


def eligible_reviewers(request: DeploymentRequest) -> QuerySet[User]:
    """People who may decide: the owning team's reviewers and every compliance officer."""
    team_reviewers = Q(reviewed_teams=request.model_service.owner_team_id) & Q(
        groups__name=Role.REVIEWER
    )
    return (
        User.objects.filter(is_active=True, is_service_account=False)
        .filter(team_reviewers | Q(groups__name__in=[Role.COMPLIANCE_OFFICER]))
        .exclude(pk=request.requested_by_id)
        .distinct()
        .order_by("username")
    )


# --- Lists and pages ------------------------------------------------------------------------
def request_visible(*, user) -> QuerySet[DeploymentRequest]:
    return DeploymentRequest.objects.filter(
        model_service__in=model_service_visible(user=user)
    ).select_related("model_service", "model_version", "requested_by", "model_service__owner_team")


def request_get(*, user, pk) -> DeploymentRequest:
    try:
        return request_visible(user=user).get(pk=pk)
    except (DeploymentRequest.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404("No such deployment request.") from exc


@dataclass(frozen=True)
class InboxFilters:
    tier: str = ""
    environment: str = ""
    team: str = ""
    search: str = ""


def inbox(*, user, filters: InboxFilters | None = None) -> QuerySet[DeploymentRequest]:
    """Requests awaiting review that ``user`` may decide and has not decided, oldest first."""
    f = filters or InboxFilters()
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_service_account", False):
        return DeploymentRequest.objects.none()
    rows = request_visible(user=user).filter(state=State.SUBMITTED).exclude(requested_by=user)
    if not has_role(user, *OVERSIGHT_ROLES):
        if not has_role(user, Role.REVIEWER):
            return DeploymentRequest.objects.none()
        rows = rows.filter(model_service__owner_team__reviewers=user)
    rows = rows.exclude(
        Exists(ApprovalDecision.objects.filter(request=OuterRef("pk"), approver=user))
    )
    if f.tier:
        rows = rows.filter(risk_tier=f.tier)
    if f.environment:
        rows = rows.filter(environment=f.environment)
    if f.team:
        rows = rows.filter(model_service__owner_team__slug=f.team)
    if f.search:
        rows = rows.filter(model_service__name__icontains=f.search)
    return rows.order_by("submitted_at", "created_at")


def requests_for_model(model: ModelService) -> QuerySet[DeploymentRequest]:
    return (
        DeploymentRequest.objects.filter(model_service=model)
        .select_related("model_version", "requested_by")
        .order_by("-created_at")
    )


def approved_for(version: ModelVersion, environment: str) -> DeploymentRequest | None:
    return (
        DeploymentRequest.objects.filter(
            model_version=version, environment=environment, state=State.APPROVED
        )
        .select_related("model_service", "model_version")
        .first()
    )


def last_approved_before(request: DeploymentRequest) -> DeploymentRequest | None:
    """The most recent earlier approval of the same model for the same environment: for an
    open request the latest one; for a decided or closed one, the latest granted before that
    (a later approval is not what its reviewers compared against)."""
    rows = DeploymentRequest.objects.filter(
        model_service_id=request.model_service_id,
        environment=request.environment,
        decided_at__isnull=False,
        state__in=[State.APPROVED, State.EXPIRED, State.STALE, State.REVOKED],
    ).exclude(pk=request.pk)
    cutoff = request.decided_at or request.closed_at
    if cutoff is not None:
        rows = rows.filter(decided_at__lt=cutoff)
    return rows.select_related("model_version").order_by("-decided_at").first()


def drift_open(*, user=None, model: ModelService | None = None) -> QuerySet[DriftFinding]:
    rows = DriftFinding.objects.filter(resolved_at__isnull=True).select_related(
        "model_service", "model_version"
    )
    if model is not None:
        rows = rows.filter(model_service=model)
    if user is not None:
        rows = rows.filter(model_service__in=model_service_visible(user=user))
    return rows.order_by("-created_at")
