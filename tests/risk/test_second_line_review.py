"""Second-line review of risk assessments (red-team finding 1: an owner lowered her own model's
tier, high to minimal, and so skipped the high-risk approval rule)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts import services as account_services
from accounts.roles import Role
from approvals import gate
from approvals import services as approvals
from approvals.models import DeploymentRequest
from common.errors import Conflict
from risk import services
from risk.models import RiskAssessment
from tests.approvals.approval_helpers import ANSWERS, assessed_model, meet_all_obligations

pytestmark = pytest.mark.django_db
State = DeploymentRequest.State


def _request(personas, model, environment="production"):
    return approvals.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="1"),
        environment=environment,
        justification="Retrained on 2026 data.",
    )


def test_an_owner_cannot_lower_her_own_models_tier_to_skip_the_high_risk_rule(personas):
    model = assessed_model(personas, "high")
    meet_all_obligations(personas, model)
    proposal = services.assessment_submit(
        actor=personas.owner, model_service=model, answers=ANSWERS["minimal"]
    )
    assert proposal.status == RiskAssessment.Status.PROPOSED and proposal.tier == "minimal"
    model.refresh_from_db()
    assert model.risk_tier == "high"  # the tier in force stays

    request = _request(personas, model)
    assert request.risk_tier == "high"
    assert request.requirement["approvals"] == 2
    assert request.requirement["compliance_approvals"] == 1
    request = approvals.deployment_request_decide(
        actor=personas.reviewer, request=request, verdict="approve"
    )
    assert request.state == State.SUBMITTED  # one reviewer is not enough
    answer = gate.evaluate(model_version=request.model_version, environment="production")
    assert answer.allowed is False


def test_a_stricter_proposal_governs_new_requests_at_once(personas):
    model = assessed_model(personas, "minimal")
    services.assessment_submit(actor=personas.owner, model_service=model, answers=ANSWERS["high"])
    model.refresh_from_db()
    assert model.risk_tier == "minimal"
    request = _request(personas, model)
    assert request.risk_tier == "high" and request.requirement["compliance_approvals"] == 1


def test_a_request_opened_under_a_tier_keeps_its_requirement_when_the_tier_is_lowered(personas):
    model = assessed_model(personas, "high")
    meet_all_obligations(personas, model)
    request = _request(personas, model)
    proposal = services.assessment_submit(
        actor=personas.owner, model_service=model, answers=ANSWERS["minimal"]
    )
    services.assessment_confirm(actor=personas.compliance, assessment=proposal, comment="Checked.")
    model.refresh_from_db()
    assert model.risk_tier == "minimal"
    request.refresh_from_db()
    assert request.requirement["approvals"] == 2 and request.risk_tier == "high"


def test_a_compliance_officer_confirms_and_the_tier_takes_effect(personas):
    model = assessed_model(personas, "high")
    proposal = services.assessment_submit(
        actor=personas.owner, model_service=model, answers=ANSWERS["limited"]
    )
    confirmed = services.assessment_confirm(actor=personas.compliance, assessment=proposal)
    model.refresh_from_db()
    assert confirmed.status == RiskAssessment.Status.SUBMITTED
    assert confirmed.confirmed_by == personas.compliance and model.risk_tier == "limited"
    with pytest.raises(Conflict):
        services.assessment_confirm(actor=personas.compliance, assessment=proposal)


def test_compliance_officers_classify_directly_audited_as_such(personas):
    from audit.models import AuditEvent

    model = assessed_model(personas, "minimal")  # helper classifies as an admin
    direct = services.assessment_submit(
        actor=personas.compliance, model_service=model, answers=ANSWERS["high"]
    )
    assert direct.status == RiskAssessment.Status.SUBMITTED
    model.refresh_from_db()
    assert model.risk_tier == "high"
    event = AuditEvent.objects.filter(action="governance.assessment_submitted").latest("seq")
    assert event.after["second_line"] == "classified directly by a compliance officer"


def test_only_compliance_officers_confirm_and_never_their_own_proposal(personas):
    model = assessed_model(personas, "high")
    proposal = services.assessment_submit(
        actor=personas.owner, model_service=model, answers=ANSWERS["minimal"]
    )
    for someone in (personas.owner, personas.teammate, personas.reviewer, personas.auditor):
        with pytest.raises(PermissionDenied):
            services.assessment_confirm(actor=someone, assessment=proposal)
    # Even once she holds the role, the submitter does not confirm her own proposal.
    account_services.user_role_grant(
        actor=personas.admin, user=personas.owner, role=Role.COMPLIANCE_OFFICER
    )
    with pytest.raises(PermissionDenied, match="Separation of duties"):
        services.assessment_confirm(actor=personas.owner, assessment=proposal)
    model.refresh_from_db()
    assert model.risk_tier == "high"


def test_the_database_refuses_a_confirmer_who_is_the_submitter(personas):
    model = assessed_model(personas, "high")
    proposal = services.assessment_submit(
        actor=personas.owner, model_service=model, answers=ANSWERS["minimal"]
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskAssessment.objects.filter(pk=proposal.pk).update(
            status="submitted", confirmed_by=personas.owner
        )


def test_returning_a_proposal_needs_a_reason_and_changes_nothing(personas):
    model = assessed_model(personas, "high")
    proposal = services.assessment_submit(
        actor=personas.owner, model_service=model, answers=ANSWERS["minimal"]
    )
    with pytest.raises(ValidationError):
        services.assessment_return(actor=personas.compliance, assessment=proposal, comment=" ")
    returned = services.assessment_return(
        actor=personas.compliance, assessment=proposal, comment="Credit scoring is Annex III 5(b)."
    )
    model.refresh_from_db()
    assert returned.status == RiskAssessment.Status.RETURNED and model.risk_tier == "high"


def test_a_new_proposal_supersedes_the_one_waiting(personas):
    model = assessed_model(personas, "high")
    first = services.assessment_submit(
        actor=personas.owner, model_service=model, answers=ANSWERS["minimal"]
    )
    second = services.assessment_submit(
        actor=personas.teammate, model_service=model, answers=ANSWERS["limited"]
    )
    first.refresh_from_db()
    assert first.status == RiskAssessment.Status.SUPERSEDED
    assert second.status == RiskAssessment.Status.PROPOSED and second.revision == first.revision + 1


def test_review_page_shows_answers_side_by_side_and_forms_only_to_compliance(client_for, personas):
    model = assessed_model(personas, "high")
    services.assessment_submit(
        actor=personas.owner, model_service=model, answers=ANSWERS["minimal"]
    )
    proposal = RiskAssessment.objects.get(model_service=model, status="proposed")
    url = reverse("risk:assessment-review", args=[model.pk, proposal.revision])
    page = client_for(personas.compliance).get(url).content.decode()
    assert "Answers side by side" in page and "row--changed" in page
    assert "Confirm and put in force" in page and "Return to the team" in page
    owner_page = client_for(personas.owner).get(url).content.decode()
    assert "Confirm and put in force" not in owner_page
    assert client_for(personas.outsider).get(url).status_code == 404
    confirm = reverse("risk:assessment-confirm", args=[model.pk, proposal.revision])
    assert client_for(personas.owner).post(confirm).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


def test_compliance_officers_find_proposals_in_their_reviews_inbox(client_for, personas):
    model = assessed_model(personas, "high")
    services.assessment_submit(
        actor=personas.owner, model_service=model, answers=ANSWERS["minimal"]
    )
    page = client_for(personas.compliance).get(reverse("approvals:inbox")).content.decode()
    assert "Risk assessments awaiting your confirmation" in page and model.name in page
    reviewer_page = client_for(personas.reviewer).get(reverse("approvals:inbox")).content.decode()
    assert "Risk assessments awaiting your confirmation" not in reviewer_page
