"""The fast canonical form (orjson) is byte-identical to the documented json.dumps form, for
varied events: unicode, nesting, floats, big integers, nulls, control characters."""

import json

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import chain
from audit.models import AuditEvent
from audit.services import audit_record
from audit.verification import canonical_rows

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
HAND_PICKED = [
    None,
    {},
    [],
    {"f": [1e-05, 1e16, 1e15, 0.1 + 0.2, -0.0, 5e-324, 1.7976931348623157e308, 2.5, 1.0]},
    {"int": [2**63, 2**64, -(2**64), 10**20, 123456789012345678]},
    {"é": "ünïcødé ✓ 🎉", "\u2028": '\x00\x1f\x7f"\\\n\t\b\f\r', "z": {"y": {"x": [None]}}},
    {"ip": "10.0.0.1", "when": "2026-11-22T10:00:00.5Z", "v": "1.2e3"},
    ["mixed", 1, 1.5, None, True, {"b": 2, "a": 1, "B": 3, "ä": 4}],
]


def event(before, after, **overrides):
    return {
        "seq": 7,
        "prev_hash": "ab" * 32,
        "occurred_at": "2026-12-06T20:00:00.123456Z",
        "actor_id": None,
        "actor_label": "Zoë \u202e",
        "source": "web",
        "action": "test.x",
        "target_type": "t",
        "target_id": "1",
        "target_label": "ünï",
        "subject_id": "6a3c0e52-4a58-4b8c-9a5f-0e1d2c3b4a59",
        "before": before,
        "after": after,
        "request_id": "",
        "ip_address": "2001:db8::1",
        "chain_version": 2,
        **overrides,
    }


@pytest.mark.parametrize("value", HAND_PICKED)
@pytest.mark.parametrize("version", [1, 2])
def test_hand_picked_values_are_byte_identical(value, version):
    e = event(value, value, chain_version=version)
    assert chain.canonical(e) == chain.canonical_reference(e)
    text = json.dumps(value)
    as_text = event(chain.json_text_value(text), chain.json_text_value(text))
    assert chain.canonical(as_text) == chain.canonical_reference(event(value, value))
    assert one_call(as_text) == chain.canonical_reference(event(value, value))


@settings(max_examples=400, deadline=None)
@given(before=JSON, after=JSON, label=st.text())
def test_random_events_are_byte_identical(before, after, label):
    e = event(before, after, target_label=label)
    assert chain.canonical(e) == chain.canonical_reference(e)
    # As verification reads them: the JSON columns as text.
    rows = event(
        chain.json_text_value(json.dumps(before)), chain.json_text_value(json.dumps(after))
    )
    assert chain.canonical(rows) == chain.canonical_reference(event(before, after))
    # verify_audit's own path: one orjson call over the row with the decoded JSON columns.
    assert one_call(rows) == chain.canonical_reference(event(before, after))


def one_call(row):
    import orjson

    data = {k: row[k] for k in chain.ALL_FIELDS}
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def test_version_1_has_no_chain_version_and_unknown_versions_are_refused():
    assert b"chain_version" not in chain.canonical(event(None, None, chain_version=1))
    assert b'"chain_version":2' in chain.canonical(event(None, None))
    with pytest.raises(chain.UnknownChainVersionError):
        chain.canonical(event(None, None, chain_version=9))


@pytest.mark.django_db
def test_stored_events_read_fast_hash_as_the_orm_reads_them():
    """Every stored event: the named-cursor text path gives the reference bytes of the ORM row."""
    for value in HAND_PICKED:
        # PostgreSQL's jsonb cannot hold U+0000 (the input is refused, so it never gets hashed)
        value = json.loads(json.dumps(value).replace("\\u0000", ""))
        with transaction.atomic():
            audit_record(actor=None, action="test.canonical", before=value, after={"v": value})
    rows = {r["seq"]: r for r in AuditEvent.objects.values("id", "hash", *chain.ALL_FIELDS)}
    with transaction.atomic():
        fast = list(canonical_rows(1, 10**9))
    assert len(fast) == len(rows) >= len(HAND_PICKED)
    for row, data in fast:
        reference = chain.canonical_reference(chain.chain_fields(rows[row["seq"]]))
        assert data == reference
