"""The application's database role cannot rewrite the audit trail (red-team finding 7).

The append-only triggers bind every role except the table's owner, who can disable them. Here
the SQL printed by ``manage.py db_roles_sql`` is applied to the test database, a real role is
created from it, and a connection as that role must be refused UPDATE, DELETE, TRUNCATE and
``ALTER TABLE ... DISABLE TRIGGER`` on the audit tables, by privilege ("permission denied",
"must be owner") before any trigger runs, while the app's ordinary work still succeeds.

The local PostgreSQL trusts loopback connections, so logging in does not check the password
here; the SCRAM verifier the script stores is checked against libpq's own instead.
"""

from __future__ import annotations

import base64
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from audit import checkpoints, db_roles
from audit.models import AuditCheckpoint, AuditEvent
from audit.services import audit_record
from audit.verification import verify_chain
from catalog import services as catalog_services
from catalog.models import ModelService

PASSWORD_ENV = "ATTEST_TEST_APP_DB_PASSWORD"


@dataclass(frozen=True)
class Role:
    name: str
    password: str
    script: str


def _connect(user: str | None = None, password: str | None = None) -> psycopg.Connection:
    """A plain psycopg connection to the test database, as the test superuser by default."""
    params = connection.settings_dict
    return psycopg.connect(
        dbname=params["NAME"],
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=user or params["USER"],
        password=password if user else (params["PASSWORD"] or None),
        autocommit=True,
    )


def _drop_role(name: str) -> None:
    with _connect() as conn:
        conn.execute(f'DROP OWNED BY "{name}"')  # its grants and default privileges
        conn.execute(f'DROP ROLE "{name}"')


@pytest.fixture(scope="module")
def app_role(django_db_setup, django_db_blocker):
    """A fresh login role set up exactly as the printed SQL says, dropped afterwards."""
    name, password = f"attest_app_test_{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    out = StringIO()
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as mp:
        mp.setenv(PASSWORD_ENV, password)
        call_command("db_roles_sql", app_role=name, password_env=PASSWORD_ENV, stdout=out)
        with _connect() as conn:
            conn.execute(out.getvalue())  # the printed script, as psql would run it
        try:
            yield Role(name, password, out.getvalue())
        finally:
            _drop_role(name)


@pytest.fixture
def app_conn(app_role, transactional_db):
    with _connect(app_role.name, app_role.password) as conn:
        yield conn


@contextmanager
def django_connected_as(role: Role):
    """Run Django (services, ORM) over the app role's credentials, as production does."""
    settings_dict = connection.settings_dict
    saved = settings_dict["USER"], settings_dict["PASSWORD"]
    connection.close()
    settings_dict["USER"], settings_dict["PASSWORD"] = role.name, role.password
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == role.name
        yield
    finally:
        connection.close()
        settings_dict["USER"], settings_dict["PASSWORD"] = saved


def _an_event_and_a_checkpoint() -> None:
    with transaction.atomic():
        audit_record(actor=None, action="test.done", target_type="test", target_id="1")
    checkpoints.checkpoint_create()


# --- Done when: the app role cannot change or unprotect the trail ----------------------------

REFUSED = [
    ("UPDATE audit_auditevent SET action = 'forged'", "permission denied for table"),
    # The seal columns are the app's to write (the sequencer), once: the trigger refuses a reseal.
    ("UPDATE audit_auditevent SET hash = 'forged'", "append-only: UPDATE refused"),
    ("DELETE FROM audit_auditevent", "permission denied for table"),
    ("TRUNCATE audit_auditevent", "permission denied for table"),
    (
        "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_append_only_rows",
        "must be owner of table",
    ),
    (
        "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_append_only_truncate",
        "must be owner of table",
    ),
    ("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL", "must be owner of table"),
    ("DROP TABLE audit_auditevent", "must be owner of table"),
    ("UPDATE audit_auditcheckpoint SET head_hash = 'forged'", "permission denied for table"),
    ("DELETE FROM audit_auditcheckpoint", "permission denied for table"),
    ("TRUNCATE audit_auditcheckpoint", "permission denied for table"),
    # The test suite's own way around the triggers needs a superuser.
    ("SET session_replication_role = replica", "permission denied to set parameter"),
    # No DDL at all: no new tables, no triggers of its own.
    ("CREATE TABLE attest_intruder (id int)", "permission denied for schema public"),
    (
        "CREATE TRIGGER intruder BEFORE INSERT ON audit_auditevent "
        "FOR EACH ROW EXECUTE FUNCTION attest_audit_append_only()",
        "permission denied for table",
    ),
]


