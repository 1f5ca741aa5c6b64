"""The SVG charts (pure, no database): well-formed standalone SVG, escaped labels, nothing
fetched, deterministic, and sensible output for empty data and zero values."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from documents import charts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "]]><!ENTITY x SYSTEM 'file:///etc/passwd'>",
    "file:///etc/passwd",
    "مرحبا بالعالم ‮evil",
    "🚀 model 🤖",
    "nul\x00byte\x07bell\x1b",
    "a" * 5000,
]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 (our own output, parsed to prove it is well-formed)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.get("role") == "img" and root.find(f"{SVG}title") is not None
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def tier_bars(labels):
    return charts.bar_chart([(label, i + 1) for i, label in enumerate(labels)], title="t")


def stacked(labels):
    return charts.stacked_bar_chart(
        labels, [(label, [1] * len(labels), "#123456") for label in labels], title="t"
    )


def donut(labels):
    return charts.donut_chart([(label, 1) for label in labels], title="t", center="50%")


BUILDERS = [
    pytest.param(tier_bars, id="bar"),
    pytest.param(stacked, id="stacked"),
    pytest.param(donut, id="donut"),
]


@pytest.mark.parametrize("build", BUILDERS)
@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_are_escaped_and_reference_nothing(build, label):
    svg = build([label, "plain"])
    root = parse(svg)
    assert "<script" not in svg and "<img" not in svg and "<!ENTITY" not in svg
    attributes = {name.split("}")[-1] for el in root.iter() for name in el.attrib}
    assert not attributes & {"href", "src", "style"}
    assert not [name for name in attributes if name.startswith("on")]
    assert "url(" not in svg and "http://" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert "\x00" not in svg and "\x07" not in svg and "\u202e" not in svg
    assert len(svg) < 4000  # huge labels are shortened, not copied
    assert any("plain" in t for t in texts(root))
    assert root.find(f"{SVG}script") is None and root.find(f"{SVG}foreignObject") is None


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: charts.bar_chart([], title="Models by tier"), "No data"),
        (lambda: charts.stacked_bar_chart([], [], title="Approvals"), "No data"),
        (lambda: charts.donut_chart([], title="Share"), "No data"),
        (lambda: charts.donut_chart([("a", 0), ("b", 0)], title="Share"), "No data"),
    ],
)
def test_empty_data_draws_a_no_data_chart(call, expected):
    root = parse(call())
    assert texts(root) == [expected]


def test_zero_values_keep_their_row_without_a_bar():
    root = parse(charts.bar_chart([("high", 0), ("minimal", 4)], title="Models by tier"))
    assert len(root.findall(f"{SVG}rect")) == 1  # only the non-zero bar
    assert texts(root) == ["high", "0", "minimal", "4"]


def test_all_zero_values_do_not_divide_by_zero():
    root = parse(charts.bar_chart([("a", 0), ("b", 0)], title="t"))
    assert root.findall(f"{SVG}rect") == [] and texts(root) == ["a", "0", "b", "0"]


def test_max_value_fixes_the_scale_and_units_are_shown():
    half = parse(charts.bar_chart([("done", 50)], title="t", unit="%", max_value=100))
    full = parse(charts.bar_chart([("done", 50)], title="t", unit="%"))
    w_half = float(half.find(f"{SVG}rect").get("width"))
    w_full = float(full.find(f"{SVG}rect").get("width"))
    assert w_half == pytest.approx(w_full / 2)
    assert "50%" in texts(half)


def test_values_above_max_value_are_capped():
    root = parse(charts.bar_chart([("x", 250)], title="t", max_value=100))
    assert float(root.find(f"{SVG}rect").get("width")) <= 520


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "ten", None])
def test_bad_values_are_refused(bad):
    with pytest.raises(ValueError):
        charts.bar_chart([("x", bad)], title="t")


def test_output_is_deterministic():
    items = [("high", 3), ("limited", 7), ("minimal", 12)]
    assert charts.bar_chart(items, title="t") == charts.bar_chart(items, title="t")
    assert charts.donut_chart(items, title="t") == charts.donut_chart(items, title="t")


def test_only_hex_colours_are_used():
    svg = charts.bar_chart([("a", 1), ("b", 2)], title="t", colors=['red" onload="x', "#D97706"])
    root = parse(svg)
    fills = [r.get("fill") for r in root.findall(f"{SVG}rect")]
    assert fills == [charts.PALETTE[0], "#D97706"] and "onload" not in svg


def test_stacked_totals_and_legend():
    root = parse(
        charts.stacked_bar_chart(
            ["production", "staging"],
            [("Approved", [3, 1], "#16a34a"), ("Awaiting review", [2, 0], "#d97706")],
            title="Approval status",
        )
    )
    labels = texts(root)
    assert labels[:2] == ["production", "5"] and labels[2:4] == ["staging", "1"]
    assert "Approved" in labels and "Awaiting review" in labels


def test_stacked_refuses_mismatched_series():
    with pytest.raises(ValueError):
        charts.stacked_bar_chart(["a", "b"], [("s", [1], None)], title="t")


def test_donut_with_one_full_share_draws_a_ring():
    root = parse(charts.donut_chart([("present", 5), ("missing", 0)], title="t", center="100%"))
    assert root.find(f"{SVG}circle") is not None and "100%" in texts(root)


def test_bar_links_make_each_row_one_named_keyboard_link():
    svg = charts.bar_chart(
        [("High", 3), ("Minimal", 0)],
        title="t",
        links=[("/models/?risk_tier=high&x=<1>", 'High: 3 "models"'), ("/m/?t=min", "Min: 0")],
    )
    root = ET.fromstring(svg)  # noqa: S314 (our own output, parsed to prove it is well-formed)
    assert root.get("role") == "group"  # an img's links would be hidden from screen readers
    links = root.findall(f"{SVG}a")
    assert [(a.get("href"), a.find(f"{SVG}title").text) for a in links] == [
        ("/models/?risk_tier=high&x=<1>", 'High: 3 "models"'),
        ("/m/?t=min", "Min: 0"),
    ]
    # The zero row has no bar, but its link still covers the row (label, value, target).
    assert texts(links[1]) == ["Minimal", "0"] and links[1].find(f"{SVG}rect") is not None
    assert parse(charts.bar_chart([("a", 1)], title="t")).find(f"{SVG}a") is None
