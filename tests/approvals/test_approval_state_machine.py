"""P5: a property-based run of the approval state machine (200 examples) → 0 invariant
violations. Random sequences of create / decide / withdraw / revoke / expire / evidence-change
by random people; after every step the invariants below must hold in the database."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from approvals import selectors, services
from approvals.models import ApprovalDecision, DeploymentRequest
from risk import services as assessment_services
from risk.models import Obligation
from tests.approvals.approval_helpers import assessed_model, meet_all_obligations
from tests.factories import UserFactory

State = DeploymentRequest.State
pytestmark = pytest.mark.django_db


def test_p5_random_sequences_never_break_the_approval_invariants(personas):
    high = assessed_model(personas, "high", versions=("1", "2"))
    meet_all_obligations(personas, high)
    minimal = assessed_model(personas, "minimal", versions=("1", "2"))
    versions = [*high.versions.all(), *minimal.versions.all()]
    extra_reviewer = UserFactory(username="reviewer-2", roles=["reviewer"])
    personas.team.reviewers.add(extra_reviewer)
    people = [
        personas.owner,
        personas.teammate,
        personas.reviewer,
        extra_reviewer,
        personas.compliance,
        UserFactory(username="compliance-2", roles=["compliance-officer"]),
        personas.outsider,
        personas.other_reviewer,
    ]
    obligation = Obligation.objects.filter(model_service=minimal, is_current=True).first()

    class ApprovalMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()  # each example starts from the set-up above
            self.evidence_n = 0

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def _requests(self):
            return list(DeploymentRequest.objects.order_by("created_at"))

        @rule(
            v=st.integers(0, 3),
            env=st.sampled_from(["staging", "production"]),
            who=st.integers(0, 7),
            submit=st.booleans(),
        )
        def create(self, v, env, who, submit):
            with contextlib.suppress(services.Conflict, PermissionDenied, ValidationError):
                services.deployment_request_create(
                    actor=people[who],
                    model_version=versions[v],
                    environment=env,
                    justification="prop",
                    submit=submit,
                )

        @rule(
            i=st.integers(0, 20),
            who=st.integers(0, 7),
            verdict=st.sampled_from(["approve", "reject"]),
            comment=st.sampled_from(["", "c"]),
        )
        def decide(self, i, who, verdict, comment):
            rows = self._requests()
            if rows:
                with contextlib.suppress(services.Conflict, PermissionDenied, ValidationError):
                    services.deployment_request_decide(
                        actor=people[who],
                        request=rows[i % len(rows)],
                        verdict=verdict,
                        comment=comment,
                    )

        @rule(i=st.integers(0, 20), who=st.integers(0, 7))
        def submit_or_withdraw(self, i, who):
            rows = self._requests()
            if rows:
                row = rows[i % len(rows)]
                action = (
                    services.deployment_request_submit
                    if row.state == State.DRAFT and who % 2
                    else services.deployment_request_withdraw
                )
                with contextlib.suppress(services.Conflict, PermissionDenied, ValidationError):
                    action(actor=people[who], request=row)

        @rule(i=st.integers(0, 20), who=st.integers(0, 7))
        def revoke(self, i, who):
            rows = self._requests()
            if rows:
                with contextlib.suppress(services.Conflict, PermissionDenied, ValidationError):
                    services.approval_revoke(
                        actor=people[who], request=rows[i % len(rows)], reason="prop"
                    )

        @rule(days=st.integers(0, 800))
        def time_passes(self, days):
            from django.utils import timezone

            services.approvals_expire(now=timezone.now() + timedelta(days=days))

        @rule()
        def evidence_changes(self):
            self.evidence_n += 1
            assessment_services.evidence_add(
                actor=personas.owner,
                obligation=obligation,
                link=f"https://wiki.example.com/e{self.evidence_n}",
            )

        @invariant()
        def approvals_meet_their_requirement(self):
            for row in DeploymentRequest.objects.filter(
                state__in=[State.APPROVED, State.EXPIRED, State.STALE, State.REVOKED],
                decided_at__isnull=False,
            ):
                approvals = ApprovalDecision.objects.filter(
                    request=row, verdict="approve", fingerprint=row.fingerprint
                )
                assert (
                    approvals.values("approver").distinct().count() >= row.requirement["approvals"]
                ), row
                assert (
                    approvals.filter(as_compliance=True).values("approver").distinct().count()
                    >= (row.requirement["compliance_approvals"])
                )
                assert row.fingerprint and row.expires_at

        @invariant()
        def separation_of_duties_and_one_decision_each(self):
            assert not ApprovalDecision.objects.filter(approver_id=F("requester_id")).exists()
            assert not (
                ApprovalDecision.objects.values("request", "approver")
                .annotate(n=Count("id"))
                .filter(n__gt=1)
                .exists()
            )
            for d in ApprovalDecision.objects.select_related("request"):
                assert d.approver_id != d.request.requested_by_id
                assert (
                    selectors.decide_refusal(d.approver, d.request) is None
                )  # only eligible deciders

        @invariant()
        def one_open_request_per_version_and_environment(self):
            assert not (
                DeploymentRequest.objects.filter(state__in=DeploymentRequest.OPEN_STATES)
                .values("model_version", "environment")
                .annotate(n=Count("id"))
                .filter(n__gt=1)
                .exists()
            )

        @invariant()
        def rejections_have_one_commented_reject(self):
            for row in DeploymentRequest.objects.filter(state=State.REJECTED):
                rejects = row.decisions.filter(verdict="reject")
                assert rejects.count() == 1 and rejects.get().comment

    run_state_machine_as_test(
        ApprovalMachine,
        settings=settings(
            max_examples=200,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
