"""The groups-claim mapping, table-driven (pure, no database)."""

import json

import pytest

from accounts.sso.mapping import Grants, GroupMapError, grants_for, parse_group_map

MAP = parse_group_map(
    json.dumps(
        {
            "ml-credit": {"roles": ["model-owner"], "teams": ["credit-risk"]},
            "ml-fraud": {"roles": ["model-owner"], "teams": ["fraud"]},
            "auditors": {"roles": ["auditor"]},
        }
    )
)


@pytest.mark.parametrize(
    ("groups", "roles", "teams"),
    [
        (["ml-credit"], {"model-owner"}, {"credit-risk"}),
        (["ml-credit", "ml-fraud"], {"model-owner"}, {"credit-risk", "fraud"}),
        (["auditors", "unmapped"], {"auditor"}, set()),
        ("auditors", {"auditor"}, set()),  # some providers send a single string
        ([], set(), set()),
        (None, set(), set()),
    ],
)
def test_grants_for(groups, roles, teams):
    assert grants_for(groups, MAP) == Grants(roles=frozenset(roles), teams=frozenset(teams))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"g": ["admin"]}', "give an object"),
        ('{"g": {"roles": ["emperor"]}}', "unknown role"),
        ('{"g": {"roles": [1]}}', "lists of strings"),
        ('{"g": {"role": ["admin"]}}', "give an object"),
    ],
)
def test_bad_mappings_are_explained(raw, message):
    with pytest.raises(GroupMapError, match=message):
        parse_group_map(raw)


def test_empty_mapping_grants_nothing():
    assert parse_group_map("  ") == {}


def test_system_check_reports_bad_mapping(settings):
    from accounts.checks import sso_configuration

    settings.ATTEST_SSO_GROUP_MAP = "{bad"
    assert [e.id for e in sso_configuration(None)] == ["attest.E001"]