@pytest.mark.parametrize(("statement", "reason"), REFUSED, ids=[s for s, _ in REFUSED])
def test_app_role_is_refused_every_way_of_rewriting_the_trail(app_conn, statement, reason):
    _an_event_and_a_checkpoint()
    heads = AuditCheckpoint.objects.count()
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
        app_conn.execute(statement)
    # The privilege check, not the append-only trigger ("... is append-only: ... refused").
    assert reason in str(refused.value)
    assert AuditEvent.objects.filter(action="test.done").count() == 1
    assert AuditCheckpoint.objects.count() == heads
    assert verify_chain().intact


def test_owner_could_disable_the_trigger_which_is_why_the_app_must_not_be_it(transactional_db):
    """The control: the same statement works for the owner, so the refusal above is the role."""
    with _connect() as conn, conn.transaction(force_rollback=True):
        conn.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_append_only_rows")


def test_app_role_can_read_and_append_to_the_audit_tables(app_conn):
    _an_event_and_a_checkpoint()
    heads = AuditCheckpoint.objects.count()
    assert app_conn.execute("SELECT count(*) FROM audit_auditevent").fetchone() == (1,)
    assert app_conn.execute("SELECT count(*) FROM audit_auditcheckpoint").fetchone() == (heads,)
    app_conn.execute(
        "INSERT INTO audit_auditcheckpoint (seq, head_hash, signed_at, signature, key_id, "
        "created_at) VALUES (0, 'h', 's', 'sig', 'k', now())"
    )
    assert AuditCheckpoint.objects.count() == heads + 1


def test_app_role_is_no_superuser_and_owns_nothing(app_role, app_conn):
    row = app_conn.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
        "FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    assert row == (False, False, False, False, False)
    owned = app_conn.execute(
        "SELECT count(*) FROM pg_class WHERE relowner = "
        "(SELECT oid FROM pg_roles WHERE rolname = current_user)"
    ).fetchone()
    assert owned == (0,)


# --- The app still works as that role -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_catalog_service_runs_as_app_role_and_writes_its_audit_event(app_role, personas):
    with django_connected_as(app_role):
        model = catalog_services.model_service_register(
            actor=personas.owner, name="scoring-as-app-role", owner_team=personas.team
        )
        catalog_services.model_service_update_metadata(
            actor=personas.owner, model_service=model, changes={"purpose": "Scores loans."}
        )
        checkpoint = checkpoints.checkpoint_create()
        verdict = verify_chain()
    assert ModelService.objects.get(pk=model.pk).purpose == "Scores loans."
    actions = set(AuditEvent.objects.filter(subject_id=model.pk).values_list("action", flat=True))
    assert {"catalog.model_registered", "catalog.model_updated"} <= actions
    assert checkpoint.seq == AuditEvent.objects.order_by("-seq").first().seq
    assert verdict.intact


