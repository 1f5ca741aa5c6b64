"""B2 for model cards (reference/reliability-tests.md): hostile field values — the longest
description allowed (20,000 characters), right-to-left scripts, emoji, HTML/CSS injection,
``file://`` and cloud-metadata URLs in text,
tags, links and metric names — give a PDF in which they appear as escaped text, with 0
outbound fetches; the web page and the JSON and Markdown exports escape them too."""

from __future__ import annotations

import json
import socket
import subprocess

import pytest
import yaml
from django.urls import reverse

from common.text import LONG_TEXT
from documents import model_card_formats as formats
from documents import rendering
from documents.kinds import model_card
from tests.documents.test_model_card import card_model, render, save_pngs

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
STYLE_BREAK = "</style><img src=x>"
CSS_LINK = "<link rel=stylesheet href=http://169.254.169.254/x.css>"
LOCAL_FILE = "file:///etc/passwd"
METADATA = "http://169.254.169.254/latest/meta-data"
ARABIC = "نموذج تقييم الائتمان"
HEBREW = "מודל דירוג אשראי"
EMOJI = "🚀📈✅"
INJECTION = " ".join([SCRIPT, STYLE_BREAK, CSS_LINK, LOCAL_FILE, METADATA, ARABIC, HEBREW, EMOJI])
# As long as a description may be (common.text.LONG_TEXT, 20,000 characters).
BIG = (("Affordability rules reviewed quarterly. " + INJECTION + " ") * 400)[:LONG_TEXT]
UNBROKEN = "A" * 4000  # one 4000-character word: must wrap, not overflow the page


def hostile_model(personas):
    model, version = card_model(
        personas,
        name=f"hostile {SCRIPT} {ARABIC} {EMOJI}",
        **{"tags": [INJECTION, LOCAL_FILE, METADATA]},
    )
    model.description = BIG
    model.purpose = INJECTION
    model.intended_use = f"{SCRIPT}\n{ARABIC}\n{HEBREW}"
    model.out_of_scope_use = UNBROKEN + " " + STYLE_BREAK
    model.limitations = CSS_LINK + " " + EMOJI
    model.training_data = f"See {LOCAL_FILE} and {METADATA}"
    model.input_features = f'<img src="{METADATA}"> <iframe src="{LOCAL_FILE}"></iframe>'
    model.save()
    version.source_uri = LOCAL_FILE
    version.tags = {"license": CSS_LINK, "docs": METADATA, SCRIPT: STYLE_BREAK}
    version.metrics = {SCRIPT: 0.5, "auc": 0.8123, ARABIC: 0.25}
    version.save()
    return model, version


