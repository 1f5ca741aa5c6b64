"""The SQL that gives Attest two PostgreSQL roles: an owner that runs migrations and an
application role that can only do what the running app needs. Pure, no ORM.

Why (red-team finding 7): the append-only triggers bind everyone except the table's owner, who
can ``ALTER TABLE audit_auditevent DISABLE TRIGGER ...`` and then rewrite history. The hash
chain and the signed checkpoints still *detect* that; these grants *prevent* it for the app's
credentials: the app role owns nothing, is no superuser, and has only ``SELECT, INSERT`` on the
append-only tables, so UPDATE, DELETE, TRUNCATE and ALTER TABLE all fail with "permission
denied" before any trigger runs. The one exception is the seal (audit/sequencer.py): the app
role may UPDATE the seal columns of ``audit_auditevent`` (``seq``, ``prev_hash``, ``hash``,
``sealed_at``) and no other column; the trigger lets that happen once per event, while unsealed.

The script is idempotent and meant to run after every ``manage.py migrate``: default privileges
grant UPDATE and DELETE on every table a later migration creates, so the append-only tables'
restriction is re-asserted each time, and a final check refuses to commit while the app role
could still change them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

SCHEMA = "public"
TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
APPEND_ONLY_PRIVILEGES = "SELECT, INSERT"
# nextval() and currval() for serial columns; setval() (UPDATE) is a deploy-time operation.
SEQUENCE_PRIVILEGES = "USAGE, SELECT"

# Plain lower-case names only: they appear unquoted in psql, in URLs and in pg_hba.conf, and
# inside the script's DO blocks as literals, where anything fancier would need escaping twice.
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# Names PostgreSQL reserves or gives another meaning in GRANT and ALTER ROLE.
_RESERVED = {"public", "none", "current_role", "current_user", "session_user", "all"}


class RoleSetupError(ValueError):
    """A role name, password or combination that the script must not be built with."""


def validate_role_name(name: str) -> str:
    """The name, if it is a usable application role name; else RoleSetupError saying why."""
    if not _ROLE_NAME.fullmatch(name or ""):
        raise RoleSetupError(
            f"{name!r} is not a valid role name: use 1-63 lower-case letters, digits and "
            "underscores, starting with a letter or underscore (e.g. attest_app)."
        )
    if name.startswith("pg_") or name in _RESERVED:
        raise RoleSetupError(f"{name!r} is reserved by PostgreSQL: choose another role name.")
    return name


def quote_ident(name: str) -> str:
    """A double-quoted SQL identifier (for names that are not validated role names: the
    database and the owner, which may contain hyphens or capitals)."""
    if not name or "\x00" in name or len(name.encode()) > 63:
        raise RoleSetupError(f"{name!r} is not a valid PostgreSQL identifier.")
    return '"' + name.replace('"', '""') + '"'


def scram_sha256_verifier(
    password: str, *, salt: bytes | None = None, iterations: int = 4096
) -> str:
    """What PostgreSQL stores for ``password`` (RFC 5802/7677, libpq's format), so the script
    sets the password without ever containing it: the printed SQL is safe to log.

    ASCII only: PostgreSQL applies SASLprep first, which is the identity on ASCII.
    """
    if not password:
        raise RoleSetupError("The password is empty.")
    if not password.isascii():
        raise RoleSetupError("Use an ASCII password, e.g. from secrets.token_urlsafe(32).")
    salt = salt if salt is not None else secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def role_setup_statements(
    *,
    app_role: str,
    owner_role: str,
    database: str,
    append_only_tables: list[str],
    password_verifier: str | None = None,
    seal_columns: dict[str, tuple[str, ...]] | None = None,
) -> list[str]:
    """The statements, in order, to run in one transaction as a superuser (or as the owner,
    if it has CREATEROLE). ``owner_role`` is the role that runs migrations and owns the
    tables; ``append_only_tables`` get only ``SELECT, INSERT``, plus UPDATE of the columns that
    ``seal_columns`` names for a table (the trigger permits sealing once)."""
    seal_columns = seal_columns or {}
    for table, columns in seal_columns.items():
        if table not in append_only_tables or not all(_ROLE_NAME.fullmatch(c) for c in columns):
            raise RoleSetupError(f"seal columns {columns!r} of {table!r} are not plain names.")
    app = validate_role_name(app_role)
    if owner_role == app_role:
        raise RoleSetupError(
            f"The application role {app_role!r} is the owner of the tables: the app must "
            "connect as a different role than the one that runs migrations."
        )
    if not append_only_tables:
        raise RoleSetupError("No append-only tables given.")
    for table in append_only_tables:
        if not _ROLE_NAME.fullmatch(table):
            raise RoleSetupError(f"{table!r} is not a plain table name.")
    if password_verifier is not None and not re.fullmatch(
        r"SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+", password_verifier
    ):
        raise RoleSetupError("The password must be given as a SCRAM-SHA-256 verifier.")
    owner = quote_ident(owner_role)
    db = quote_ident(database)
    app_q = f'"{app}"'
    tables = ", ".join(f'"{table}"' for table in append_only_tables)
    table_array = ", ".join(f"'{table}'" for table in append_only_tables)
    sealable = ", ".join(f"'{t}.{c}'" for t, cols in seal_columns.items() for c in cols) or "''"

    statements = [
        # The role: log in, nothing else. Attributes of an existing role are checked below,
        # not changed (only a superuser may change some of them).
        f"""DO $attest$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app}') THEN
        CREATE ROLE {app_q} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    ELSE
        ALTER ROLE {app_q} LOGIN;
    END IF;
