"""The governance split moves models, never data: risk, approvals and documents take over the
``governance_*`` tables as they are (state-only migrations), and governance 0006 relabels the
content types so every permission and object grant keeps pointing where it did.

These tests start from the last pre-split database (governance 0004, monitoring 0002), seed it
through the historical models, migrate to the leaf nodes and check that rows, triggers, the
audit chain and grants survived unchanged. They rebuild the database (django-test-migrations),
so they run in a transactional database of their own.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from tests.governance.split_world import MOVED, seed_pre_split

PRE_SPLIT = [
    ("governance", "0004_generated_documents"),
    ("monitoring", "0002_threshold_rereview_help"),
]
# State-only moves: not one SQL statement may run for them, forwards or backwards.
STATE_ONLY = [
    ("risk", "0001_initial"),
    ("approvals", "0001_initial"),
    ("documents", "0001_initial"),
    ("monitoring", "0003_alert_approval_in_approvals"),
    ("governance", "0005_models_move_to_domain_apps"),
]
POST_SPLIT = [*STATE_ONLY, ("governance", "0006_relabel_content_types")]
SPLIT_APPS = {"governance", "monitoring", "risk", "approvals", "documents"}
# Rows that must come through unchanged (besides the moved models themselves).
OTHER_COUNTED = [
    ("monitoring", "alert"),
    ("contenttypes", "contenttype"),
    ("auth", "permission"),
    ("guardian", "userobjectpermission"),
    ("guardian", "groupobjectpermission"),
    ("catalog", "modelservicegrouppermission"),
    ("audit", "auditevent"),
    ("audit", "auditcheckpoint"),
]
TRIGGERS_SQL = """
    SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE NOT t.tgisinternal AND (c.relname LIKE 'governance\\_%' OR c.relname LIKE 'audit\\_%')
"""


# --- helpers -----------------------------------------------------------------------------------


def _migrate_to_pre_split(migrator):
    """The database just before the split: every app at its newest pre-split migration."""
    migrator.apply_initial_migration(PRE_SPLIT[0])
    state = migrator.apply_tested_migration([*_others_before_split(), *PRE_SPLIT])
    applied = set(MigrationRecorder(connection).applied_migrations())
    # The premise of every assertion below: nothing of the split has run yet.
    assert not applied & set(POST_SPLIT)
    assert set(PRE_SPLIT) <= applied
    return state


def _others_before_split() -> list[tuple[str, str]]:
    """Every other app at its newest migration that needs nothing of the split: apps added
    later (usage) or migrations that build on the moved models are left out, since they could
    not exist before it."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    post_split = set(POST_SPLIT)
    chosen = []
    for app in sorted({node[0] for node in graph.nodes} - SPLIT_APPS):
        candidates = sorted(
            (node for node in graph.nodes if node[0] == app),
            key=lambda node: len(graph.forwards_plan(node)),
            reverse=True,
        )
        usable = next(
            (node for node in candidates if not set(graph.forwards_plan(node)) & post_split), None
        )
        if usable is not None:
            chosen.append(usable)
    return chosen


def _model(state, app_label, model_name):
    return state.apps.get_model(app_label, model_name)


def _counts(state, *, split: bool) -> dict[str, int]:
    """Rows per table; the moved tables read through governance's historical models before the
    split (``split=False``) and through the new apps' after it."""
    counts = {}
    for model, app in MOVED.items():
        cls = _model(state, app if split else "governance", model)
        counts[cls._meta.db_table] = cls.objects.count()
    for app_label, model in OTHER_COUNTED:
        cls = _model(state, app_label, model)
        counts[cls._meta.db_table] = cls.objects.count()
    return counts


def _triggers() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(TRIGGERS_SQL)
        return set(cursor.fetchall())


def _grants(state) -> dict[str, set]:
    get = state.apps.get_model
    GroupPermission = get("auth", "Group").permissions.through
    return {
        "permissions": set(get("auth", "Permission").objects.values_list("pk", "content_type_id")),
        "group_permissions": set(GroupPermission.objects.values_list("group_id", "permission_id")),
        "user_object": set(
            get("guardian", "UserObjectPermission").objects.values_list(
                "user_id", "permission_id", "content_type_id", "object_pk"
            )
        ),
        "group_object": set(
            get("guardian", "GroupObjectPermission").objects.values_list(
                "group_id", "permission_id", "content_type_id", "object_pk"
            )
        ),
    }


def _verify_audit() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)  # raises CommandError when the chain is broken
    return out.getvalue()


