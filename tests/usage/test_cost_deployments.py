"""Cost matched to deployments by a second tag (issue 22, point 2: "and to deployments by a
second tag"): by deployment id or by environment (the deployment live there in the charge
period), within the model the first tag matched; anything else stays unmatched."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals import services as approval_services
from approvals.models import Deployment
from tests.approvals.approval_helpers import assessed_model
from tests.usage.focus_files import csv_bytes, row
from usage import services
from usage.models import CostRow

pytestmark = pytest.mark.django_db


def _approved(personas, model, version, environment):
    request = approval_services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version=version),
        environment=environment,
        justification="Q4.",
    )
    return approval_services.deployment_request_decide(
        actor=personas.compliance, request=request, verdict="approve"
    )


def _deployed(personas, model, version, environment, when):
    """A deployment row as deployment_record writes it, at a chosen time."""
    approval = _approved(personas, model, version, environment)
    return Deployment.objects.create(
        model_service=model,
        model_version=model.versions.get(version=version),
        environment=environment,
        approval=approval,
        fingerprint=approval.fingerprint,
        deployed_by=personas.ci_bot,
        deployed_at=when,
    )


@pytest.fixture
def world(personas):
    model = assessed_model(personas, "minimal", name="credit-scoring", versions=("1", "2"))
    other = assessed_model(personas, "minimal", name="churn", versions=("1",))
    return SimpleNamespace(
        model=model,
        v1_prod=_deployed(personas, model, "1", "production", datetime(2026, 9, 1, tzinfo=UTC)),
        v2_prod=_deployed(personas, model, "2", "production", datetime(2026, 10, 15, tzinfo=UTC)),
        staging=_deployed(personas, model, "2", "staging", datetime(2026, 10, 1, tzinfo=UTC)),
        other=_deployed(personas, other, "1", "production", datetime(2026, 9, 1, tzinfo=UTC)),
    )


def day(n: int, amount: str, **tags) -> dict:
    return row(
        start=f"2026-10-{n:02d}T00:00:00Z",
        end=f"2026-10-{n + 1:02d}T00:00:00Z",
        effective=amount,
        tags=tags,
    )


def load(personas, rows):
    return services.cost_import_create(
        actor=personas.compliance,
        upload=SimpleUploadedFile("bill.csv", csv_bytes(rows)),
        file_name="bill.csv",
    )


def by_deployment():
    totals = {}
    for r in CostRow.objects.all():
        totals[r.deployment_id] = totals.get(r.deployment_id, Decimal(0)) + r.amount
    return totals


def test_rows_are_matched_to_deployments_by_id_or_environment(personas, world):
    m = "credit-scoring"
    load(
        personas,
        [
            day(3, "10.00", **{"attest-model": m, "attest-deployment": str(world.staging.pk)}),
            day(3, "20.00", **{"attest-model": m, "attest-deployment": "production"}),  # v1 live
            day(20, "40.00", **{"attest-model": m, "attest-deployment": "production"}),  # v2
            day(4, "1.00", **{"attest-model": m, "attest-deployment": "no-such"}),
            day(4, "2.00", **{"attest-model": m}),  # the model only
            # another model's deployment id does not move cost onto this model's deployments
            day(4, "4.00", **{"attest-model": m, "attest-deployment": str(world.other.pk)}),
            # no model tag: unmatched, the deployment tag is not used to guess the model
            day(5, "8.00", **{"attest-deployment": str(world.staging.pk)}),
        ],
    )
    assert by_deployment() == {
        world.staging.pk: Decimal("10.00"),
        world.v1_prod.pk: Decimal("20.00"),
        world.v2_prod.pk: Decimal("40.00"),
        None: Decimal("15.00"),
    }
    unmatched = CostRow.objects.get(model_service__isnull=True)
    assert unmatched.deployment_id is None and unmatched.deployment_tag_value == str(
        world.staging.pk
    )
    assert CostRow.objects.filter(deployment_tag_value="no-such").get().model_service == world.model


def test_the_tag_key_is_a_setting(personas, world, settings):
    settings.ATTEST_COST_DEPLOYMENT_TAG = "k8s-namespace-env"
    load(
        personas,
        [
            day(3, "5.00", **{"attest-model": "credit-scoring", "k8s-namespace-env": "staging"}),
            day(3, "6.00", **{"attest-model": "credit-scoring", "attest-deployment": "staging"}),
        ],
    )
    assert by_deployment() == {world.staging.pk: Decimal("5.00"), None: Decimal("6.00")}


def test_the_model_page_shows_cost_per_deployment(personas, world, client_for):
    m = "credit-scoring"
    load(
        personas,
        [
            day(20, "40.00", **{"attest-model": m, "attest-deployment": "production"}),
            day(4, "2.00", **{"attest-model": m}),
        ],
    )
    page = client_for(personas.owner).get(f"/models/{world.model.pk}/usage/").content.decode()
    section = page[page.index("Cost per deployment") :]
    assert "v2 in production" in section and "40.00 EUR" in section
    assert "Not matched to a deployment" in section and "2.00 EUR" in section
    assert "v1 in production" not in section
