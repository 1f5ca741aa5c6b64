"""Audit read helpers that are written as SQL for speed."""

import pytest

from audit.selectors import audit_target_types
from audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_target_types_are_the_distinct_types_in_order():
    assert audit_target_types() == []
    for target_type in ["catalog.modelservice", "accounts.team", "catalog.modelservice", "z.x"]:
        audit_record(actor=None, action="test.done", target_type=target_type, target_id="1")
    assert audit_target_types() == ["accounts.team", "catalog.modelservice", "z.x"]
