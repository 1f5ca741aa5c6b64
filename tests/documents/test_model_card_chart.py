"""The model card's metric chart is small multiples (issue 20, point 9): one panel per metric,
each on its own scale with a labelled axis, so an RMSE of 412 and a MAPE of 0.11 are both
readable, on the web page and in the PDF. SVG numbers are never localized (commit 8db16b2)."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image

from documents.kinds import model_card
from tests.documents.test_model_card import OUTPUT, card_model

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
GEOMETRY = ("x", "y", "x1", "x2", "y1", "y2", "width", "height", "rx")
REGRESSION = {"rmse": 412, "mape": 0.11, "r2": 0.87}


def panels(html: str) -> dict[str, ET.Element]:
    """The metric panels of a page, by metric name (the panel's first text)."""
    found = {}
    for svg in re.findall(r'<svg class="mc-panel".*?</svg>', html, flags=re.S):
        element = ET.fromstring(svg)  # noqa: S314 (our own output; raises unless well-formed)
        name = element.findall(f"{SVG}text")[0].text
        found[name] = element
    return found


def ticks(panel: ET.Element) -> list[str]:
    return [t.text for t in panel.findall(f"{SVG}text") if t.get("font-size") == "8.5"]


def bar_fraction(panel: ET.Element) -> float:
    """How much of its own axis the panel's bar fills."""
    axis = [line for line in panel.findall(f"{SVG}line") if line.get("y1") == line.get("y2")][0]
    span = float(axis.get("x2")) - float(axis.get("x1"))
    return float(panel.find(f"{SVG}rect").get("width")) / span


def test_each_metric_gets_its_own_scale():
    chart = model_card.bar_chart(model_card.metric_rows(REGRESSION), title="t")
    by_name = {p["label"]: p for p in chart["panels"]}
    assert set(by_name) == {"mape", "r2", "rmse"}
    top = {name: p["ticks"][-1]["label"] for name, p in by_name.items()}
    # Rates and scores against 0..1, the RMSE against a round value just above 412.
    assert top == {"mape": "1", "r2": "1", "rmse": "600"}
    mape, rmse = by_name["mape"], by_name["rmse"]
    plot = mape["plot_right"] - mape["plot_left"]
    assert mape["bar_width"] == pytest.approx(0.11 * plot, abs=0.2)  # 27.5 px, not 0.07
    assert rmse["bar_width"] == pytest.approx(412 / 600 * plot, abs=0.2)
    assert "0 to 1" in mape["summary"] and "0.11" in mape["summary"]


def test_negative_metrics_draw_left_of_zero_on_their_own_axis():
    chart = model_card.bar_chart(model_card.metric_rows({"delta": -0.2, "n": 5}), title="t")
    delta = chart["panels"][0]
    assert delta["negative"] is True and delta["ticks"][0]["label"] == "-0.2"
    assert delta["x"] < delta["zero_x"] and delta["x"] + delta["bar_width"] == delta["zero_x"]


def _regression_version(personas):
    model, version = card_model(personas)
    version.metrics = REGRESSION
    version.save()
    return model, version


@pytest.mark.parametrize("language", ["en", "de"])
def test_card_page_draws_one_panel_per_metric_with_unlocalized_coordinates(
    personas, client_for, language
):
    model, _ = _regression_version(personas)
    client = client_for(personas.auditor)
    url = reverse("documents:model-card", args=[model.pk, "1"])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    translation.activate("en")  # LocaleMiddleware leaves the thread's language set
    found = panels(html)
    assert set(found) == {"mape", "r2", "rmse"}
    assert ticks(found["rmse"])[-1] == "600" and ticks(found["mape"])[-1] == "1"
    assert ticks(found["rmse"]) != ticks(found["mape"])  # one axis per metric
    assert bar_fraction(found["mape"]) == pytest.approx(0.11, abs=0.01)
    assert bar_fraction(found["rmse"]) == pytest.approx(412 / 600, abs=0.01)
    for panel in found.values():
        assert panel.get("role") == "img" and panel.get("aria-label")
        for element in panel.iter():
            for attribute in GEOMETRY:
                if element.get(attribute) is not None:
                    assert NUMBER.match(element.get(attribute)), (attribute, element.attrib)
        assert all(NUMBER.match(n) for n in panel.get("viewBox").split())


def _blue_bars(png) -> list[int]:
    """Widths of the solid bars drawn in the chart's blue (#1d4ed8): bands of rows holding
    blue, split where the blue stops for more than a few pixels."""
    image = Image.open(png).convert("RGB")
    width, height = image.size
    pixels = image.load()

    def blue(x, y):
        r, g, b = pixels[x, y]
        return abs(r - 0x1D) < 40 and abs(g - 0x4E) < 40 and abs(b - 0xD8) < 40

    rows = {y: [x for x in range(width) if blue(x, y)] for y in range(height)}
    bands, band = [], []
    for y in range(height):
        if len(rows[y]) >= 3:
            band.append(y)
        elif band:
            bands.append(band)
            band = []
    widths = []
    for band in (b for b in bands if len(b) >= 8):  # bars, not underlines or text
        xs = sorted({x for y in band for x in rows[y]})
        first = last = xs[0]
        for x in xs[1:] + [10**9]:
            if x - last > 4:
                widths.append(last - first + 1)
                first = x
            last = x
    return widths


@pytest.mark.parametrize(("language", "caption"), [("en", "Figure 1."), ("de", "Abbildung 1.")])
def test_pdf_chart_shows_every_metric_on_its_own_axis(
    personas, django_capture_on_commit_callbacks, language, caption
):
    from django.core.management import call_command

    from documents import services as document_services

    _, version = _regression_version(personas)
    if language == "de":
        call_command("compilemessages", locale=["de"], ignore_patterns=[".venv", "node_modules"])
    with django_capture_on_commit_callbacks(execute=True):
        document = document_services.document_request(
            actor=personas.owner, kind="model_card", model_version=version, language=language
        )
    document.refresh_from_db()
    assert document.status == "done", document.error
    OUTPUT.mkdir(parents=True, exist_ok=True)
    pdf = OUTPUT / f"model-card-panels-{language}.pdf"
    with document.file.open("rb") as handle:
        pdf.write_bytes(handle.read())
    pages = [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
            capture_output=True,
            check=True,
        ).stdout.decode()
        for n in range(1, document.pages + 1)
    ]
    page = next(i for i, text in enumerate(pages, 1) if caption in text)
    prefix = OUTPUT / f"model-card-panels-{language}"
    for old in OUTPUT.glob(f"model-card-panels-{language}-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", str(page), "-l", str(page), str(pdf), prefix],
        check=True,
    )
    png = next(OUTPUT.glob(f"model-card-panels-{language}-*.png"))  # test-output/documents/
    text = " ".join(pages[page - 1].split())
    for label in ("rmse", "412", "600", "mape", "0.11", "r2", "0.87"):
        assert label in text
    # Three bars, the shortest (MAPE, 0.11 of its axis) still clearly visible at 100 dpi.
    widths = sorted(_blue_bars(png))
    assert len(widths) == 3, widths
    assert widths[0] >= 20 and widths[1] / widths[0] == pytest.approx(412 / 600 / 0.11, rel=0.15)
