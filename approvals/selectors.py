"""Permission-aware reads for deployment requests, and the inputs an approval binds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from accounts.models import ApiToken, User
from accounts.roles import OVERSIGHT_ROLES, PORTFOLIO_ROLES, Role, has_role
from approvals import configuration, fingerprint, policy

# Predicates live in approvals/access.py; the names stay importable from here.
from approvals.access import (  # noqa: F401
    can_request,
    can_revoke,
    can_withdraw,
    decide_refusal,
    is_compliance,
)
from approvals.models import ApprovalDecision, DeploymentRequest, DriftFinding
from catalog.models import (
    ModelService,
    ModelServiceGroupPermission,
    ModelServiceUserPermission,
    ModelVersion,
)
from catalog.selectors import model_service_visible
from risk.models import Evidence, Obligation, RiskAssessment
from risk.selectors import governing_tier

State = DeploymentRequest.State


# --- What an approval binds -----------------------------------------------------------------
def model_card(model: ModelService) -> dict[str, str]:
    return {name: getattr(model, name) or "" for name in fingerprint.MODEL_CARD_FIELDS}


def fingerprint_inputs(version: ModelVersion) -> fingerprint.FingerprintInputs:
    """The current state of everything an approval of ``version`` binds."""
    model = version.model_service
    revision = (
        RiskAssessment.objects.filter(
            model_service_id=model.pk, status=RiskAssessment.Status.SUBMITTED
        )
        .order_by("-revision")
        .values_list("revision", flat=True)
        .first()
    )
    evidence = sorted(
        row["sha256"] or f"link:{row['link']}"
        for row in Evidence.objects.filter(
            obligation__model_service_id=model.pk, obligation__is_current=True
        ).values("sha256", "link")
    )
    return fingerprint.FingerprintInputs(
        source_uri=version.source_uri,
        run_id=version.run_id,
        tags=fingerprint.relevant_tags(version.tags),
        assessment_revision=revision,
        evidence=evidence,
        model_card_hash=fingerprint.model_card_hash(model_card(model)),
    )


def obligation_states(model: ModelService) -> list[policy.ObligationState]:
    return [
        policy.ObligationState(
            code=o.code, article=o.article, title=o.title, done=o.status in Obligation.DONE
        )
        for o in Obligation.objects.filter(model_service=model, is_current=True).order_by(
            "article", "code"
        )
    ]


def requirement_for(model: ModelService, environment: str) -> policy.Requirement | None:
    """The policy for the tier that governs the model: the tier in force, or a proposed one
    awaiting confirmation when it is stricter; ``None`` while nothing is in force."""
    tier = governing_tier(model)
    if not tier or tier not in policy.TIERS:
        return None
    return configuration.requirement(tier, environment)


def blockers(model: ModelService, requirement: policy.Requirement) -> list[str]:
    """What, apart from approvals, keeps a request from being approved."""
    reasons = []
    if not requirement.submittable:
        reasons.append(gettext("Prohibited practice (Art. 5): this model may not be deployed."))
    unmet = policy.unmet_obligations(requirement.obligations, obligation_states(model))
    if unmet:
        listed = "; ".join(f"{o.article} {o.title}" for o in unmet[:5])
        more = gettext(" and %(n)s more") % {"n": len(unmet) - 5} if len(unmet) > 5 else ""
        reasons.append(
            ngettext(
                "%(n)s obligation not met or justified: %(listed)s%(more)s.",
                "%(n)s obligations not met or justified: %(listed)s%(more)s.",
                len(unmet),
            )
            % {"n": len(unmet), "listed": listed, "more": more}
        )
    if requirement.model_card:
        missing = fingerprint.model_card_missing(model_card(model))
        if missing:
            reasons.append(
                gettext("The model card is incomplete: %(fields)s.")
                % {"fields": card_field_labels(missing)}
            )
    return reasons


def card_field_labels(names: list[str]) -> str:
    """The model card fields ``names`` as the catalog labels them (its verbose names)."""
    labels = []
    for name in names:
        try:
            labels.append(str(ModelService._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            labels.append(name.replace("_", " "))
    return ", ".join(labels)


def eligible_reviewers(request: DeploymentRequest) -> QuerySet[User]:
    """People who may decide: the owning team's reviewers and every compliance officer."""
    team_reviewers = Q(reviewed_teams=request.model_service.owner_team_id) & Q(
        groups__name=Role.REVIEWER
    )
    return (
        User.objects.filter(is_active=True, is_service_account=False)
        .filter(team_reviewers | Q(groups__name__in=[Role.COMPLIANCE_OFFICER]))
        .exclude(pk=request.requested_by_id)
        .distinct()
        .order_by("username")
    )


