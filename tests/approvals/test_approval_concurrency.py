"""P3: 100 requests × 4 concurrent deciders (approve or reject at random) → every request ends
with exactly one decision: the row lock makes the losers see a closed request (409).

Real PostgreSQL transactions from real threads; the naive version decided 100/100 twice."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connections

from approvals import services
from approvals.models import ApprovalDecision, DeploymentRequest
from tests.approvals.approval_helpers import assessed_model
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_p3_hundred_requests_four_concurrent_deciders_exactly_one_decision_each(personas):
    model = assessed_model(personas, "minimal", versions=[str(v) for v in range(1, 101)])
    requests = [
        services.deployment_request_create(
            actor=personas.owner,
            model_version=version,
            environment="production",
            justification="batch",
        )
        for version in model.versions.all()
    ]
    deciders = [
        UserFactory(username=f"compliance-{i}", roles=["compliance-officer"]) for i in range(4)
    ]
    barrier = threading.Barrier(len(deciders))
    outcomes: dict[str, list[str]] = {d.username: [] for d in deciders}
    errors: list[BaseException] = []

    def decide(user, seed):
        rng = random.Random(seed)
        try:
            barrier.wait()
            for request in requests:
                verdict = rng.choice(["approve", "reject"])
                try:
                    services.deployment_request_decide(
                        actor=user, request=request, verdict=verdict, comment="race"
                    )
                    outcomes[user.username].append("decided")
                except services.Conflict:
                    outcomes[user.username].append("conflict")
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=(user, seed)) for seed, user in enumerate(deciders)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors, errors
    counts = [
        ApprovalDecision.objects.filter(request=r).count() for r in DeploymentRequest.objects.all()
    ]
    assert len(counts) == 100
    assert sum(1 for c in counts if c > 1) == 0  # 0 with more than one decision
    assert sum(1 for c in counts if c == 0) == 0  # 0 with none
    assert sum(o.count("decided") for o in outcomes.values()) == 100
    assert not DeploymentRequest.objects.filter(state="submitted").exists()
