"""The dashboard: portfolio figures scoped to what the person may see, and a screenshot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals import services
from tests.approvals.approval_helpers import assessed_model
from tests.factories import ModelServiceFactory

pytestmark = pytest.mark.django_db


def test_dashboard_counts_only_visible_models_and_waiting_reviews(personas, client_for):
    model = assessed_model(personas, "high")
    ModelServiceFactory(owner_team=personas.other_team, risk_tier="minimal")
    services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(),
        environment="staging",
        justification="try it",
    )
    owner = client_for(personas.owner).get(reverse("portal:dashboard"))
    assert owner.status_code == 200
    assert owner.context["models"] == 1 and owner.context["pending"] == 1
    assert owner.context["inbox"] == 0  # nobody reviews their own request
    reviewer = client_for(personas.reviewer).get(reverse("portal:dashboard"))
    assert reviewer.context["inbox"] == 1
    compliance = client_for(personas.compliance).get(reverse("portal:dashboard"))
    assert compliance.context["models"] == 2  # the whole portfolio
    assert b"Models by EU AI Act risk tier" in compliance.content
    assert "governance.request_submitted" in [e.action for e in owner.context["activity"]]
    assert client_for(None).get(reverse("portal:dashboard")).status_code == 302


# --- Every figure leads to the list of what it counts (issue 20, point 9) ---------------------
def _dashboard_links(html: str) -> list[tuple[str, str, int]]:
    """(href, accessible name, the figure it shows) of every link in the tiles and the chart."""
    import re
    from html import unescape

    links = []
    tiles = html[html.index('<div class="kpi-grid">') : html.index('<section class="card"><h2>')]
    for href, body in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', tiles, flags=re.S):
        text = " ".join(re.sub(r"<[^>]+>", " ", body).split())
        links.append((unescape(href), text, int(re.search(r"\d+", text).group())))
    chart = html[html.index('<div class="chart">') :]
    chart = chart[: chart.index("</svg>")]
    for href, name in re.findall(r'<a href="([^"]+)" class="chart-link"><title>([^<]+)<', chart):
        links.append((unescape(href), unescape(name), int(re.search(r"\d+", name).group())))
    return links


@pytest.mark.parametrize("username", ["carla", "alice", "rita"])
def test_every_tile_and_bar_links_to_a_matching_list_of_the_demo_data(client_for, username):
    from io import StringIO
    from urllib.parse import urlsplit

    from django.core.management import call_command

    from accounts.models import User

    call_command("seed_demo", "--allow-production", stdout=StringIO())
    client = client_for(User.objects.get(username=username))
    html = client.get(reverse("portal:dashboard")).content.decode()
    links = _dashboard_links(html)
    # Four tiles (six links with their details), five tier bars.
    assert len(links) >= 10, links
    assert sum(1 for href, *_ in links if "risk_tier=" in href) == 5
    nonzero = 0
    for href, name, shown in links:
        assert name, href  # every link has an accessible name
        url = urlsplit(href)
        response = client.get(f"{url.path}?{url.query}" if url.query else url.path)
        assert response.status_code == 200, href
        if url.fragment == "drift":
            listed = len(response.context["drift"])
        elif response.resolver_match.view_name == "approvals:inbox":
            listed = response.context["total"]
        else:
            listed = response.context["page"].paginator.count
        assert listed == shown, (href, name, shown, listed)
        nonzero += listed > 0
    assert nonzero >= 4  # the demo data fills most lists; none of them leads to an empty page


def test_the_lists_behind_the_tiles_are_scoped_and_filtered(personas, client_for):
    from django.utils import timezone

    from monitoring import services as monitoring_services
    from monitoring.models import Alert

    model = assessed_model(personas, "high")
    services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(),
        environment="staging",
        justification="try it",
    )
    monitoring_services.incident_register(
        actor=personas.owner, model_service=model, title="Wrong scores", description="d",
        aware_at=timezone.now(),
    )  # fmt: skip
    for kind in ("review_overdue", "incident_overdue", "below_minimum"):
        Alert.objects.create(
            model_service=model, kind=kind, metric="auc", title=kind, last_seen_at=timezone.now()
        )
    owner, outsider = client_for(personas.owner), client_for(personas.outsider)
    pending = reverse("approvals:requests-pending")
    assert owner.get(pending).context["page"].paginator.count == 1
    assert owner.get(pending + "?overdue=1").context["page"].paginator.count == 0
    assert outsider.get(pending).context["page"].paginator.count == 0
    incidents = reverse("monitoring:incident-open-list")
    assert b"Wrong scores" in owner.get(incidents).content
    assert b"Wrong scores" not in outsider.get(incidents).content
    both = reverse("monitoring:alert-list") + "?kind=review_overdue&kind=incident_overdue"
    listed = owner.get(both).context["page"].object_list
    assert sorted(a.kind for a in listed) == ["incident_overdue", "review_overdue"]
    dashboard = owner.get(reverse("portal:dashboard")).context
    assert dashboard["overdue_reviews"] + dashboard["overdue_incidents"] == len(listed)


def test_the_tier_chart_keeps_svg_numbers_unlocalized_in_german(personas, client_for):
    import re
    import xml.etree.ElementTree as ET

    from django.utils import translation

    assessed_model(personas, "high")
    html = (
        client_for(personas.compliance)
        .get(reverse("portal:dashboard"), HTTP_ACCEPT_LANGUAGE="de")
        .content.decode()
    )
    translation.activate("en")  # LocaleMiddleware leaves the thread's language set
    svg = ET.fromstring(re.search(r"<svg.*?</svg>", html, flags=re.S).group())  # noqa: S314
    ns = "{http://www.w3.org/2000/svg}"
    assert len(svg.findall(f"{ns}a")) == 5  # one link a tier
    numbers = [
        value
        for element in svg.iter()
        for name, value in element.attrib.items()
        if name in ("x", "y", "x1", "x2", "y1", "y2", "width", "height")
    ]
    assert numbers and all(re.fullmatch(r"-?\d+(\.\d+)?", n) for n in numbers), numbers
