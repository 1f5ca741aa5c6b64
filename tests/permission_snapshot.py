"""What the write matrix (tests/test_permission_matrix.py) compares before and after a request.

``database_state()`` hashes the content of every table (one query), so "a refused write changed
nothing" means nothing anywhere: no row added, removed or updated in any table, not only the
object the request was aimed at. Audit events are compared on their own (``audit_actions_since``)
because a few refusals are recorded by design (a refused decision, a gate answer).
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.db import connection

from audit.models import AuditEvent, AuditTreeNode

# Tables that change on requests that change nothing of the business, each with why.
SKIPPED_TABLES = {
    "django_session": "signing in and flashing a message write the session row",
    AuditEvent._meta.db_table: "compared event by event (audit_actions_since)",
    AuditTreeNode._meta.db_table: "the audit Merkle tree, grown with each event",
}
# Columns that change on reads, each with why.
SKIPPED_COLUMNS = {
    ("accounts_apitoken", "last_used_at"): "bearer authentication stamps it on every request",
    ("accounts_user", "last_login"): "the test client's sign-in stamps it",
}


@cache
def _query() -> str:
    parts = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.db_table in SKIPPED_TABLES:
            continue
        table = meta.db_table
        columns = [
            f.column
            for f in meta.concrete_fields
            if (table, f.column) not in SKIPPED_COLUMNS and f.column
        ]
        row = ", ".join(connection.ops.quote_name(c) for c in columns)
        # Names from Django's model registry, not from input.
        content = f"SELECT {row} FROM {connection.ops.quote_name(table)}"  # noqa: S608
        digest = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
        parts.append(f"SELECT '{table}', {digest} FROM ({content}) t")  # noqa: S608
    return " UNION ALL ".join(parts)


def database_state() -> dict[str, str]:
    """Table name → hash of its content (every column but SKIPPED_COLUMNS)."""
    with connection.cursor() as cursor:
        cursor.execute(_query())
        return dict(cursor.fetchall())


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before[name] != after[name])


def audit_position() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def audit_actions_since(position: int) -> list[str]:
    events = AuditEvent.objects.filter(seq__gt=position).order_by("seq")
    return list(events.values_list("action", flat=True))