# --- Lists and pages ------------------------------------------------------------------------
def request_visible(*, user) -> QuerySet[DeploymentRequest]:
    return DeploymentRequest.objects.filter(
        model_service__in=model_service_visible(user=user)
    ).select_related("model_service", "model_version", "requested_by", "model_service__owner_team")


# A submitted request waiting longer than this is overdue (highlighted in the inbox, counted
# on the dashboard).
REVIEW_SLA = timedelta(days=2)


def request_pending(*, user, overdue: bool = False) -> QuerySet[DeploymentRequest]:
    """Submitted requests on every model ``user`` may see, oldest first, whoever may decide
    them: what the dashboard's "pending in all" counts and its list shows. ``overdue``: only
    those waiting longer than ``REVIEW_SLA``."""
    rows = request_visible(user=user).filter(state=DeploymentRequest.State.SUBMITTED)
    if overdue:
        rows = rows.filter(submitted_at__lt=timezone.now() - REVIEW_SLA)
    return rows.order_by("submitted_at", "created_at")


def request_get(*, user, pk) -> DeploymentRequest:
    try:
        return request_visible(user=user).get(pk=pk)
    except (DeploymentRequest.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404(gettext("No such deployment request.")) from exc


@dataclass(frozen=True)
class InboxFilters:
    tier: str = ""
    environment: str = ""
    team: str = ""
    search: str = ""


def inbox(*, user, filters: InboxFilters | None = None) -> QuerySet[DeploymentRequest]:
    """Requests awaiting review that ``user`` may decide and has not decided, oldest first."""
    f = filters or InboxFilters()
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_service_account", False):
        return DeploymentRequest.objects.none()
    rows = request_visible(user=user).filter(state=State.SUBMITTED).exclude(requested_by=user)
    if not has_role(user, *OVERSIGHT_ROLES):
        if not has_role(user, Role.REVIEWER):
            return DeploymentRequest.objects.none()
        rows = rows.filter(model_service__owner_team__reviewers=user)
    rows = rows.exclude(
        Exists(ApprovalDecision.objects.filter(request=OuterRef("pk"), approver=user))
    )
    if f.tier:
        rows = rows.filter(risk_tier=f.tier)
    if f.environment:
        rows = rows.filter(environment=f.environment)
    if f.team:
        rows = rows.filter(model_service__owner_team__slug=f.team)
    if f.search:
        rows = rows.filter(model_service__name__icontains=f.search)
    return rows.order_by("submitted_at", "created_at")


def requests_for_model(model: ModelService) -> QuerySet[DeploymentRequest]:
    return (
        DeploymentRequest.objects.filter(model_service=model)
        .select_related("model_version", "requested_by")
        .order_by("-created_at")
    )


def approved_for(version: ModelVersion, environment: str) -> DeploymentRequest | None:
    return (
        DeploymentRequest.objects.filter(
            model_version=version, environment=environment, state=State.APPROVED
        )
        .select_related("model_service", "model_version")
        .first()
    )


def last_approved_before(request: DeploymentRequest) -> DeploymentRequest | None:
    """The most recent earlier approval of the same model for the same environment: for an
    open request the latest one; for a decided or closed one, the latest granted before that
    (a later approval is not what its reviewers compared against)."""
    rows = DeploymentRequest.objects.filter(
        model_service_id=request.model_service_id,
        environment=request.environment,
        decided_at__isnull=False,
        state__in=[State.APPROVED, State.EXPIRED, State.STALE, State.REVOKED],
    ).exclude(pk=request.pk)
    cutoff = request.decided_at or request.closed_at
    if cutoff is not None:
        rows = rows.filter(decided_at__lt=cutoff)
    return rows.select_related("model_version").order_by("-decided_at").first()


def drift_open(*, user=None, model: ModelService | None = None) -> QuerySet[DriftFinding]:
    rows = DriftFinding.objects.filter(resolved_at__isnull=True).select_related(
        "model_service", "model_version"
    )
    if model is not None:
        rows = rows.filter(model_service=model)
    if user is not None:
        rows = rows.filter(model_service__in=model_service_visible(user=user))
    return rows.order_by("-created_at")


# --- The deploy gate's hot path ---------------------------------------------------------------
@dataclass
class GateLookup:
    """Everything one gate call reads, from one statement (``gate_lookup``).

    ``token`` is the row for the presented key id, unchecked (the caller compares the secret
    and the expiry); ``model``, ``version`` and ``approval`` are what the token's user may see
    (``model_service_get_by_name`` and ``approved_for``), ``None`` when missing; ``inputs`` are
    the current fingerprint inputs of ``version`` (``fingerprint_inputs``)."""

    token: ApiToken | None
    model: ModelService | None = None
    version: ModelVersion | None = None
    approval: DeploymentRequest | None = None
    inputs: fingerprint.FingerprintInputs | None = None


_TOKEN_FIELDS = ("id", "user", "key_id", "secret_hash", "scopes", "expires_at", "last_used_at",
                 "revoked_at")  # fmt: skip
_USER_FIELDS = ("id", "username", "is_active", "is_superuser", "is_service_account")
_MODEL_FIELDS = (
    "id",
    "name",
    "registry_name",
    "owner_team",
    "risk_tier",
    *fingerprint.MODEL_CARD_FIELDS,
)
_VERSION_FIELDS = ("id", "model_service", "version", "version_number", "source_uri", "run_id",
                   "tags")  # fmt: skip
_gate_sql: str | None = None


def _columns(alias: str, model, names: tuple[str, ...]) -> list[tuple[str, object]]:
    # In the order of the model's concrete fields: ``Model.from_db`` expects them so.
    wanted = {model._meta.get_field(n).attname for n in names}
    return [
        (f'{alias}."{f.column}"', f) for f in model._meta.concrete_fields if f.attname in wanted
    ]


def _gate_statement() -> tuple[str, list[tuple[str, list]]]:
    """The statement, built once per process from the models' table and column names."""
    from accounts.models import Team

    parts = {
        "t": (ApiToken, _TOKEN_FIELDS),
        "u": (User, _USER_FIELDS),
        "m": (ModelService, _MODEL_FIELDS),
        "v": (ModelVersion, _VERSION_FIELDS),
        "a": (DeploymentRequest, tuple(f.name for f in DeploymentRequest._meta.concrete_fields)),
    }
    layout = [(alias, _columns(alias, model, names)) for alias, (model, names) in parts.items()]
    select = ", ".join(column for _alias, columns in layout for column, _f in columns)
    tables = {
        "token": ApiToken._meta.db_table,
        "user": User._meta.db_table,
        "user_groups": User.groups.through._meta.db_table,
        "group": "auth_group",
        "model": ModelService._meta.db_table,
        "group_perm": ModelServiceGroupPermission._meta.db_table,
        "user_perm": ModelServiceUserPermission._meta.db_table,
        "reviewers": Team.reviewers.through._meta.db_table,
        "version": ModelVersion._meta.db_table,
        "request": DeploymentRequest._meta.db_table,
        "assessment": RiskAssessment._meta.db_table,
        "obligation": Obligation._meta.db_table,
        "evidence": Evidence._meta.db_table,
    }
    # One round trip, every part an index lookup. The visibility rule is the one of
    # ``catalog.selectors.model_service_visible`` (the permission id cached, as there); the
    # order of ``m`` is that of ``model_service_get_by_name`` (the catalog name first, else the
    # registry name, by name); the approval is ``approved_for``'s (newest first); the revision
    # and evidence are ``fingerprint_inputs``'s.
    visible = f"""u.is_active AND (
    u.is_superuser OR u.roles::text[] && %(portfolio)s::text[]
    OR EXISTS (SELECT 1 FROM "{tables["group_perm"]}" gp WHERE gp.content_object_id = m.id
               AND gp.permission_id = %(perm)s AND gp.group_id IN (
                 SELECT ug.group_id FROM "{tables["user_groups"]}" ug WHERE ug.user_id = u.id))
    OR EXISTS (SELECT 1 FROM "{tables["user_perm"]}" up WHERE up.content_object_id = m.id
               AND up.permission_id = %(perm)s AND up.user_id = u.id)
    OR EXISTS (SELECT 1 FROM "{tables["reviewers"]}" r WHERE r.team_id = m.owner_team_id
               AND r.user_id = u.id))"""  # noqa: S608 (names from the models' metadata)
    # Names from the models' metadata only; every value is a bound parameter.
    sql = f"""
WITH u AS (
  SELECT u.*, t.id AS token_id,
    ARRAY(SELECT g.name FROM "{tables["user_groups"]}" ug JOIN "{tables["group"]}" g
          ON g.id = ug.group_id
          WHERE ug.user_id = u.id AND g.name = ANY(%(roles)s::text[])) AS roles
  FROM "{tables["token"]}" t JOIN "{tables["user"]}" u ON u.id = t.user_id
  WHERE t.key_id = %(key_id)s
), m AS (
  -- The catalog name first (its unique index); the registry name only when no visible model
  -- has that name: the LIMIT stops the append before the second branch runs.
  (SELECT m.* FROM "{tables["model"]}" m, u WHERE m.name = %(name)s AND {visible} LIMIT 1)
  UNION ALL
  (SELECT m.* FROM "{tables["model"]}" m, u WHERE m.registry_name = %(name)s AND {visible}
   ORDER BY m.name LIMIT 1)
  LIMIT 1
), v AS (
  SELECT v.* FROM "{tables["version"]}" v JOIN m ON v.model_service_id = m.id
  WHERE v.version = %(version)s LIMIT 1
), a AS (
  SELECT a.* FROM "{tables["request"]}" a JOIN v ON a.model_version_id = v.id
  WHERE a.environment = %(environment)s AND a.state = %(approved)s
  ORDER BY a.created_at DESC LIMIT 1
)
SELECT {select}, u.roles,
  (SELECT ra.revision FROM "{tables["assessment"]}" ra WHERE ra.model_service_id = m.id
   AND ra.status = %(submitted)s ORDER BY ra.revision DESC LIMIT 1),
  (SELECT json_agg(json_build_array(e.sha256, e.link))::text FROM "{tables["evidence"]}" e
   JOIN "{tables["obligation"]}" o ON o.id = e.obligation_id
   WHERE o.model_service_id = m.id AND o.is_current)
FROM "{tables["token"]}" t
JOIN u ON u.token_id = t.id
LEFT JOIN m ON TRUE LEFT JOIN v ON TRUE LEFT JOIN a ON TRUE
"""  # noqa: S608
    return sql, layout


def _instance(model, columns, values, connection):
    if values[0] is None:
        return None
    names, converted = [], []
    for (_column, f), value in zip(columns, values, strict=True):
        if value is not None and hasattr(f, "from_db_value"):
            value = f.from_db_value(value, None, connection)
        names.append(f.attname)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)


