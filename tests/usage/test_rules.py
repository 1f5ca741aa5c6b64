"""Pure parts, table-driven: counter increases with resets, FOCUS values, money rounding."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from usage import charts, focus, prometheus
from usage.selectors import money, month_add

START = datetime(2026, 11, 1, tzinfo=UTC)
T0 = START.timestamp()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([(T0, 10), (T0 + 60, 15), (T0 + 120, 30)], 20),  # existed at the start: from 10
        ([(T0 + 60, 5), (T0 + 120, 9)], 9),  # born within the window: from zero
        ([(T0, 100), (T0 + 60, 120), (T0 + 120, 4), (T0 + 180, 10)], 30),  # reset to 0
        ([(T0, 3), (T0 + 60, float("nan")), (T0 + 120, 5)], 2),
        ([], 0),
    ],
)
def test_counter_increase(values, expected):
    assert prometheus.counter_increase({"s": values}, START) == expected


def test_counter_increase_sums_series():
    series = {"a": [(T0, 0), (T0 + 60, 5)], "b": [(T0, 1), (T0 + 60, 3)]}
    assert prometheus.counter_increase(series, START) == 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-31T23:30:00-02:00", datetime(2026, 11, 1, 1, 30, tzinfo=UTC)),
        ("2026-10-01T00:00:00Z", datetime(2026, 10, 1, tzinfo=UTC)),
        ("2026-10-01 00:00:00", datetime(2026, 10, 1, tzinfo=UTC)),  # no offset: UTC
    ],
)
def test_focus_dates_are_utc(text, expected):
    assert focus.parse_datetime(text) == expected


def test_unreachable_prometheus_is_a_prometheus_error():
    with pytest.raises(prometheus.PrometheusError, match="unreachable"):
        prometheus.query_range("http://127.0.0.1:9", "up", START, START, 60, 1, allow_private=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("1.005"), "1.01"), (Decimal("-2"), "-2.00"), (Decimal("0.004"), "0.00")],
)
def test_money_has_two_places(value, expected):
    assert money(value) == expected


def test_month_add_crosses_years():
    assert month_add(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert month_add(date(2026, 1, 1), -1) == date(2025, 12, 1)


def test_bar_chart_scales_to_a_round_top():
    chart = charts.bar_chart("t", [("a", 40, "40"), ("b", 80, "80"), ("c", None, "-")])
    assert chart.y_ticks[-1].label == "100"
    assert chart.bars[1].height == pytest.approx(chart.plot_height * 0.8)
    assert chart.bars[2].height == 0
