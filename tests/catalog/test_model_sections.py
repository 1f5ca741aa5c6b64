"""The model page's "On this page" list (issue 20, point 7): every section it names is on the
page under that anchor, for a high-risk model (with Annex IV) and a minimal one (without)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("tier,annex", [("high", True), ("minimal", False)])
def test_every_listed_section_is_on_the_page(personas, client_for, tier, annex):
    model = assessed_model(personas, tier, name=f"{tier}-model")
    html = client_for(personas.owner).get(reverse("catalog:model-detail", args=[model.pk]))
    html = html.content.decode()
    nav = re.search(r'<nav class="section-nav" aria-label="On this page">(.*?)</nav>', html, re.S)
    assert nav, "no section list"
    anchors = re.findall(r'href="#([a-z-]+)"', nav.group(1))
    assert {"purpose", "versions", "risk", "deployments", "monitoring", "timeline"} <= set(anchors)
    assert ("annex-iv" in anchors) is annex
    for anchor in anchors:
        assert re.search(rf'<section [^>]*id="{anchor}"', html), anchor
