"""PostgreSQL backend for the test suite only.

Between transactional tests Django empties every table with TRUNCATE, which the audit table's
append-only triggers refuse. For that flush alone (and only as a superuser, as the test
database user is) triggers are switched off with ``session_replication_role``.
"""

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        return ["SET LOCAL session_replication_role = replica", *sql] if sql else sql


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
