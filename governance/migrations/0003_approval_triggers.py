"""The database holds the approval rules too, so no code path (a bulk UPDATE, a shell, a bug)
can get around them:

- a request's ``state`` only changes along DeploymentRequest.TRANSITIONS, a new request starts
  as draft or submitted, and an approved request carries enough approvals for its requirement
  (distinct approvers, compliance officers among them);
- what an approval binds (version, environment, requester, fingerprint) cannot change once it
  is approved, and closed requests are frozen;
- a decision is only recorded on a request awaiting review, by someone other than its requester,
  and is never updated or deleted.

PostgreSQL gets all of it; SQLite (the embedded demo) gets the transition and decision rules.
"""

from django.db import migrations

LEGAL = """
    (OLD.state = 'draft' AND NEW.state IN ('submitted', 'withdrawn'))
    OR (OLD.state = 'submitted' AND NEW.state IN ('approved', 'rejected', 'withdrawn'))
    OR (OLD.state = 'approved' AND NEW.state IN ('revoked', 'expired', 'stale'))
"""

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION attest_request_guard() RETURNS trigger AS $$
DECLARE
    approvals integer;
    compliance integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.state NOT IN ('draft', 'submitted') THEN
            RAISE EXCEPTION 'a deployment request starts as draft or submitted, not %', NEW.state
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.state IS DISTINCT FROM OLD.state AND NOT ({LEGAL}) THEN
        RAISE EXCEPTION 'deployment request %: % -> % is not a legal transition',
            OLD.id, OLD.state, NEW.state USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.state IN ('approved', 'rejected', 'withdrawn', 'revoked', 'expired', 'stale') AND (
        NEW.model_version_id IS DISTINCT FROM OLD.model_version_id
        OR NEW.environment IS DISTINCT FROM OLD.environment
        OR NEW.requested_by_id IS DISTINCT FROM OLD.requested_by_id
        OR NEW.fingerprint IS DISTINCT FROM OLD.fingerprint
    ) THEN
        RAISE EXCEPTION 'deployment request %: what a decided request binds cannot change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.state = 'approved' AND OLD.state <> 'approved' THEN
        SELECT count(DISTINCT approver_id), count(DISTINCT approver_id) FILTER (WHERE as_compliance)
          INTO approvals, compliance
          FROM governance_approvaldecision WHERE request_id = NEW.id AND verdict = 'approve';
        IF approvals < COALESCE((NEW.requirement ->> 'approvals')::integer, 1)
           OR compliance < COALESCE((NEW.requirement ->> 'compliance_approvals')::integer, 0) THEN
            RAISE EXCEPTION 'deployment request %: % approval(s), % by compliance officers: not enough',
                NEW.id, approvals, compliance USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER governance_request_guard BEFORE INSERT OR UPDATE ON governance_deploymentrequest
    FOR EACH ROW EXECUTE FUNCTION attest_request_guard();

CREATE OR REPLACE FUNCTION attest_decision_guard() RETURNS trigger AS $$
DECLARE
    req record;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'approval decisions are final: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT state, requested_by_id INTO req FROM governance_deploymentrequest WHERE id = NEW.request_id;
    IF req.state IS DISTINCT FROM 'submitted' THEN
        RAISE EXCEPTION 'request % is % and takes no decision', NEW.request_id, req.state
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.requester_id IS DISTINCT FROM req.requested_by_id THEN
        RAISE EXCEPTION 'decision requester does not match the request' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER governance_decision_guard BEFORE INSERT OR UPDATE OR DELETE ON governance_approvaldecision
    FOR EACH ROW EXECUTE FUNCTION attest_decision_guard();
"""  # noqa: S608 (constant SQL built from constants, no input)
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS governance_request_guard ON governance_deploymentrequest;
DROP TRIGGER IF EXISTS governance_decision_guard ON governance_approvaldecision;
DROP FUNCTION IF EXISTS attest_request_guard();
DROP FUNCTION IF EXISTS attest_decision_guard();
"""
SQLITE_UP = [
    "CREATE TRIGGER governance_request_insert BEFORE INSERT ON governance_deploymentrequest "
    "WHEN NEW.state NOT IN ('draft', 'submitted') "
    "BEGIN SELECT RAISE(ABORT, 'a deployment request starts as draft or submitted'); END;",
    "CREATE TRIGGER governance_request_transition BEFORE UPDATE OF state "
    "ON governance_deploymentrequest "
    f"WHEN NEW.state IS NOT OLD.state AND NOT ({LEGAL}) "
    "BEGIN SELECT RAISE(ABORT, 'not a legal deployment request transition'); END;",
    "CREATE TRIGGER governance_decision_insert BEFORE INSERT ON governance_approvaldecision "
    "WHEN (SELECT state FROM governance_deploymentrequest WHERE id = NEW.request_id) "
    "IS NOT 'submitted' "
    "BEGIN SELECT RAISE(ABORT, 'the request takes no decision'); END;",
    "CREATE TRIGGER governance_decision_update BEFORE UPDATE ON governance_approvaldecision "
    "BEGIN SELECT RAISE(ABORT, 'approval decisions are final'); END;",
    "CREATE TRIGGER governance_decision_delete BEFORE DELETE ON governance_approvaldecision "
    "BEGIN SELECT RAISE(ABORT, 'approval decisions are final'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS governance_request_insert;",
    "DROP TRIGGER IF EXISTS governance_request_transition;",
    "DROP TRIGGER IF EXISTS governance_decision_insert;",
    "DROP TRIGGER IF EXISTS governance_decision_update;",
    "DROP TRIGGER IF EXISTS governance_decision_delete;",
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
    dependencies = [("governance", "0002_approvals")]
    operations = [migrations.RunPython(up, down)]