def test_tables_of_later_migrations_are_granted_to_the_app_role(app_role, app_conn):
    """Default privileges: a table the owner creates later (a serial one, to need its
    sequence too) is usable by the app without re-running the command."""
    table = f"attest_later_{secrets.token_hex(4)}"
    with _connect() as owner:
        owner.execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, note text)")
    try:
        app_conn.execute(f"INSERT INTO {table} (note) VALUES ('a')")  # noqa: S608
        app_conn.execute(f"UPDATE {table} SET note = 'b'")  # noqa: S608
        assert app_conn.execute(f"SELECT note FROM {table}").fetchone() == ("b",)  # noqa: S608
        app_conn.execute(f"DELETE FROM {table}")  # noqa: S608
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app_conn.execute(f"TRUNCATE {table}")
    finally:
        with _connect() as owner:
            owner.execute(f"DROP TABLE {table}")


def test_rerunning_after_migrate_takes_back_what_default_privileges_gave(app_role, app_conn):
    """A migration that recreates an append-only table hands it UPDATE and DELETE through the
    default privileges; the command, run after every migrate, takes them back."""
    with _connect() as owner:
        owner.execute(f'GRANT UPDATE, DELETE ON audit_auditevent TO "{app_role.name}"')
    app_conn.execute("UPDATE audit_auditevent SET action = action WHERE false")  # now allowed
    out = StringIO()
    call_command("db_roles_sql", app_role=app_role.name, apply=True, stdout=out)
    assert f"Database role {app_role.name} ready" in out.getvalue()
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
        app_conn.execute("UPDATE audit_auditevent SET action = action WHERE false")
    call_command("db_roles_sql", app_role=app_role.name, apply=True, stdout=StringIO())


def test_script_will_not_commit_while_the_role_could_still_rewrite_the_trail(transactional_db):
    name = f"attest_app_test_{secrets.token_hex(4)}"
    with _connect() as conn:
        conn.execute(f'CREATE ROLE "{name}" LOGIN')
        conn.execute(f'GRANT pg_write_all_data TO "{name}"')
    try:
        with pytest.raises(CommandError, match="can still UPDATE, DELETE, TRUNCATE"):
            call_command("db_roles_sql", app_role=name, apply=True, stdout=StringIO())
        with _connect() as conn:
            granted = conn.execute(
                "SELECT has_table_privilege(%s, 'audit_auditevent', 'SELECT')", [name]
            ).fetchone()
        assert granted == (False,)  # rolled back: nothing half-granted
    finally:
        _drop_role(name)


# --- The printed SQL ------------------------------------------------------------------------


def test_printed_sql_holds_only_a_scram_verifier_never_the_password(app_role):
    assert app_role.password not in app_role.script
    assert re.search(
        rf'ALTER ROLE "{app_role.name}" PASSWORD \'SCRAM-SHA-256\$4096:', app_role.script
    )
    assert app_role.script.startswith("--") and "BEGIN;" in app_role.script
    assert app_role.script.rstrip().endswith("COMMIT;")


def test_scram_verifier_is_the_one_libpq_computes(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), _connect() as conn:
        reference = conn.pgconn.encrypt_password(b"correct horse", b"anyone", b"scram-sha-256")
    reference = reference.decode()
    salt = base64.b64decode(reference.split(":")[1].split("$")[0])
    assert db_roles.scram_sha256_verifier("correct horse", salt=salt) == reference


@pytest.mark.parametrize("name", ["Attest", "pg_app", "public", "app;drop", "a-b", "", "x" * 64])
def test_command_refuses_bad_role_names(name):
    with pytest.raises(CommandError, match="role name|reserved"):
        call_command("db_roles_sql", app_role=name, owner_role="attest", stdout=StringIO())


def test_command_refuses_an_unset_password_variable(monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(CommandError, match=f"{PASSWORD_ENV} is not set"):
        call_command(
            "db_roles_sql",
            app_role="attest_app",
            owner_role="attest",
            password_env=PASSWORD_ENV,
            stdout=StringIO(),
        )


def test_command_refuses_to_make_the_owner_the_app_role():
    with pytest.raises(CommandError, match="different role"):
        call_command("db_roles_sql", app_role="attest", owner_role="attest", stdout=StringIO())
