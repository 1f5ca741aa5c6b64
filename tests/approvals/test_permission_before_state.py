"""Permission before state (red-team finding 8): an actor who may not withdraw or revoke a
request learns nothing about its state from the refusal."""

import pytest
from django.core.exceptions import PermissionDenied

from approvals import services
from common.errors import Conflict
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db


def _request(personas, model):
    return services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="1"),
        environment="production",
        justification="Quarterly retrain.",
    )


@pytest.mark.parametrize("state", ["submitted", "approved"])
def test_withdraw_refuses_an_outsider_the_same_way_in_every_state(personas, state):
    request = _request(personas, assessed_model(personas, "minimal"))
    if state == "approved":
        request = services.deployment_request_decide(
            actor=personas.reviewer, request=request, verdict="approve"
        )
    with pytest.raises(PermissionDenied):
        services.deployment_request_withdraw(actor=personas.viewer, request=request)


@pytest.mark.parametrize("state", ["submitted", "approved"])
def test_revoke_refuses_an_outsider_the_same_way_in_every_state(personas, state):
    request = _request(personas, assessed_model(personas, "minimal"))
    if state == "approved":
        request = services.deployment_request_decide(
            actor=personas.reviewer, request=request, verdict="approve"
        )
    with pytest.raises(PermissionDenied):
        services.approval_revoke(actor=personas.owner, request=request, reason="x")


def test_an_allowed_actor_still_learns_the_state_conflict(personas):
    request = _request(personas, assessed_model(personas, "minimal"))
    with pytest.raises(Conflict, match="Only an approved request"):
        services.approval_revoke(actor=personas.compliance, request=request, reason="x")
