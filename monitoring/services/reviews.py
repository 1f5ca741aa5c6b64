"""Periodic recertification reviews per risk tier."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import Deployment
from audit.services import audit_record
from catalog.models import ModelService
from monitoring import configuration, deadlines, outgoing_events, selectors
from monitoring.audit_actions import REVIEW_COMPLETED, REVIEW_SCHEDULED
from monitoring.models import Alert, RecertificationReview
from monitoring.services.alerts import (
    AlertSpec,
    Conflict,
    _alert_raise,
    _clean_comment,
    _resolve_active,
)

Kind = Alert.Kind


def _review_create(model: ModelService, due_on, *, reason: str) -> RecertificationReview:
    review = RecertificationReview.objects.create(
        model_service=model, tier=model.risk_tier, due_on=due_on
    )
    audit_record(
        actor=None,
        action=REVIEW_SCHEDULED,
        target=review,
        subject_id=model.pk,
        after={"due_on": due_on, "tier": model.risk_tier, "reason": reason},
    )
    return review


def reviews_schedule(*, now: datetime | None = None) -> list[RecertificationReview]:
    """Daily: every model that has been deployed, whose tier has a review interval and that
    has no open review gets one, due an interval after its last completed review (else after
    its first deployment)."""
    now = now or timezone.now()
    table = configuration.recertification_months()
    open_review = RecertificationReview.objects.filter(
        model_service=OuterRef("pk"), completed_at__isnull=True
    )
    deployed = Deployment.objects.filter(model_service=OuterRef("pk"))
    created = []
    for model in (
        ModelService.objects.filter(risk_tier__in=list(table))
        .filter(Exists(deployed))
        .exclude(Exists(open_review))
    ):
        with transaction.atomic():
            model = ModelService.objects.select_for_update().get(pk=model.pk)
            if RecertificationReview.objects.filter(
                model_service=model, completed_at__isnull=True
            ).exists():
                continue
            last = (
                RecertificationReview.objects.filter(
                    model_service=model, completed_at__isnull=False
                )
                .order_by("-completed_at")
                .first()
            )
            if last is not None:
                start, reason = timezone.localdate(last.completed_at), "after the last review"
            else:
                first = Deployment.objects.filter(model_service=model).order_by("deployed_at")[0]
                start, reason = timezone.localdate(first.deployed_at), "after first deployment"
            months = table[model.risk_tier]
            created.append(
                _review_create(
                    model,
                    deadlines.add_months(start, months),
                    reason=f"{months} months {reason}",
                )
            )
    return created


def reviews_due_for_reminder(*, now: datetime | None = None) -> list[RecertificationReview]:
    """Open reviews entering the reminder window that were not reminded yet; marks them
    reminded (not audited: nothing about the review changes)."""
    now = now or timezone.now()
    window = timedelta(days=configuration.recertification_reminder_days())
    horizon = timezone.localdate(now) + window
    with transaction.atomic():
        rows = list(
            RecertificationReview.objects.select_for_update(skip_locked=True)
            .filter(completed_at__isnull=True, reminded_at__isnull=True, due_on__lte=horizon)
            .select_related("model_service")
        )
        RecertificationReview.objects.filter(pk__in=[r.pk for r in rows]).update(reminded_at=now)
        for review in rows:  # announced once, with the reminder, through the outbox
            outgoing_events.recertification_due(review)
    return rows


def reviews_check_overdue(*, now: datetime | None = None) -> list[Alert]:
    """Daily: an open review past its due date opens a "recertification overdue" alert."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    opened = []
    for review in RecertificationReview.objects.filter(
        completed_at__isnull=True, due_on__lt=today
    ).select_related("model_service"):
        with transaction.atomic():
            alert, created = _alert_raise(
                AlertSpec(
                    model_service=review.model_service,
                    kind=Kind.REVIEW_OVERDUE,
                    subject=str(review.pk),
                    title=f"Recertification review overdue since {review.due_on:%Y-%m-%d}",
                    detail=(
                        f"The periodic review of this {review.tier}-risk model was due on "
                        f"{review.due_on:%Y-%m-%d}. Review its metrics, alerts, incidents and "
                        "documentation, and record the outcome."
                    ),
                    observed_value=(today - review.due_on).days,
                    context={"review": str(review.pk)},
                    seen_at=now,
                )
            )
        if created:
            opened.append(alert)
    return opened


@transaction.atomic
def review_complete(
    *, actor, review: RecertificationReview, outcome: str, comment: str
) -> RecertificationReview:
    """Record a recertification review's outcome (the team's reviewers, compliance officers,
    admins). Resolves its "overdue" alert and schedules the next review, unless the outcome
    is to retire the model."""
    review = (
        RecertificationReview.objects.select_for_update()
        .select_related("model_service")
        .get(pk=review.pk)
    )
    model = review.model_service
    if not selectors.can_complete_review(actor, model):
        raise PermissionDenied(
            _("Only the team's reviewers and compliance officers complete recertification reviews.")
        )
    if review.completed_at is not None:
        raise Conflict(_("This review is already completed."))
    if outcome not in RecertificationReview.Outcome.values:
        raise ValidationError(
            {
                "outcome": [
                    _("One of: %(values)s")
                    % {"values": ", ".join(RecertificationReview.Outcome.values)}
                ]
            }
        )
    comment = _clean_comment(comment, "what was reviewed and concluded")
    now = timezone.now()
    review.completed_at, review.completed_by = now, actor
    review.outcome, review.comment = outcome, comment
    review.save(update_fields=["completed_at", "completed_by", "outcome", "comment", "updated_at"])
    audit_record(
        actor=actor,
        action=REVIEW_COMPLETED,
        target=review,
        subject_id=model.pk,
        after={"outcome": outcome, "comment": comment, "due_on": review.due_on},
    )
    _resolve_active(
        actor=actor,
        model_service_id=model.pk,
        kind=Kind.REVIEW_OVERDUE,
        subject=str(review.pk),
        comment=f"Review completed: {review.get_outcome_display()}.",
    )
    months = configuration.recertification_months().get(model.risk_tier)
    if outcome != RecertificationReview.Outcome.RETIRE and months:
        _review_create(
            model,
            deadlines.add_months(timezone.localdate(now), months),
            reason=f"{months} months after the last review",
        )
    return review
