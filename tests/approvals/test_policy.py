"""The approval policy as data: defaults per tier and environment, overrides, and the start-up
check that refuses a malformed override. Pure functions, table-driven."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from approvals import fingerprint, policy
from approvals.policy import ObligationState, Requirement, Vote


@pytest.mark.parametrize(
    ("tier", "env", "approvals", "compliance", "obligations", "card", "submittable"),
    [
        ("minimal", "production", 1, 0, "none", False, True),
        ("limited", "production", 1, 0, "art50", False, True),
        ("limited", "staging", 1, 0, "none", False, True),
        ("high", "production", 2, 1, "all", True, True),
        ("high", "staging", 1, 0, "none", False, True),
        ("high", "canary", 2, 1, "all", True, True),  # unnamed environments get the default
        ("prohibited", "production", 0, 0, "none", False, False),
    ],
)
def test_default_requirements(tier, env, approvals, compliance, obligations, card, submittable):
    req = policy.requirement(tier, env)
    assert (req.approvals, req.compliance_approvals, req.obligations) == (
        approvals,
        compliance,
        obligations,
    )
    assert (req.model_card, req.submittable) == (card, submittable)


def test_overrides_apply_star_then_the_environment():
    overrides = policy.parse_overrides(
        '{"minimal": {"*": {"validity_days": 90}, "production": {"approvals": 2}}}'
    )
    assert policy.requirement("minimal", "staging", overrides).validity_days == 90
    prod = policy.requirement("minimal", "production", overrides)
    assert (prod.approvals, prod.validity_days) == (2, 90)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1]", "JSON object"),
        ('{"extreme": {}}', "unknown risk tier"),
        ('{"high": {"production": {"approvers": 2}}}', "unknown field"),
        ('{"high": {"production": {"approvals": 0}}}', "at least 1 approval"),
        ('{"high": {"production": {"approvals": "2"}}}', "whole number"),
        ('{"high": {"production": {"compliance_approvals": 3}}}', "cannot exceed"),
        ('{"high": {"production": {"obligations": "some"}}}', "obligations"),
        ('{"high": {"production": {"model_card": 1}}}', "true or false"),
    ],
)
def test_malformed_overrides_are_refused_with_a_reason(raw, message):
    with pytest.raises(policy.PolicyError, match=message):
        policy.parse_overrides(raw)


def test_a_malformed_policy_stops_start_up(settings):
    settings.ATTEST_APPROVAL_POLICY = '{"high": {"production": {"approvals": -1}}}'
    settings.ATTEST_ENVIRONMENT_ALIASES = "moon=prod"
    ids = {message.id for message in run_checks()}
    assert {"attest.E003", "attest.E005"} <= ids


def test_tally_counts_distinct_approvers_and_compliance_officers():
    req = Requirement(approvals=2, compliance_approvals=1)
    assert policy.tally(req, [Vote("a", True, False)]) == (
        False,
        ["1 more approval(s) needed", "1 approval(s) by a compliance officer needed"],
    )
    assert policy.tally(req, [Vote("a", True, False), Vote("a", True, False)])[0] is False
    assert policy.tally(req, [Vote("a", True, False), Vote("b", False, True)])[0] is False
    assert policy.tally(req, [Vote("a", True, False), Vote("b", True, True)]) == (True, [])


def test_art50_scope_only_counts_transparency_obligations():
    items = [
        ObligationState("a", "Art. 50(1)", "Disclose AI interaction", done=False),
        ObligationState("b", "Art. 9", "Risk management", done=False),
        ObligationState("c", "Art. 50(2)", "Mark synthetic content", done=True),
    ]
    assert [o.code for o in policy.unmet_obligations("art50", items)] == ["a"]
    assert [o.code for o in policy.unmet_obligations("all", items)] == ["a", "b"]
    assert policy.unmet_obligations("none", items) == []


def _inputs(**changes):
    base = {
        "source_uri": "s3://m/1",
        "run_id": "r1",
        "tags": {"team": "credit"},
        "assessment_revision": 3,
        "evidence": ["a" * 64, "link:https://x"],
        "model_card_hash": "c" * 64,
    }
    return fingerprint.FingerprintInputs(**{**base, **changes})


@pytest.mark.parametrize(
    ("change", "label"),
    [
        ({"source_uri": "s3://m/2"}, "the version's source URI"),
        ({"run_id": "r2"}, "the training run"),
        ({"tags": {"team": "fraud"}}, "the version's registry tags"),
        ({"assessment_revision": 4}, "the risk assessment"),
        ({"evidence": ["a" * 64]}, "the evidence"),
        ({"model_card_hash": "d" * 64}, "the model card"),
    ],
)
def test_every_bound_input_changes_the_fingerprint(change, label):
    before, after = _inputs(), _inputs(**change)
    assert before.digest() != after.digest()
    assert fingerprint.changed_inputs(before.as_dict(), after.as_dict()) == [label]


def test_our_own_and_mlflow_tags_do_not_change_what_was_approved():
    tags = {"team": "credit", "attest.status": "approved", "mlflow.source.git.commit": "abc"}
    assert fingerprint.relevant_tags(tags) == {"team": "credit"}
    assert _inputs().digest() == _inputs().digest()  # deterministic
