"""``manage.py seed_demo``: the demo portfolio, teams, one user per role, and EU AI Act
assessments in every tier. Idempotent.

Everything goes through the services, so the demo has an audit trail like real data. Demo users
share a documented password, so the command refuses to run with DEBUG off unless told to.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Team, User
from catalog import demo
from catalog import services as catalog_services
from catalog.models import ModelService
from common.request_context import request_context
from monitoring import demo as monitoring_demo
from risk import demo as risk_demo
from risk import ruleset as rulesets
from risk import services as risk_services
from risk.models import Obligation, RiskAssessment
from usage import demo as usage_demo


class Command(BaseCommand):
    help = "Create the demo teams, users (one per role) and >= 25 models with versions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off (demo users have a published password).",
        )

    def handle(self, *args, allow_production: bool, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Refusing to create demo users with a published password while DEBUG is off; "
                "pass --allow-production if this really is a demo instance."
            )
        with request_context(source="cli"), transaction.atomic():
            teams = self._teams()
            users = self._users(teams)
            created = self._models(teams, users)
            self._access(teams, users)
            assessed = self._assessments(users)
            requests = self._deployment_requests(users)
            # Later apps add their demo data (monitoring: metrics, alerts, an incident).
            extras = [
                line for line in [monitoring_demo.seed(users), usage_demo.seed(users)] if line
            ]
        self.stdout.write(
            f"Demo ready: {len(teams)} teams, {len(users)} users, {created} new models "
            f"({ModelService.objects.count()} in the catalog), {assessed} new risk assessments, "
            f"{requests} new deployment requests. "
            f"Password for every demo user: "
            f"{demo.DEMO_PASSWORD}"
        )
        for line in extras:
            self.stdout.write(f"  + {line}")

    def _teams(self) -> dict[str, Team]:
        teams = {}
        for slug, name, description in demo.TEAMS:
            team = Team.objects.filter(slug=slug).first()
            if team is None:
                team = account_services.team_create(
                    actor=None, name=name, slug=slug, description=description
                )
            teams[slug] = team
        return teams

    def _users(self, teams: dict[str, Team]) -> dict[str, User]:
        users = {}
        for username, first, last, roles, team_slugs in demo.USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@attest.example",
                },
            )
            if created:
                user.set_password(demo.DEMO_PASSWORD)
                if "admin" in roles:
                    user.is_staff = True
                    user.is_superuser = True
                user.save()
            for role in roles:
                account_services.user_role_grant(actor=None, user=user, role=role)
            for slug in team_slugs:
                account_services.team_member_add(actor=None, team=teams[slug], user=user)
            users[username] = user
        return users

    def _assessments(self, users: dict[str, User]) -> int:
        created = 0
        carla = users["carla"]
        for name, answers in risk_demo.ANSWERS.items():
            model = ModelService.objects.filter(name=name).first()
            if model is None or RiskAssessment.objects.filter(model_service=model).exists():
                continue
            earlier = name in risk_demo.ASSESSED_UNDER_EARLIER_RULESET
            risk_services.assessment_submit(
                actor=carla,
                model_service=model,
                answers={**risk_demo.BASE, **answers},
                rules=rulesets.get(risk_demo.EARLIER_RULESET) if earlier else None,
            )
            created += 1
            for code, link in risk_demo.MET.get(name, {}).items():
                obligation = Obligation.objects.get(model_service=model, code=code, is_current=True)
                risk_services.evidence_add(
                    actor=carla, obligation=obligation, link=link, description="Approved document"
                )
                risk_services.obligation_update(
                    actor=carla, obligation=obligation, status=Obligation.Status.MET
                )
        return created

    # model, requester, environment, what happens next (reviewer rita, compliance carla)
    REQUESTS = [
        ("churn-predictor", "dora", "production", "approve"),
        ("credit-scoring-retail", "alice", "staging", "approve"),
        ("credit-scoring-retail", "alice", "production", None),  # blocked: obligations open
        ("support-chatbot", "paul", "staging", "approve"),
        ("demand-forecasting", "dora", "production", None),  # in Rita's inbox
        ("card-fraud-detector", "bob", "staging", "reject"),
    ]

    def _deployment_requests(self, users: dict[str, User]) -> int:
        """A few requests in every state, so the inbox and the gate have something to show."""
        from approvals import services as approvals
        from approvals.models import DeploymentRequest

        if DeploymentRequest.objects.exists():
            return 0
        created = 0
        for name, requester, environment, outcome in self.REQUESTS:
            model = ModelService.objects.filter(name=name).first()
            version = model and model.versions.order_by("-version_number").first()
            if version is None or not model.risk_tier:
                continue
            request = approvals.deployment_request_create(
                actor=users[requester],
                model_version=version,
                environment=environment,
                justification=(
                    f"Retrained on the latest quarter; {name} v{version.version} beats the "
                    "champion on the hold-out set."
                ),
                metrics=version.metrics or {},
            )
            created += 1
            if outcome == "approve":
                approvals.deployment_request_decide(
                    actor=users["rita"], request=request, verdict="approve", comment="Looks good."
                )
            elif outcome == "reject":
                approvals.deployment_request_decide(
                    actor=users["rita"],
                    request=request,
                    verdict="reject",
                    comment="The false-positive rate on small merchants doubled; fix first.",
                )
        return created

    def _access(self, teams: dict[str, Team], users: dict[str, User]) -> None:
        for username, team_slugs in demo.REVIEWER_POOLS.items():
            for slug in team_slugs:
                account_services.team_reviewer_add(
                    actor=None, team=teams[slug], user=users[username]
                )
        for username, model_names in demo.SHARED_WITH.items():
            for model in ModelService.objects.filter(name__in=model_names):
                catalog_services.model_service_share(
                    actor=None, model_service=model, user=users[username]
                )

    def _models(self, teams: dict[str, Team], users: dict[str, User]) -> int:
        rng = random.Random(20261122)  # noqa: S311  (deterministic demo data, not security)
        now = timezone.now()
        created = 0
        for team_slug, name, lifecycle, tags, metrics, purpose, intended_use in demo.MODELS:
            if ModelService.objects.filter(name=name).exists():
                continue
            team = teams[team_slug]
            model = catalog_services.model_service_register(
                actor=None,
                name=name,
                owner_team=team,
                registry_name=name,
                metadata={
                    "description": purpose,
                    "purpose": purpose,
                    "intended_use": intended_use,
                    "intended_users": f"{team.name} and the business functions they serve.",
                    "stakeholders": f"Head of {team.name}; Compliance; Internal Audit.",
                    "training_data": "Internal historical records, 2019–2025, pseudonymised.",
                    "input_features": "See the feature list in the version's run.",
                    "limitations": "Performance not validated outside the EU market.",
                    "lifecycle_status": lifecycle,
                    "tags": tags,
                },
            )
            version_count = rng.randint(1, 6)
            for number in range(1, version_count + 1):
                registered = now - timedelta(
                    days=30 * (version_count - number) + rng.randint(1, 20)
                )
                run_id = f"{rng.getrandbits(128):032x}"
                catalog_services.model_version_register(
                    actor=None,
                    model_service=model,
                    version=str(number),
                    source_uri=f"models:/{name}/{number}",
                    run_id=run_id,
                    description=f"Retrained on data up to {registered:%B %Y}.",
                    tags={
                        "framework": rng.choice(["sklearn", "xgboost", "lightgbm", "pytorch"]),
                        "trained_by": team_slug,
                    },
                    aliases=["champion"]
                    if number == version_count and lifecycle == "production"
                    else [],
                    metrics={
                        k: round(v * (0.94 + 0.06 * number / version_count), 4)
                        for k, v in metrics.items()
                    },
                    registry_created_at=registered,
                    registry_updated_at=registered,
                )
            created += 1
        return created
