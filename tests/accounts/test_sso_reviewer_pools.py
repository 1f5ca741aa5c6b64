"""ATTEST_SSO_GROUP_MAP grants reviewer-pool membership per team (issue 20, point 11: a reviewer
who arrived by SSO had an empty inbox until an admin added them by hand), and takes it away
when the group goes away at the next sign-in; each change audited like every grant."""

import json

import pytest

from accounts import services
from accounts.sso.mapping import GroupMapError, grants_for, manages_reviewer_pools, parse_group_map
from audit.models import AuditEvent
from catalog.selectors import model_service_visible
from tests.factories import UserFactory

MAP = parse_group_map(
    json.dumps(
        {
            "credit-reviewers": {"roles": ["reviewer"], "reviews": ["credit-risk"]},
            "fraud-reviewers": {"roles": ["reviewer"], "reviews": ["fraud"]},
        }
    )
)


def test_reviews_are_granted_per_group_and_united():
    grants = grants_for(["credit-reviewers", "fraud-reviewers"], MAP)
    assert grants.reviews == {"credit-risk", "fraud"} and grants.roles == {"reviewer"}
    assert manages_reviewer_pools(MAP)
    assert not manages_reviewer_pools(parse_group_map('{"g": {"roles": ["auditor"]}}'))


@pytest.mark.parametrize("raw", ['{"g": {"reviews": "credit-risk"}}', '{"g": {"reviews": [1]}}'])
def test_bad_reviews_are_explained(raw):
    with pytest.raises(GroupMapError, match="lists of strings"):
        parse_group_map(raw)


@pytest.mark.django_db
def test_sign_in_puts_the_reviewer_in_the_pool_and_the_next_one_takes_it_away(
    personas, owned_model
):
    rita = UserFactory(username="rita-sso")
    grants = grants_for(["credit-reviewers"], MAP)
    services.user_sso_sync(
        user=rita, roles=set(grants.roles), team_slugs=set(), reviewer_team_slugs=grants.reviews
    )
    assert personas.team.reviewers.filter(pk=rita.pk).exists()
    assert owned_model in model_service_visible(user=rita)  # the pool shows the team's models
    added = AuditEvent.objects.get(
        action="accounts.team_reviewer_added", target_id=str(personas.team.pk)
    )
    assert added.after == {"reviewer": "rita-sso"} and added.actor_label == "system"

    grants = grants_for(["fraud-reviewers"], MAP)  # moved to the fraud group at the provider
    services.user_sso_sync(
        user=rita, roles=set(grants.roles), team_slugs=set(), reviewer_team_slugs=grants.reviews
    )
    assert not personas.team.reviewers.filter(pk=rita.pk).exists()
    assert personas.other_team.reviewers.filter(pk=rita.pk).exists()
    assert AuditEvent.objects.filter(
        action="accounts.team_reviewer_removed", target_id=str(personas.team.pk)
    ).exists()


@pytest.mark.django_db
def test_a_mapping_without_reviews_leaves_pools_as_administrators_set_them(personas):
    services.user_sso_sync(
        user=personas.reviewer, roles={"reviewer"}, team_slugs=set(), reviewer_team_slugs=None
    )
    assert personas.team.reviewers.filter(pk=personas.reviewer.pk).exists()
