"""The audit table stays append-only, with one permitted change: sealing an unsealed event once.

The sequencer (audit/sequencer.py) fills ``seq``, ``prev_hash``, ``hash`` and ``sealed_at`` of
an event whose ``seq`` is still empty; the trigger refuses any UPDATE of a sealed row, any UPDATE
that leaves the seal empty, and any UPDATE touching another column, and still refuses every
DELETE and TRUNCATE. On PostgreSQL a second trigger stamps each new row with its inserting
transaction's id (``txid``), by which a sealing batch is ordered. The trigger names stay those
of 0002, so the grants and checks that name them keep working.
"""

from django.db import migrations

SEAL_COLUMNS = ("seq", "prev_hash", "hash", "sealed_at")
# Every other column, frozen here (SQLite's trigger names them one by one).
OTHER_COLUMNS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_label",
    "source",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "subject_id",
    "before",
    "after",
    "request_id",
    "ip_address",
    "chain_version",
    "txid",
)
_SEAL_ARRAY = "ARRAY[" + ", ".join(f"'{c}'" for c in SEAL_COLUMNS) + "]"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION attest_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.seq IS NULL AND OLD.hash IS NULL
       AND NEW.seq IS NOT NULL AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
       AND (to_jsonb(NEW) - {_SEAL_ARRAY}) = (to_jsonb(OLD) - {_SEAL_ARRAY}) THEN
        RETURN NEW;  -- sealing an unsealed event, once
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION attest_audit_stamp_txid() RETURNS trigger AS $$
BEGIN
    NEW.txid := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_stamp_txid ON audit_auditevent;
CREATE TRIGGER audit_stamp_txid BEFORE INSERT ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION attest_audit_stamp_txid();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS audit_stamp_txid ON audit_auditevent;
DROP FUNCTION IF EXISTS attest_audit_stamp_txid();
CREATE OR REPLACE FUNCTION attest_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""
_UNCHANGED = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in OTHER_COLUMNS)
SQLITE_UP = [
    "DROP TRIGGER IF EXISTS audit_append_only_update;",
    "DROP TRIGGER IF EXISTS audit_append_only_delete;",
    "CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit_auditevent "
    "WHEN NOT (OLD.seq IS NULL AND OLD.hash IS NULL AND NEW.seq IS NOT NULL "
    f"AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL AND {_UNCHANGED}) "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE refused'); END;",
    "CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: DELETE refused'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_append_only_update;",
    "CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE refused'); END;",
]


def _run(schema_editor, postgres, sqlite):
    vendor = schema_editor.connection.vendor
    statements = [postgres] if vendor == "postgresql" else sqlite if vendor == "sqlite" else []
    for sql in statements:
        schema_editor.execute(sql, params=None)


def up(apps, schema_editor):
    _run(schema_editor, POSTGRES_UP, SQLITE_UP)


def down(apps, schema_editor):
    _run(schema_editor, POSTGRES_DOWN, SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_merkle_tree")]
    operations = [migrations.RunPython(up, down)]