def gate_lookup(*, key_id: str, name: str, version: str, environment: str) -> GateLookup | None:
    """The token, the visible model and version, the approval and the fingerprint inputs of
    one gate call, in one statement (PostgreSQL). ``None`` when the database is not PostgreSQL
    (the caller then takes the general path: ``approvals.gate.gate_answer``)."""
    from django.db import connection

    from catalog.access import VIEW_PERMISSION, permission_id

    global _gate_sql
    if connection.vendor != "postgresql":
        return None
    if _gate_sql is None:
        _gate_sql = _gate_statement()
    sql, layout = _gate_sql
    params = {
        "key_id": key_id,
        "name": name,
        "version": version,
        "environment": environment,
        "roles": list(Role.values),
        "portfolio": [str(r) for r in PORTFOLIO_ROLES],
        "perm": permission_id(VIEW_PERMISSION),
        "approved": State.APPROVED,
        "submitted": RiskAssessment.Status.SUBMITTED,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return GateLookup(token=None)
    objects, at = {}, 0
    for alias, columns in layout:
        model = {"t": ApiToken, "u": User, "m": ModelService, "v": ModelVersion}.get(
            alias, DeploymentRequest
        )
        objects[alias] = _instance(model, columns, row[at : at + len(columns)], connection)
        at += len(columns)
    roles, revision, evidence_json = row[at], row[at + 1], row[at + 2]
    token, user, model, model_version, approval = (objects[k] for k in "tumva")
    user._attest_roles = frozenset(roles)  # accounts.roles.user_roles' per-request cache
    token.user = user
    found = GateLookup(token=token, model=model)
    if model is not None and model_version is not None:
        model_version.model_service = model
        found.version = model_version
        if approval is not None:
            approval.model_service, approval.model_version = model, model_version
            found.approval = approval
        evidence = sorted(
            sha256 or f"link:{link}" for sha256, link in json.loads(evidence_json or "[]")
        )
        found.inputs = fingerprint.FingerprintInputs(
            source_uri=model_version.source_uri,
            run_id=model_version.run_id,
            tags=fingerprint.relevant_tags(model_version.tags),
            assessment_revision=revision,
            evidence=evidence,
            model_card_hash=fingerprint.model_card_hash(model_card(model)),
        )
    return found
