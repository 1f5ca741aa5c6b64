"""Every dashboard tile leads to a page listing exactly what it counts, as the viewer may see it
(issue 20, point 4: "1 pending in all" led to an empty inbox). For each tile and each persona:
the figure on the tile equals the number of rows on the page its link opens, and the rows are
the objects the tile counted (a foreign team's requests, alerts and drift never appear)."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals import services
from approvals.models import DeploymentRequest, DriftFinding
from monitoring.models import Alert
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def world(personas):
    """Two teams' models, each with a fresh and an old pending request, alerts of every kind
    the tiles count (and a resolved one), open and resolved drift."""
    owned = assessed_model(personas, "minimal", name="churn-scorer", versions=("1", "2"))
    other = SimpleNamespace(team=personas.other_team, admin=personas.admin)
    foreign = assessed_model(other, "minimal", name="fraud-scorer", versions=("1", "2"))
    for model in (owned, foreign):
        for env in ("staging", "production"):
            services.deployment_request_create(
                actor=personas.owner if model == owned else personas.admin,
                model_version=model.versions.get(version="1"),
                environment=env,
                justification="Better AUC.",
            )
        # the production request has waited three days: over the review SLA
        DeploymentRequest.objects.filter(model_service=model, environment="production").update(
            submitted_at=timezone.now() - timedelta(days=3)
        )
        for i, kind in enumerate(
            ["stale_in_production", "review_overdue", "incident_overdue", "below_minimum"]
        ):
            Alert.objects.create(
                model_service=model,
                kind=kind,
                title=f"{kind} {i}",
                subject=str(i),
                last_seen_at=timezone.now(),
            )
        Alert.objects.create(
            model_service=model,
            kind="review_overdue",
            title="done",
            subject="old",
            state="resolved",
            resolved_at=timezone.now(),
            resolve_comment="Recertified.",
            last_seen_at=timezone.now(),
        )
        DriftFinding.objects.create(
            model_service=model, environment="production", alias="prod", detail="moved"
        )
        DriftFinding.objects.create(
            model_service=model,
            environment="staging",
            alias="stg",
            detail="fixed",
            resolved_at=timezone.now(),
        )
    return owned, foreign


def _tile(page: str, name: str) -> tuple[str, int]:
    """(href, figure) of the dashboard's tile link ``name``."""
    match = re.search(rf'<a [^>]*href="([^"]+)"[^>]*data-tile="{name}"[^>]*>(.*?)</a>', page, re.S)
    assert match, f"no tile link {name!r}"
    figure = re.search(r"(\d+)", re.sub(r"<[^>]+>", " ", match.group(2)))
    return html_lib.unescape(match.group(1)), int(figure.group(1))


def _listed(client, href: str, name: str) -> list[str]:
    page = client.get(href).content.decode()
    if name in ("pending", "pending-overdue"):
        return re.findall(rf'data-request="({UUID})"', page)
    if name in ("alerts", "stale", "overdue"):
        return re.findall(rf'href="/alerts/({UUID})/"', page)
    if name == "drift":
        section = re.search(r'<section class="drift-list" id="drift".*?</section>', page, re.S)
        return re.findall(r'role="alert"', section.group(0)) if section else []
    if name == "inbox":
        return re.findall(rf'href="/requests/({UUID})/"', page.split('id="drift"')[-1])
    raise AssertionError(name)


def _expected(name: str, model_ids) -> int:
    alerts = Alert.objects.filter(model_service__in=model_ids, state__in=Alert.ACTIVE_STATES)
    pending = DeploymentRequest.objects.filter(
        model_service__in=model_ids, state=DeploymentRequest.State.SUBMITTED
    )
    return {
        "pending": pending.count(),
        "pending-overdue": pending.filter(
            submitted_at__lt=timezone.now() - timedelta(days=2)
        ).count(),
        "alerts": alerts.count(),
        "stale": alerts.filter(kind="stale_in_production").count(),
        "overdue": alerts.filter(kind__in=["review_overdue", "incident_overdue"]).count(),
        "drift": DriftFinding.objects.filter(
            model_service__in=model_ids, resolved_at__isnull=True
        ).count(),
    }[name]


TILES = ("pending", "pending-overdue", "alerts", "stale", "overdue", "drift")


@pytest.mark.parametrize("tile", TILES)
@pytest.mark.parametrize("persona,sees", [("owner", "owned"), ("compliance", "both")])
def test_each_tile_leads_to_a_page_listing_what_it_counts(
    personas, client_for, world, tile, persona, sees
):
    owned, foreign = world
    model_ids = [owned.pk] if sees == "owned" else [owned.pk, foreign.pk]
    client = client_for(getattr(personas, persona))
    href, figure = _tile(client.get(reverse("portal:dashboard")).content.decode(), tile)
    listed = _listed(client, href, tile)
    assert figure == _expected(tile, model_ids) > 0
    assert len(listed) == figure, (tile, href, listed)


def test_pending_pages_list_the_visible_requests_and_no_others(personas, client_for, world):
    owned, foreign = world
    client = client_for(personas.owner)
    listed = set(_listed(client, reverse("approvals:requests-pending"), "pending"))
    assert listed == {
        str(pk)
        for pk in DeploymentRequest.objects.filter(model_service=owned).values_list("pk", flat=True)
    }
    overdue = _listed(client, reverse("approvals:requests-pending") + "?overdue=1", "pending")
    assert overdue == [
        str(DeploymentRequest.objects.get(model_service=owned, environment="production").pk)
    ]


def test_inbox_tile_counts_the_reviewers_inbox(personas, client_for, world):
    client = client_for(personas.reviewer)
    href, figure = _tile(client.get(reverse("portal:dashboard")).content.decode(), "inbox")
    assert figure == 2 and len(set(_listed(client, href, "inbox"))) == 2


def test_overdue_alert_page_names_the_two_kinds(personas, client_for, world):
    page = client_for(personas.owner).get(
        reverse("monitoring:alert-list") + "?kind=review_overdue&kind=incident_overdue"
    )
    text = page.content.decode()
    assert "data-kinds-chosen" in text
    assert "Recertification overdue" in text and "Incident report overdue" in text