@pytest.fixture
def no_network(monkeypatch):
    """Records every socket connection; only loopback (the test database and Redis) is let
    through, so a fetch by the renderer would both fail and be counted."""
    attempts = []
    original = socket.socket.connect

    def connect(sock, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in ("127.0.0.1", "::1", "localhost") and sock.family != socket.AF_UNIX:
            attempts.append(address)
            raise OSError("outbound connection refused by the test")
        return original(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


@pytest.fixture
def fetchers(monkeypatch):
    """Every LockedFetcher the renderer makes, to read what it served and refused."""
    made = []
    original = rendering.LockedFetcher.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(rendering.LockedFetcher, "__init__", init)
    return made


def test_hostile_values_render_as_escaped_text_with_no_outbound_fetch(
    personas, django_capture_on_commit_callbacks, no_network, fetchers
):
    _, version = hostile_model(personas)
    document = render(personas, version, django_capture_on_commit_callbacks)
    save_pngs(document, "model-card-hostile")

    # 0 outbound fetches: the renderer only ever served the print stylesheet, and refused
    # nothing, because no hostile value became a resource (they are text).
    assert len(fetchers) == 1
    assert set(fetchers[0].served) == {"css/print.css"}
    assert fetchers[0].refused == []
    assert no_network == []

    with document.file.open("rb") as handle:
        pdf = handle.read()
    text = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    flat = "".join(text.split())
    for literal in (SCRIPT, STYLE_BREAK, CSS_LINK, LOCAL_FILE, METADATA, "<iframe"):
        assert "".join(literal.split()) in flat, literal
    assert "Affordabilityrulesreviewedquarterly." in flat
    assert UNBROKEN[:200] in flat  # wrapped across lines, not cut off
    assert document.pages > 4  # 20,000 characters of description take pages, all rendered


def test_a_hostile_card_gives_the_same_content_hash_twice(
    personas, django_capture_on_commit_callbacks
):
    _, version = hostile_model(personas)
    first = render(personas, version, django_capture_on_commit_callbacks)
    second = render(personas, version, django_capture_on_commit_callbacks)
    assert first.content_hash == second.content_hash


def test_page_escapes_hostile_values(personas, client_for):
    model, version = hostile_model(personas)
    response = client_for(personas.owner).get(
        reverse("documents:model-card", args=[model.pk, version.version])
    )
    assert response.status_code == 200
    html = response.content.decode()
    for raw in (SCRIPT, STYLE_BREAK, "<link rel=stylesheet", '<img src="http://169', "<iframe"):
        assert raw not in html, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;/style&gt;&lt;img src=x&gt;" in html
    assert ARABIC in html and HEBREW in html and EMOJI in html
    # The chart's labels are escaped text inside the SVG.
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg and "<script" not in svg


def test_exports_escape_hostile_values(personas, client_for, api_token):
    model, version = hostile_model(personas)
    client = client_for(None)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {api_token()}"
    url = reverse("documents-api:model-card", args=[model.pk, version.version])

    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<" not in body and ">" not in body  # written as \u003c / \u003e
    exported = response.json()
    assert exported["model_details"]["overview"] == BIG.strip()  # lossless once parsed
    assert exported["model_details"]["licenses"] == [{"custom_text": CSS_LINK}]
    assert {"type": SCRIPT, "value": "0.5"} in exported["quantitative_analysis"][
        "performance_metrics"
    ]

    response = client.get(url, {"format": "markdown"})
    assert response.status_code == 200
    readme = response.content.decode()
    assert "<script" not in readme.lower() and "<img" not in readme and "<link" not in readme
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in readme
    front = yaml.safe_load(readme.split("---\n")[1])
    assert INJECTION in front["tags"] and LOCAL_FILE in front["tags"]
    assert front["model-index"][0]["name"] == model.name


@pytest.mark.parametrize("fmt", ["cyclonedx", "spdx"])
def test_bom_exports_of_a_hostile_model_validate_and_escape(personas, client_for, api_token, fmt):
    from tests.documents import schemas

    model, version = hostile_model(personas)
    client = client_for(None)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {api_token()}"
    url = reverse("documents-api:model-card", args=[model.pk, version.version])
    response = client.get(url, {"format": fmt})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<" not in body and ">" not in body  # written as \u003c / \u003e
    exported = json.loads(body)
    errors = schemas.cyclonedx_errors if fmt == "cyclonedx" else schemas.spdx_errors
    assert errors(exported) is None
    assert BIG.strip() in json.dumps(exported, ensure_ascii=False)  # lossless once parsed


def test_readme_front_matter_cannot_be_broken_out_of():
    data = {
        "license": "mit\n---\ninjected: true",
        "tags": ["---", "a: b", "'quote", '"dq', "\\", "\n"],
    }
    front = yaml.safe_load("\n".join(formats.yaml_lines(data)))
    assert front == data
    assert json.loads(json.dumps(front)) == data


def test_card_data_of_a_hostile_model_is_plain_text(personas):
    _, version = hostile_model(personas)
    data = model_card.card_data(version)
    assert data["model"]["description"] == BIG
    assert data["version"]["license"] == CSS_LINK
    assert [b["label"] for b in data["chart"]["panels"]] == sorted([SCRIPT, "auc", ARABIC])
