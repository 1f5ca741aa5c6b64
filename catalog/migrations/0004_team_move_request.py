"""Team move requests (red-team finding 2): a model changes teams only when the receiving team
accepts. Besides the model's constraints (one pending move per model, never to its own team,
decided moves carry who and when, the requester never accepts), a trigger holds the state
machine of ``TeamMoveRequest.TRANSITIONS``: a move starts pending, only a pending move changes
state, and what it binds (model, teams, requester, reason) never changes. PostgreSQL gets all of
it; SQLite (the embedded demo) gets the transition rule.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

LEGAL = "(OLD.state = 'pending' AND NEW.state IN ('accepted', 'declined', 'cancelled'))"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION attest_team_move_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.state <> 'pending' THEN
            RAISE EXCEPTION 'a team move starts pending, not %', NEW.state
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.state IS DISTINCT FROM OLD.state AND NOT {LEGAL} THEN
        RAISE EXCEPTION 'team move %: % -> % is not a legal transition',
            OLD.id, OLD.state, NEW.state USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.state <> 'pending' AND NEW IS DISTINCT FROM OLD THEN
        RAISE EXCEPTION 'team move % is decided and cannot change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.model_service_id IS DISTINCT FROM OLD.model_service_id
        OR NEW.from_team_id IS DISTINCT FROM OLD.from_team_id
        OR NEW.to_team_id IS DISTINCT FROM OLD.to_team_id
        OR NEW.requested_by_id IS DISTINCT FROM OLD.requested_by_id
        OR NEW.reason IS DISTINCT FROM OLD.reason THEN
        RAISE EXCEPTION 'team move %: what a move binds cannot change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER catalog_team_move_guard BEFORE INSERT OR UPDATE ON catalog_teammoverequest
    FOR EACH ROW EXECUTE FUNCTION attest_team_move_guard();
"""  # noqa: S608 (constant SQL built from constants, no input)
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS catalog_team_move_guard ON catalog_teammoverequest;
DROP FUNCTION IF EXISTS attest_team_move_guard();
"""
SQLITE_UP = [
    "CREATE TRIGGER catalog_team_move_insert BEFORE INSERT ON catalog_teammoverequest "
    "WHEN NEW.state IS NOT 'pending' "
    "BEGIN SELECT RAISE(ABORT, 'a team move starts pending'); END;",
    "CREATE TRIGGER catalog_team_move_transition BEFORE UPDATE OF state "
    "ON catalog_teammoverequest "
    f"WHEN NEW.state IS NOT OLD.state AND NOT {LEGAL} "
    "BEGIN SELECT RAISE(ABORT, 'not a legal team move transition'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS catalog_team_move_insert;",
    "DROP TRIGGER IF EXISTS catalog_team_move_transition;",
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
    dependencies = [
        ("accounts", "0002_role_groups"),
        ("catalog", "0003_modelservice_obligations_completeness"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TeamMoveRequest",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("reason", models.TextField(verbose_name="reason")),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("accepted", "Accepted"),
                            ("declined", "Declined"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="pending",
                        max_length=20,
                        verbose_name="state",
                    ),
                ),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="decided at"),
                ),
                ("decision_comment", models.TextField(blank=True, verbose_name="decision comment")),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "from_team",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.team",
                        verbose_name="from team",
                    ),
                ),
                (
                    "model_service",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="team_moves",
                        to="catalog.modelservice",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "to_team",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.team",
                        verbose_name="to team",
                    ),
                ),
            ],
            options={
                "verbose_name": "team move request",
                "verbose_name_plural": "team move requests",
                "ordering": ["-created_at"],
                "indexes": [
                    models.Index(fields=["to_team", "state"], name="catalog_team_move_inbox")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("state", "pending")),
                        fields=("model_service",),
                        name="catalog_one_pending_team_move_per_model",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("from_team", models.F("to_team")), _negated=True),
                        name="catalog_team_move_to_another_team",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("state__in", ["pending", "accepted", "declined", "cancelled"])
                        ),
                        name="catalog_team_move_known_state",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("decided_at__isnull", True),
                                ("decided_by__isnull", True),
                                ("state", "pending"),
                            ),
                            models.Q(
                                models.Q(("state", "pending"), _negated=True),
                                ("decided_at__isnull", False),
                                ("decided_by__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="catalog_team_move_decided_fields",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("decided_by", models.F("requested_by")),
                            ("state", "accepted"),
                            _negated=True,
                        ),
                        name="catalog_team_move_not_accepted_by_requester",
                    ),
                ],
            },
        ),
        migrations.RunPython(up, down),
    ]