def _sql_statements(app_label: str, name: str, *, backwards: bool = False) -> list[str]:
    out = io.StringIO()
    call_command("sqlmigrate", app_label, name, backwards=backwards, stdout=out)
    return [
        line
        for line in (raw.strip() for raw in out.getvalue().splitlines())
        if line and not line.startswith("--") and line.upper() not in {"BEGIN;", "COMMIT;"}
    ]


# --- tests -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_split_keeps_rows_triggers_audit_trail_and_grants(migrator):
    old = _migrate_to_pre_split(migrator)
    seeded = seed_pre_split(old)
    counts_before = _counts(old, split=False)
    grants_before = _grants(old)
    triggers_before = _triggers()
    assert all(count > 0 for count in counts_before.values())
    assert "Audit trail intact: 2 events" in _verify_audit()
    assert {
        ("governance_deploymentrequest", "governance_request_guard"),
        ("governance_approvaldecision", "governance_decision_guard"),
        ("audit_auditevent", "audit_append_only_rows"),
        ("audit_auditevent", "audit_append_only_truncate"),
    } <= triggers_before

    new = migrator.apply_tested_migration(
        MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()
    )
    assert set(POST_SPLIT) <= set(MigrationRecorder(connection).applied_migrations())

    # Same rows, now read through risk / approvals / documents; relations still resolve.
    assert _counts(new, split=True) == {
        **counts_before,
        "django_content_type": counts_before["django_content_type"] - 1,  # the stale twin
        "auth_permission": counts_before["auth_permission"] - 1,  # and its permission
    }
    alert = _model(new, "monitoring", "Alert").objects.get(pk=seeded["alert"])
    assert alert.approval._meta.label == "approvals.DeploymentRequest"
    assert alert.approval.pk == seeded["request"]
    evidence = _model(new, "risk", "Evidence").objects.get()
    assert evidence.obligation.assessment.model_service.name == "credit-scoring"
    assert _model(new, "approvals", "Deployment").objects.get().approval_id == seeded["request"]

    # The new state describes the tables as they are (columns, constraint and index names).
    _assert_state_matches_tables(new)

    # The audit trail, its checkpoint and its append-only trigger are untouched.
    assert "Audit trail intact: 2 events" in _verify_audit()
    for statement in ("UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)

    # The approval triggers are still on the tables and still refuse, through the new models.
    assert _triggers() == triggers_before
    _assert_approval_rules_hold(new, seeded)

    # Content types moved with their models, under the same ids; every grant still points there.
    ContentType = _model(new, "contenttypes", "ContentType")
    for model, app in MOVED.items():
        ct = ContentType.objects.get(pk=seeded["content_types"][model])
        assert (ct.app_label, ct.model) == (app, model)
    assert not ContentType.objects.filter(app_label="governance").exists()
    assert not ContentType.objects.filter(pk=seeded["twin"]).exists()
    grants_after = _grants(new)
    assert grants_after["permissions"] == {
        (pk, ct) for pk, ct in grants_before["permissions"] if ct != seeded["twin"]
    }
    seeded_permissions = {(pk, ct) for pk, (ct, _) in seeded["permissions"].items()}
    assert seeded_permissions <= grants_after["permissions"]
    for kind in ("group_permissions", "user_object", "group_object"):
        assert grants_after[kind] == grants_before[kind]
    _assert_same_visibility_through_current_code(seeded)


@pytest.mark.django_db(transaction=True)
def test_reversing_the_split_gives_content_types_back_to_governance(migrator):
    old = _migrate_to_pre_split(migrator)
    seeded = seed_pre_split(old)
    counts_before = _counts(old, split=False)
    triggers_before = _triggers()
    migrator.apply_tested_migration(
        MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()
    )

    back = migrator.apply_tested_migration(
        [*PRE_SPLIT, ("risk", None), ("approvals", None), ("documents", None)]
    )

    assert not set(POST_SPLIT) & set(MigrationRecorder(connection).applied_migrations())
    ContentType = _model(back, "contenttypes", "ContentType")
    for model in MOVED:
        ct = ContentType.objects.get(pk=seeded["content_types"][model])
        assert (ct.app_label, ct.model) == ("governance", model)
    assert not ContentType.objects.filter(app_label__in=["risk", "approvals", "documents"]).exists()
    assert _counts(back, split=False) == {
        **counts_before,
        "django_content_type": counts_before["django_content_type"] - 1,
        "auth_permission": counts_before["auth_permission"] - 1,
    }
    assert _triggers() == triggers_before
    assert "Audit trail intact: 2 events" in _verify_audit()


@pytest.mark.django_db
@pytest.mark.parametrize(("app_label", "name"), STATE_ONLY)
def test_state_only_moves_run_no_sql(app_label, name):
    assert _sql_statements(app_label, name) == []
    assert _sql_statements(app_label, name, backwards=True) == []


@pytest.mark.django_db
def test_sql_filter_sees_real_statements():
    """Guards the test above: a migration that does create a table shows up as SQL."""
    assert any(
        "CREATE TABLE" in line for line in _sql_statements("governance", "0004_generated_documents")
    )


# --- assertion helpers -------------------------------------------------------------------------


def _assert_state_matches_tables(state) -> None:
    introspection = connection.introspection
    with connection.cursor() as cursor:
        for model, app in MOVED.items():
            cls = _model(state, app, model)
            table = cls._meta.db_table
            assert table == f"governance_{model}"
            columns = {c.name for c in introspection.get_table_description(cursor, table)}
            assert {f.column for f in cls._meta.concrete_fields} == columns
            db_names = set(introspection.get_constraints(cursor, table))
            declared = {c.name for c in cls._meta.constraints} | {i.name for i in cls._meta.indexes}
            assert declared <= db_names, (table, declared - db_names)


def _assert_approval_rules_hold(state, seeded) -> None:
    ApprovalDecision = _model(state, "approvals", "ApprovalDecision")
    DeploymentRequest = _model(state, "approvals", "DeploymentRequest")
    decisions = ApprovalDecision.objects.filter(pk=seeded["decision"])

    # Only the trigger refuses these (no constraint covers a comment edit or a delete).
    with pytest.raises(DatabaseError, match="approval decisions are final"), transaction.atomic():
        decisions.update(comment="second thoughts")
    with pytest.raises(DatabaseError, match="approval decisions are final"), transaction.atomic():
        decisions.delete()
    with pytest.raises(DatabaseError, match="approval decisions are final"), transaction.atomic():
        decisions.update(approver_id=seeded["owner"])
    # approved -> draft is not in TRANSITIONS; the check constraint would allow a draft.
    with pytest.raises(IntegrityError, match="not a legal transition"), transaction.atomic():
        DeploymentRequest.objects.filter(pk=seeded["request"]).update(state="draft")
    # An approved request takes no further decision.
    with pytest.raises(IntegrityError, match="takes no decision"), transaction.atomic():
        ApprovalDecision.objects.create(
            request_id=seeded["request"],
            approver_id=seeded["third"],
            requester_id=seeded["owner"],
            verdict="approve",
            fingerprint="f" * 64,
        )
    # A new request cannot be born approved.
    request = DeploymentRequest.objects.get(pk=seeded["request"])
    with pytest.raises(IntegrityError, match="starts as draft or submitted"), transaction.atomic():
        DeploymentRequest.objects.create(
            model_service_id=request.model_service_id,
            model_version_id=request.model_version_id,
            environment="staging",
            state="approved",
            justification="Skip review.",
            requested_by_id=seeded["owner"],
            fingerprint="f" * 64,
            decided_at=timezone.now(),
            expires_at=timezone.now() + timedelta(days=1),
        )
    assert DeploymentRequest.objects.get(pk=seeded["request"]).state == "approved"
    assert ApprovalDecision.objects.count() == 1


def _assert_same_visibility_through_current_code(seeded) -> None:
    """After migrating, the database matches the current code: its permission checks (model
    backend, guardian) see exactly the grants made before the split."""
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import User
    from approvals.models import DeploymentRequest
    from documents.models import GeneratedDocument

    ContentType.objects.clear_cache()
    owner = User.objects.get(pk=seeded["owner"])
    reviewer = User.objects.get(pk=seeded["reviewer"])
    third = User.objects.get(pk=seeded["third"])
    request = DeploymentRequest.objects.get(pk=seeded["request"])
    document = GeneratedDocument.objects.get()

    assert owner.has_perm("risk.view_riskassessment")
    assert not third.has_perm("risk.view_riskassessment")
    assert reviewer.has_perm("approvals.view_deploymentrequest", request)
    assert not third.has_perm("approvals.view_deploymentrequest", request)
    assert owner.has_perm("documents.view_generateddocument", document)
    assert not third.has_perm("documents.view_generateddocument", document)
    assert (
        ContentType.objects.get_for_model(DeploymentRequest).pk
        == (seeded["content_types"]["deploymentrequest"])
    )
    ContentType.objects.clear_cache()
