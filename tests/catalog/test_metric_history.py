"""The model page compares each metric across the last versions (issue 20, point 9): one small
chart per metric on its own axis, a table with the same numbers, SVG numbers never localized."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import translation

from catalog.metric_history import metric_history
from tests.factories import ModelVersionFactory

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _versions(n: int) -> list[tuple[str, dict]]:
    """``n`` versions, newest first, with an RMSE in the hundreds and a MAPE below one."""
    return [
        (f"v{i}", {"rmse": 400 + 3 * i, "mape": round(0.2 - 0.01 * i, 3), "note": "ok"})
        for i in range(n, 0, -1)
    ]


def test_each_metric_is_charted_on_its_own_axis_over_the_last_ten_versions():
    history = metric_history(_versions(12))
    assert history["versions"] == [f"v{i}" for i in range(3, 13)]  # oldest on the left
    assert [p["name"] for p in history["panels"]] == ["mape", "rmse"]  # "note" is not a number
    mape, rmse = history["panels"]
    # Each axis spans its own metric: 0.08..0.17 and 409..436, not one shared 0..436.
    assert (
        0.05
        <= float(mape["y_ticks"][0]["label"])
        < 0.08
        < 0.17
        < float(mape["y_ticks"][-1]["label"])
    )
    assert 400 <= float(rmse["y_ticks"][0]["label"]) <= 409
    assert 436 <= float(rmse["y_ticks"][-1]["label"]) <= 450
    for panel in (mape, rmse):
        ys = [pt["y"] for pt in panel["points"]]
        assert (
            panel["bottom"] - panel["top"]
            > max(ys) - min(ys)
            > 0.5 * (panel["bottom"] - panel["top"])
        )  # the change between versions fills most of the panel
    assert history["rows"][0] == {"version": "v12", "values": ["0.08", "436"]}


def test_a_version_without_the_metric_breaks_the_line_and_shows_a_gap_in_the_table():
    versions = [("v3", {"auc": 0.8}), ("v2", {"f1": 0.5}), ("v1", {"auc": 0.7})]
    history = metric_history(versions)
    auc = history["panels"][0]
    assert auc["name"] == "auc" and auc["path"].count("M") == 2 and "L" not in auc["path"]
    assert [r["values"] for r in history["rows"]] == [["0.8", ""], ["", "0.5"], ["0.7", ""]]


def test_one_version_or_no_numbers_give_no_chart():
    assert metric_history([("v1", {"auc": 0.8})]) is None
    assert metric_history([("v2", {"note": "x"}), ("v1", {})]) is None


def _panels(html: str) -> list[ET.Element]:
    return [
        ET.fromstring(svg.replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))  # noqa: S314 (ours)
        for svg in re.findall(r'<svg class="history-panel__svg".*?</svg>', html, flags=re.S)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de"])
def test_model_page_shows_metrics_across_versions(personas, client_for, owned_model, language):
    for label, metrics in _versions(12):
        ModelVersionFactory(
            model_service=owned_model,
            version=label[1:],
            version_number=int(label[1:]),
            metrics=metrics,
        )
    url = reverse("catalog:model-detail", args=[owned_model.pk])
    html = client_for(personas.auditor).get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    translation.activate("en")  # LocaleMiddleware leaves the thread's language set
    panels = _panels(html)
    assert len(panels) == 2
    mape, rmse = panels
    assert mape.find(f"{SVG}title").text.startswith("mape")
    y_labels = [t.text for t in mape.findall(f"{SVG}text") if t.get("text-anchor") == "end"]
    rmse_labels = [t.text for t in rmse.findall(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert y_labels != rmse_labels  # one axis per metric
    decimal = "," if language == "de" else "."
    assert all(decimal in label for label in y_labels), y_labels
    assert [c.find(f"{SVG}title").text for c in mape.findall(f"{SVG}circle")][-1] == (
        f"v12: 0{decimal}08"
    )
    for panel in panels:
        for element in panel.iter():
            for attribute in ("x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height"):
                if element.get(attribute) is not None:
                    assert NUMBER.match(element.get(attribute)), (attribute, element.attrib)
        assert re.fullmatch(
            r"(?:[ML]-?\d+(\.\d+)? -?\d+(\.\d+)? ?)+", panel.find(f"{SVG}path").get("d")
        )
    # The table fallback: every version of the ten, newest first, each metric a column.
    table = html[html.index('class="history-table"') :]
    table = table[: table.index("</details>")]
    assert re.findall(r'<th scope="row">(v\d+)</th>', table) == [f"v{i}" for i in range(12, 2, -1)]
    assert "v2<" not in table


@pytest.mark.parametrize("count", [5, 8, 9, 10])
def test_long_version_labels_are_thinned_so_they_do_not_overlap(count):
    versions = [(f"v2026.12.{i:02d}", {"auc": 0.7 + i / 100}) for i in range(count, 0, -1)]
    ticks = metric_history(versions)["panels"][0]["x_ticks"]
    labels = [t["label"] for t in ticks]
    assert labels[0] == "v2026.12.01" and labels[-1] == f"v2026.12.{count:02d}"
    gaps = [b["x"] - a["x"] for a, b in zip(ticks, ticks[1:], strict=False)]
    assert min(gaps) >= 5 * len("v2026.12.01")  # about 5 px a character at 8.5 px
