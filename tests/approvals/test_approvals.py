"""Deployment requests and decisions: the policy per tier, separation of duties (P1, P2),
database-held rules (P4), fingerprint staleness, expiry and revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from approvals import services
from approvals.models import ApprovalDecision, DeploymentRequest
from audit.models import AuditEvent
from catalog import services as catalog_services
from risk import services as assessment_services
from risk.models import Obligation
from tests.approvals.approval_helpers import assessed_model, meet_all_obligations

State = DeploymentRequest.State
pytestmark = pytest.mark.django_db


def _request(personas, model, environment="production", version="1", **kwargs):
    return services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version=version),
        environment=environment,
        justification="Better AUC on the hold-out set.",
        metrics={"auc": 0.91},
        **kwargs,
    )


def _actions(model) -> list[str]:
    return list(
        AuditEvent.objects.filter(subject_id=model.pk)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_minimal_tier_needs_one_reviewer_and_binds_fingerprint_and_expiry(
    personas, django_capture_on_commit_callbacks
):
    model = assessed_model(personas, "minimal")
    with django_capture_on_commit_callbacks(execute=True):
        request = _request(personas, model)
    assert request.state == State.SUBMITTED and request.requirement["approvals"] == 1
    # reviewers of the owning team and compliance officers are told
    assert {m.to[0] for m in mail.outbox} == {"reviewer@example.com", "compliance@example.com"}
    with django_capture_on_commit_callbacks(execute=True):
        request = services.deployment_request_decide(
            actor=personas.reviewer, request=request, verdict="approve", comment="ok"
        )
    assert request.state == State.APPROVED
    assert len(request.fingerprint) == 64 and request.expires_at > timezone.now() + timedelta(
        days=700
    )
    assert mail.outbox[-1].to == ["owner@example.com"] and "Approved" in mail.outbox[-1].subject
    assert _actions(model)[-2:] == ["governance.request_submitted", "governance.request_approved"]


def test_high_tier_needs_two_approvers_one_a_compliance_officer(personas):
    model = assessed_model(personas, "high")
    meet_all_obligations(personas, model)
    request = _request(personas, model)
    assert (
        request.requirement["approvals"] == 2 and request.requirement["compliance_approvals"] == 1
    )
    request = services.deployment_request_decide(
        actor=personas.reviewer, request=request, verdict="approve"
    )
    assert request.state == State.SUBMITTED  # one approval is not enough
    other_reviewer = personas.other_reviewer
    personas.team.reviewers.add(other_reviewer)
    request = services.deployment_request_decide(
        actor=other_reviewer, request=request, verdict="approve"
    )
    assert request.state == State.SUBMITTED  # two approvals, but no compliance officer
    request = services.deployment_request_decide(
        actor=personas.compliance, request=request, verdict="approve"
    )
    assert request.state == State.APPROVED


def test_high_tier_cannot_be_approved_with_open_obligations_or_incomplete_card(personas):
    model = assessed_model(personas, "high", card=False)
    request = _request(personas, model)
    with pytest.raises(services.Conflict, match="obligation"):
        services.deployment_request_decide(
            actor=personas.compliance, request=request, verdict="approve"
        )
    meet_all_obligations(personas, model)
    with pytest.raises(services.Conflict, match="model card is incomplete"):
        services.deployment_request_decide(
            actor=personas.compliance, request=request, verdict="approve"
        )
    # rejecting is always possible, with a comment
    with pytest.raises(ValidationError):
        services.deployment_request_decide(
            actor=personas.compliance, request=request, verdict="reject"
        )
    request = services.deployment_request_decide(
        actor=personas.compliance, request=request, verdict="reject", comment="Card first."
    )
    assert request.state == State.REJECTED


def test_limited_tier_needs_art50_obligations_in_production_only(personas):
    model = assessed_model(personas, "limited", versions=("1", "2"))
    prod = _request(personas, model)
    with pytest.raises(services.Conflict, match="Art. 50"):
        services.deployment_request_decide(actor=personas.reviewer, request=prod, verdict="approve")
    staging = _request(personas, model, environment="staging")
    assert (
        services.deployment_request_decide(
            actor=personas.reviewer, request=staging, verdict="approve"
        ).state
        == State.APPROVED
    )
    for o in Obligation.objects.filter(
        model_service=model, is_current=True, article__startswith="Art. 50"
    ):
        assessment_services.obligation_update(
            actor=personas.compliance, obligation=o, status="met", justification="Disclosure shown."
        )
    assert (
        services.deployment_request_decide(
            actor=personas.reviewer, request=prod, verdict="approve"
        ).state
        == State.APPROVED
    )


def test_prohibited_and_unassessed_models_cannot_even_submit(personas):
    prohibited = assessed_model(personas, "prohibited")
    with pytest.raises(ValidationError, match="Prohibited"):
        _request(personas, prohibited)
    from tests.factories import ModelServiceFactory, ModelVersionFactory

    fresh = ModelServiceFactory(owner_team=personas.team)
    ModelVersionFactory(model_service=fresh, version="1")
    with pytest.raises(ValidationError, match="assess it first"):
        _request(personas, fresh)
    assert not DeploymentRequest.objects.exists()


def test_bad_input_is_refused_clearly(personas):
    model = assessed_model(personas, "minimal")
    version = model.versions.get()
    cases = [
        ({"environment": "moon"}, "environment"),
        ({"justification": "   "}, "justification"),
        ({"metrics": {"auc": float("nan")}}, "metrics"),
        ({"metrics": [1, 2]}, "metrics"),
        ({"links": ["file:///etc/passwd"]}, "links"),
    ]
    for override, field in cases:
        kwargs = {
            "environment": "production",
            "justification": "why",
            "metrics": {},
            "links": [],
            **override,
        }
        with pytest.raises(ValidationError) as exc:
            services.deployment_request_create(
                actor=personas.owner, model_version=version, **kwargs
            )
        assert field in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.deployment_request_create(
            actor=personas.other_owner,
            model_version=version,
            environment="production",
            justification="why",
        )


def test_p1_self_approval_is_refused_by_service_and_by_the_database(personas):
    model = assessed_model(personas, "minimal")
    request = _request(personas, model)
    with pytest.raises(PermissionDenied, match="Separation of duties"):
        services.deployment_request_decide(actor=personas.owner, request=request, verdict="approve")
    assert "governance.decision_refused" in _actions(model)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalDecision.objects.create(
            request=request,
            approver=personas.owner,
            requester=personas.owner,
            verdict="approve",
            fingerprint="x" * 64,
        )


def test_p2_same_approver_twice_is_a_conflict_and_refused_by_the_database(personas):
    model = assessed_model(personas, "high")
    meet_all_obligations(personas, model)
    request = _request(personas, model)
    services.deployment_request_decide(actor=personas.reviewer, request=request, verdict="approve")
    with pytest.raises(services.Conflict, match="already decided"):
        services.deployment_request_decide(
            actor=personas.reviewer, request=request, verdict="approve"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalDecision.objects.create(
            request=request,
            approver=personas.reviewer,
            requester=personas.owner,
            verdict="approve",
            fingerprint="x" * 64,
        )


def test_p4_illegal_state_changes_by_bulk_update_are_refused_by_the_database(personas):
    model = assessed_model(personas, "minimal", versions=("1", "2"))
    submitted = _request(personas, model)
    rejected = services.deployment_request_decide(
        actor=personas.reviewer,
        request=_request(personas, model, version="2"),
        verdict="reject",
        comment="no",
    )
    for row, state in [
        (submitted, "approved"),  # approving without approvals
        (submitted, "expired"),  # skipping approval
        (rejected, "approved"),  # resurrecting a rejected request
        (rejected, "submitted"),
    ]:
        with pytest.raises(DatabaseError), transaction.atomic():
            DeploymentRequest.objects.filter(pk=row.pk).update(state=state)
    with pytest.raises(DatabaseError), transaction.atomic():  # decisions are final
        ApprovalDecision.objects.filter(request=rejected).update(verdict="approve")
    with pytest.raises(DatabaseError), transaction.atomic():
        ApprovalDecision.objects.filter(request=rejected).delete()
    with pytest.raises(DatabaseError), transaction.atomic():  # no decision on a closed request
        ApprovalDecision.objects.create(
            request=rejected,
            approver=personas.compliance,
            requester=personas.owner,
            verdict="approve",
            fingerprint="x" * 64,
        )
    assert DeploymentRequest.objects.get(pk=rejected.pk).state == "rejected"


def test_one_open_request_per_version_and_environment(personas):
    model = assessed_model(personas, "minimal")
    _request(personas, model)
    with pytest.raises(services.Conflict):
        _request(personas, model)
    _request(personas, model, environment="staging")  # another environment is fine


def test_changing_evidence_or_model_card_makes_the_approval_stale_and_asks_for_rereview(
    personas, django_capture_on_commit_callbacks
):
    model = assessed_model(personas, "minimal")
    request = services.deployment_request_decide(
        actor=personas.reviewer, request=_request(personas, model), verdict="approve"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.model_service_update_metadata(
            actor=personas.owner, model_service=model, changes={"limitations": "Now documented."}
        )
    request.refresh_from_db()
    assert request.state == State.STALE and "the model card" in request.closed_reason
    rereview = DeploymentRequest.objects.get(supersedes=request)
    assert rereview.state == State.SUBMITTED and rereview.channel == "system"
    assert any("Re-review" in m.subject for m in mail.outbox)
    actions = _actions(model)
    assert actions[-3:] == [
        "catalog.model_updated",
        "governance.approval_staled",
        "governance.request_submitted",
    ]
    # the re-review is decided on what is there now; evidence added later stales it again
    approved = services.deployment_request_decide(
        actor=personas.reviewer, request=rereview, verdict="approve"
    )
    obligation = Obligation.objects.filter(model_service=model, is_current=True).first()
    assessment_services.evidence_add(
        actor=personas.owner, obligation=obligation, link="https://wiki.example.com/eval"
    )
    approved.refresh_from_db()
    assert approved.state == State.STALE and "the evidence" in approved.closed_reason


def test_approval_expires_and_revocation_needs_a_reason(personas):
    model = assessed_model(personas, "minimal", versions=("1", "2"))
    first = services.deployment_request_decide(
        actor=personas.reviewer, request=_request(personas, model), verdict="approve"
    )
    assert services.approvals_expire(now=timezone.now()) == 0
    assert services.approvals_expire(now=first.expires_at + timedelta(seconds=1)) == 1
    first.refresh_from_db()
    assert first.state == State.EXPIRED
    second = services.deployment_request_decide(
        actor=personas.reviewer, request=_request(personas, model, version="2"), verdict="approve"
    )
    with pytest.raises(PermissionDenied):
        services.approval_revoke(actor=personas.owner, request=second, reason="x")
    with pytest.raises(ValidationError):
        services.approval_revoke(actor=personas.compliance, request=second, reason=" ")
    services.approval_revoke(actor=personas.compliance, request=second, reason="Bias found.")
    second.refresh_from_db()
    assert second.state == State.REVOKED and second.closed_by == personas.compliance
    assert "governance.approval_expired" in _actions(model)
    assert "governance.approval_revoked" in _actions(model)


def test_marking_for_rereview_stales_only_an_approval_in_force_and_needs_a_reason(personas):
    model = assessed_model(personas, "minimal")
    approval = services.deployment_request_decide(
        actor=personas.reviewer, request=_request(personas, model), verdict="approve"
    )
    with pytest.raises(ValidationError):
        services.approval_mark_for_rereview(request=approval, reason="  ")
    rereview = services.approval_mark_for_rereview(request=approval, reason="AUC fell to 0.61")
    approval.refresh_from_db()
    assert approval.state == State.STALE and approval.closed_reason == "AUC fell to 0.61"
    assert rereview.supersedes == approval and rereview.state == State.SUBMITTED
    # Already stale: nothing changes, no second re-review request.
    assert services.approval_mark_for_rereview(request=approval, reason="again") is None
    assert _actions(model).count("governance.approval_staled") == 1
    assert DeploymentRequest.objects.filter(supersedes=approval).count() == 1


def test_expiry_reminders_are_sent_once(personas):
    model = assessed_model(personas, "minimal")
    request = services.deployment_request_decide(
        actor=personas.reviewer, request=_request(personas, model), verdict="approve"
    )
    from approvals import tasks

    mail.outbox.clear()
    assert tasks.remind_expiring() == 0  # two years away
    DeploymentRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() + timedelta(days=10)
    )
    assert tasks.remind_expiring() == 1
    assert tasks.remind_expiring() == 0
    assert any("expiring" in m.subject for m in mail.outbox)


def test_a_superuser_approval_does_not_stand_in_for_a_compliance_officer(personas):
    model = assessed_model(personas, "high")
    meet_all_obligations(personas, model)
    request = _request(personas, model)
    admin = personas.admin
    admin.is_superuser = True
    admin.save()
    services.deployment_request_decide(actor=personas.reviewer, request=request, verdict="approve")
    request = services.deployment_request_decide(actor=admin, request=request, verdict="approve")
    assert request.state == State.SUBMITTED  # two approvals, none by a compliance officer
    assert not request.decisions.get(approver=admin).as_compliance


def test_a_version_deleted_in_the_registry_cannot_be_requested(personas):
    model = assessed_model(personas, "minimal")
    model.versions.update(registry_deleted_at=timezone.now())
    with pytest.raises(ValidationError, match="deleted in the registry"):
        _request(personas, model)


def test_someone_who_may_not_decide_gets_403_even_for_an_empty_reject(personas):
    model = assessed_model(personas, "minimal")
    request = _request(personas, model)
    with pytest.raises(PermissionDenied):
        services.deployment_request_decide(
            actor=personas.auditor, request=request, verdict="reject"
        )
    assert "governance.decision_refused" in _actions(model)