END
$attest$""",
    ]
    if password_verifier is not None:
        statements.append(f"ALTER ROLE {app_q} PASSWORD '{password_verifier}'")
    statements += [
        # Connect, and use the schema, but never create in it: no DDL with the app's credentials.
        f"GRANT CONNECT ON DATABASE {db} TO {app_q}",
        f"REVOKE CREATE ON DATABASE {db} FROM {app_q}",
        f"GRANT USAGE, CREATE ON SCHEMA {SCHEMA} TO {owner}",
        # PostgreSQL 15 no longer grants this by default; databases created earlier still do.
        f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM PUBLIC",
        f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM {app_q}",
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {app_q}",
        # Every table and sequence there is now...
        f"GRANT {TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA {SCHEMA} TO {app_q}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {SCHEMA} FROM {app_q}",
        f"GRANT {SEQUENCE_PRIVILEGES} ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {app_q}",
        f"REVOKE UPDATE ON ALL SEQUENCES IN SCHEMA {SCHEMA} FROM {app_q}",
        # ...and every one that later migrations, run as the owner, create.
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {SCHEMA} "
        f"GRANT {TABLE_PRIVILEGES} ON TABLES TO {app_q}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {SCHEMA} "
        f"GRANT {SEQUENCE_PRIVILEGES} ON SEQUENCES TO {app_q}",
        # The append-only tables: read and add, nothing else (re-asserted on every run).
        f"REVOKE ALL ON TABLE {tables} FROM {app_q}",
        f"REVOKE ALL ON TABLE {tables} FROM PUBLIC",
        f"GRANT {APPEND_ONLY_PRIVILEGES} ON TABLE {tables} TO {app_q}",
        *(
            f'GRANT UPDATE ({", ".join(columns)}) ON TABLE "{table}" TO {app_q}'
            for table, columns in seal_columns.items()
        ),
        # Refuse to commit while the app role could still rewrite the trail by any path:
        # membership in the owner or in pg_write_all_data, a superuser or CREATEROLE role, ...
        f"""DO $attest$
DECLARE
    app pg_roles%ROWTYPE;
    t text;
BEGIN
    SELECT * INTO app FROM pg_roles WHERE rolname = '{app}';
    IF app.rolsuper OR app.rolcreaterole OR app.rolcreatedb OR app.rolreplication
            OR app.rolbypassrls THEN
        RAISE EXCEPTION 'role {app} must not be SUPERUSER, CREATEROLE, CREATEDB, REPLICATION '
            'or BYPASSRLS: run ALTER ROLE {app} NOSUPERUSER NOCREATEROLE NOCREATEDB '
            'NOREPLICATION NOBYPASSRLS as a superuser';
    END IF;
    IF has_schema_privilege('{app}', '{SCHEMA}', 'CREATE') THEN
        RAISE EXCEPTION 'role {app} can still CREATE in schema {SCHEMA} (does it own the '
            'database, or belong to a role that may?)';
    END IF;
    FOREACH t IN ARRAY ARRAY[{table_array}] LOOP
        IF pg_has_role('{app}', (SELECT relowner FROM pg_class
                WHERE oid = format('{SCHEMA}.%I', t)::regclass), 'MEMBER') THEN
            RAISE EXCEPTION 'role {app} owns table % or belongs to its owner: it could '
                'disable the table''s triggers', t;
        END IF;
        IF EXISTS (SELECT FROM information_schema.columns c
                    WHERE c.table_schema = '{SCHEMA}' AND c.table_name = t
                      AND NOT (t || '.' || c.column_name) = ANY(ARRAY[{sealable}])
                      AND has_column_privilege('{app}', format('{SCHEMA}.%I', t),
                                               c.column_name, 'UPDATE'))
                OR has_table_privilege('{app}', format('{SCHEMA}.%I', t), 'DELETE')
                OR has_table_privilege('{app}', format('{SCHEMA}.%I', t), 'TRUNCATE')
                OR has_table_privilege('{app}', format('{SCHEMA}.%I', t), 'TRIGGER') THEN
            RAISE EXCEPTION 'role {app} can still UPDATE, DELETE, TRUNCATE or add triggers '
                'to table % (through PUBLIC or a role it belongs to?)', t;
        END IF;
        IF NOT (has_table_privilege('{app}', format('{SCHEMA}.%I', t), 'SELECT')
                AND has_table_privilege('{app}', format('{SCHEMA}.%I', t), 'INSERT')) THEN
            RAISE EXCEPTION 'role {app} cannot SELECT and INSERT on table %', t;
        END IF;
    END LOOP;
END
$attest$""",  # noqa: S608 - validated role and table names only, no user input
    ]
    return statements


def render_script(statements: list[str], *, app_role: str, owner_role: str) -> str:
    """The statements as one psql-ready script in a single transaction."""
    header = [
        f"-- Attest database roles: the app connects as {app_role}, migrations run as "
        f"{owner_role}.",
        "-- Run as a superuser after every `manage.py migrate` (safe to re-run), e.g.",
        "--   python manage.py db_roles_sql --app-role ... | psql -v ON_ERROR_STOP=1 <owner URL>",
    ]
    if not any(s.startswith(f'ALTER ROLE "{app_role}" PASSWORD') for s in statements):
        header.append("-- No password is set here (give --password-env VAR to set one from VAR).")
    body = ";\n".join(statements)
    return "\n".join([*header, "BEGIN;", f"{body};", "COMMIT;", ""])
