"""The pre-split world the split-migration tests migrate: rows of every moved model written
through the historical models, and an audit trail (split from test_split_migration.py)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

# The models the split moves, and the app each moved to.
MOVED = {
    "riskassessment": "risk",
    "obligation": "risk",
    "evidence": "risk",
    "deploymentrequest": "approvals",
    "approvaldecision": "approvals",
    "deployment": "approvals",
    "driftfinding": "approvals",
    "generateddocument": "documents",
}


def seed_pre_split(state) -> dict:
    """One of everything the split moves, written through the pre-split historical models."""
    now = timezone.now()
    get = state.apps.get_model
    Group = get("auth", "Group")
    Permission = get("auth", "Permission")
    ContentType = get("contenttypes", "ContentType")
    User = get("accounts", "User")
    Team = get("accounts", "Team")

    team_group = Group.objects.create(name="team-credit-risk")
    team = Team.objects.create(name="Credit Risk", slug="credit-risk", group=team_group)
    owner = User.objects.create(username="owner", password="!")
    reviewer = User.objects.create(username="reviewer", password="!")
    third = User.objects.create(username="compliance", password="!")
    owner.groups.add(team_group)
    team.reviewers.add(reviewer)

    service = get("catalog", "ModelService").objects.create(name="credit-scoring", owner_team=team)
    version = get("catalog", "ModelVersion").objects.create(model_service=service, version="1")

    assessment = get("governance", "RiskAssessment").objects.create(
        model_service=service,
        status="submitted",
        revision=1,
        ruleset_version="eu-ai-act-2024.1",
        tier="high",
        submitted_by=owner,
        submitted_at=now,
    )
    obligation = get("governance", "Obligation").objects.create(
        assessment=assessment,
        model_service=service,
        code="art9-risk-management",
        article="Art. 9",
        title="Risk management system",
        owner=owner,
    )
    get("governance", "Evidence").objects.create(
        obligation=obligation, link="https://wiki.example.org/risk-register", uploaded_by=owner
    )
    DeploymentRequest = get("governance", "DeploymentRequest")
    request = DeploymentRequest.objects.create(
        model_service=service,
        model_version=version,
        environment="production",
        state="submitted",
        justification="Quarterly retrain.",
        requested_by=owner,
        submitted_at=now,
        fingerprint="f" * 64,
    )
    decision = get("governance", "ApprovalDecision").objects.create(
        request=request, approver=reviewer, requester=owner, verdict="approve", fingerprint="f" * 64
    )
    DeploymentRequest.objects.filter(pk=request.pk).update(
        state="approved", decided_at=now, expires_at=now + timedelta(days=90)
    )
    get("governance", "Deployment").objects.create(
        approval=request,
        model_service=service,
        model_version=version,
        environment="production",
        fingerprint="f" * 64,
        deployed_at=now,
        deployed_by=owner,
    )
    get("governance", "DriftFinding").objects.create(
        model_service=service,
        model_version=version,
        environment="production",
        alias="champion",
        detail="Registry alias points at a version without approval.",
    )
    get("governance", "GeneratedDocument").objects.create(
        kind="model_card", model_service=service, model_version=version, requested_by=owner
    )
    alert = get("monitoring", "Alert").objects.create(
        kind="relative_drop",
        model_service=service,
        model_version=version,
        approval=request,
        environment="production",
        title="AUC dropped since approval",
        last_seen_at=now,
    )

    # Content types and permissions as a running pre-split installation has them (the migrator
    # mutes post_migrate, so they are made here).
    content_types, permissions = {}, {}
    for model in MOVED:
        ct, _ = ContentType.objects.get_or_create(app_label="governance", model=model)
        content_types[model] = ct.pk
        for action in ("view", "change"):
            perm, _ = Permission.objects.get_or_create(
                content_type=ct, codename=f"{action}_{model}", defaults={"name": f"Can {action}"}
            )
            permissions[perm.pk] = (ct.pk, perm.codename)
    # A stale twin, as if the new code had started once before migrating: 0006 drops it.
    twin = ContentType.objects.create(app_label="approvals", model="deployment")
    Permission.objects.create(content_type=twin, codename="view_deployment", name="Can view")

    view_assessment = Permission.objects.get(
        content_type_id=content_types["riskassessment"], codename="view_riskassessment"
    )
    view_request = Permission.objects.get(
        content_type_id=content_types["deploymentrequest"], codename="view_deploymentrequest"
    )
    view_document = Permission.objects.get(
        content_type_id=content_types["generateddocument"], codename="view_generateddocument"
    )
    team_group.permissions.add(view_assessment)
    get("guardian", "UserObjectPermission").objects.create(
        user=reviewer,
        permission=view_request,
        content_type_id=content_types["deploymentrequest"],
        object_pk=str(request.pk),
    )
    get("guardian", "GroupObjectPermission").objects.create(
        group=team_group,
        permission=view_document,
        content_type_id=content_types["generateddocument"],
        object_pk=str(get("governance", "GeneratedDocument").objects.get().pk),
    )
    catalog_ct, _ = ContentType.objects.get_or_create(app_label="catalog", model="modelservice")
    view_service, _ = Permission.objects.get_or_create(
        content_type=catalog_ct, codename="view_modelservice", defaults={"name": "Can view"}
    )
    get("catalog", "ModelServiceGroupPermission").objects.create(
        group=team_group, permission=view_service, content_object=service
    )

    write_audit_trail(request_id=request.pk, service_id=service.pk)
    return {
        "owner": owner.pk,
        "reviewer": reviewer.pk,
        "third": third.pk,
        "team_group": team_group.pk,
        "request": request.pk,
        "decision": decision.pk,
        "alert": alert.pk,
        "twin": twin.pk,
        "content_types": content_types,
        "permissions": permissions,
    }


def write_audit_trail(*, request_id, service_id) -> None:
    """Real events through audit_record (the audit app is at its newest migration already) and a
    signed checkpoint over them, so verify_audit checks chain and checkpoint afterwards."""
    from audit import checkpoints
    from audit.services import audit_record

    with transaction.atomic():
        for action in ("governance.request_submitted", "governance.request_approved"):
            audit_record(
                actor=None,
                action=action,
                target_type="governance.deploymentrequest",
                target_id=str(request_id),
                target_label="credit-scoring 1 → production",
                subject_id=service_id,
                after={"state": action.rsplit("_", 1)[-1]},
            )
    checkpoints.checkpoint_create()
