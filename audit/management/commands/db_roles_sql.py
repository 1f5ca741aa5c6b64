"""``manage.py db_roles_sql --app-role attest_app [--owner-role ROLE] [--password-env VAR]
[--apply]``: the SQL that lets the app connect as a role that cannot rewrite the audit trail
(``audit.db_roles``). Prints it for psql by default; ``--apply`` runs it over this process's own
database connection, which must then be the owner's (or a superuser's). Re-run after every
``migrate``."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from audit import db_roles
from audit.models import AuditCheckpoint, AuditEvent

# Tables the app may only read and append to: the trail, and the signed statements about it.
APPEND_ONLY_MODELS = (AuditEvent, AuditCheckpoint)
# What the sequencer writes once into an unsealed event (the trigger refuses anything else).
SEAL_COLUMNS = ("seq", "prev_hash", "hash", "sealed_at")


class Command(BaseCommand):
    help = (
        "Print (or --apply) the SQL that creates the application's database role: all row "
        "privileges on the app's tables, only SELECT and INSERT on the audit tables, no DDL."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--app-role", required=True, help="The role the app connects as, e.g. attest_app."
        )
        parser.add_argument(
            "--owner-role",
            help="The role that runs migrations (default: the audit table's current owner).",
        )
        parser.add_argument(
            "--password-env",
            metavar="VAR",
            help="Set the app role's password from environment variable VAR (the SQL holds "
            "only its SCRAM-SHA-256 verifier, never the password).",
        )
        parser.add_argument(
            "--apply",
            action="store_true",
            help="Run the SQL over this database connection instead of printing it.",
        )

    def handle(self, *args, app_role, owner_role, password_env, apply, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                _("Database roles need PostgreSQL; this database is %(vendor)s.")
                % {"vendor": connection.vendor}
            )
        tables = [model._meta.db_table for model in APPEND_ONLY_MODELS]
        try:
            db_roles.validate_role_name(app_role)
            verifier = None
            if password_env:
                password = os.environ.get(password_env, "")
                if not password:
                    raise CommandError(
                        _("%(var)s is not set or empty: set it to the app role's password.")
                        % {"var": password_env}
                    )
                verifier = db_roles.scram_sha256_verifier(password)
            owner = owner_role or self._table_owner(tables[0])
            statements = db_roles.role_setup_statements(
                app_role=app_role,
                owner_role=owner,
                database=connection.settings_dict["NAME"],
                append_only_tables=tables,
                password_verifier=verifier,
                seal_columns={AuditEvent._meta.db_table: SEAL_COLUMNS},
            )
        except db_roles.RoleSetupError as exc:
            raise CommandError(str(exc)) from exc
        if not apply:
            self.stdout.write(
                db_roles.render_script(statements, app_role=app_role, owner_role=owner),
                ending="",
            )
            return
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        except DatabaseError as exc:  # the database's own reason is the one-line answer
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CommandError(
                _("Database roles not applied: %(reason)s") % {"reason": reason}
            ) from exc
        self.stdout.write(
            _(
                "Database role %(role)s ready: %(privileges)s on the tables of %(owner)s, only "
                "%(append_only)s on %(tables)s (and UPDATE of the seal columns %(columns)s), "
                "no DDL."
            )
            % {
                "role": app_role,
                "privileges": db_roles.TABLE_PRIVILEGES,
                "owner": owner,
                "append_only": db_roles.APPEND_ONLY_PRIVILEGES,
                "tables": ", ".join(tables),
                "columns": ", ".join(SEAL_COLUMNS),
            }
        )

    @staticmethod
    def _table_owner(table: str) -> str:
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT tableowner FROM pg_tables WHERE schemaname = %s AND tablename = %s",
                    [db_roles.SCHEMA, table],
                )
                row = cursor.fetchone()
        except DatabaseError as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CommandError(
                _("Cannot read the owner of %(table)s (%(reason)s); pass --owner-role.")
                % {"table": table, "reason": reason}
            ) from exc
        if row is None:
            raise CommandError(
                _("Table %(table)s does not exist yet: run `manage.py migrate` first.")
                % {"table": table}
            )
        return row[0]
