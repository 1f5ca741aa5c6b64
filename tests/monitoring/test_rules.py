"""Threshold rules, metric-batch parsing, schema differences and chart geometry: pure."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from monitoring import charts, payloads, thresholds
from monitoring.models import Alert

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
B = thresholds.Bounds


def test_rule_kinds_are_alert_kinds():
    for kind in (thresholds.BELOW_MINIMUM, thresholds.ABOVE_MAXIMUM, thresholds.RELATIVE_DROP):
        assert kind in Alert.Kind.values


@pytest.mark.parametrize(
    ("value", "bounds", "baseline", "relative", "kinds"),
    [
        (0.80, B(min_value=0.75), None, True, []),
        (0.74, B(min_value=0.75), None, True, ["below_minimum"]),
        (0.75, B(min_value=0.75), None, True, []),
        (0.31, B(max_value=0.30), None, True, ["above_maximum"]),
        (0.70, B(min_value=0.75, max_relative_drop=0.05), 0.80, True, ["below_minimum", "relative_drop"]),  # noqa: E501
        (0.77, B(max_relative_drop=0.05), 0.80, True, []),  # 3.75 % drop
        (0.75, B(max_relative_drop=0.05), 0.80, True, ["relative_drop"]),  # 6.25 % drop
        (0.75, B(max_relative_drop=0.05), None, True, []),  # no baseline: no relative check
        (0.75, B(max_relative_drop=0.05), 0.0, True, []),  # zero baseline: no relative check
        (0.75, B(max_relative_drop=0.05), 0.80, False, []),  # slices: absolute bounds only
        (-1.2, B(max_relative_drop=0.10), -1.0, True, ["relative_drop"]),  # negative baseline
    ],
)  # fmt: skip
def test_threshold_rules(value, bounds, baseline, relative, kinds):
    breaches = thresholds.evaluate(value, bounds, baseline=baseline, relative=relative)
    assert [b.kind for b in breaches] == kinds


def test_relative_drop_message_names_the_drop_and_the_allowance():
    (breach,) = thresholds.evaluate(0.72, B(max_relative_drop=0.05), baseline=0.80)
    assert breach.message == "0.72 is 10.0 % below 0.8 at approval (at most 5 % allowed)"
    assert breach.limit == pytest.approx(0.76)


# --- Metric batches -------------------------------------------------------------------------
def item(**overrides):
    base = {
        "model": "credit-scoring",
        "version": "1",
        "environment": "production",
        "metric": "auc",
        "value": 0.8,
        "timestamp": "2026-11-23T10:00:00Z",
    }
    return {**base, **overrides}


def parse(body, max_items=10_000):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return payloads.metric_batch(
        raw, max_items=max_items, environments=["staging", "production"], now=NOW
    )


def test_a_valid_batch_parses_into_typed_items():
    (a, b) = parse({"items": [item(), item(version=2, slice="age<25", value=1)]})
    assert a.observed_at == datetime(2026, 11, 23, 10, tzinfo=UTC) and a.slice == ""
    assert b.version == "2" and b.value == 1.0 and isinstance(b.value, float)
    assert b.slice == "age<25" and b.index == 1


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (b'{"items": [{"value": NaN}]}', "NaN is not a JSON number"),
        (b'{"items": [{"value": Infinity}]}', "Infinity is not a JSON number"),
        (b'{"items": [{"value": -Infinity}]}', "-Infinity is not a JSON number"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"", "empty"),
        (b"[]", "Send a JSON object"),
    ],
)
def test_unusable_bodies_are_400(raw, needle):
    with pytest.raises(payloads.PayloadError) as info:
        parse(raw)
    assert info.value.status == 400 and needle in info.value.detail


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"value": "0.8"}, "value: a number is required, not str."),
        ({"value": True}, "value: a number is required, not bool."),
        ({"value": None}, "value: a number is required, not NoneType."),
        ({"model": 7}, "model: a non-empty string is required."),
        ({"model": ""}, "model: a non-empty string is required."),
        ({"metric": ["auc"]}, "metric: a non-empty string is required."),
        ({"environment": "moon"}, "environment: 'moon' is unknown; one of: staging, production."),
        ({"timestamp": 1700000000}, "timestamp: an ISO 8601 string with a time zone is required."),
        ({"timestamp": "2026-11-23T10:00:00"}, "timestamp: give a time zone (…Z or …+02:00)."),
        ({"timestamp": "yesterday"}, "timestamp: 'yesterday' is not ISO 8601 (2026-05-01T12:00:00Z)."),  # noqa: E501
        ({"timestamp": "2026-11-24T10:00:00Z"}, "timestamp: 2026-11-24T10:00:00Z is in the future."),  # noqa: E501
        ({"slice": 3}, "slice: a string of at most 200 characters, or leave it out."),
        ({"colour": "red"}, "colour: unknown field; allowed: environment, metric, model, slice, timestamp, value, version."),  # noqa: E501
    ],
)  # fmt: skip
def test_invalid_items_are_listed_by_index(bad, message):
    with pytest.raises(payloads.PayloadError) as info:
        parse({"items": [item(), item(**bad)]})
    error = info.value
    assert error.status == 400
    assert error.errors == {"items[1]": [message]}
    assert error.detail.startswith("1 of 2 item(s) are invalid; nothing was recorded.")


def test_numbers_too_large_for_a_float_are_refused():
    raw = b'{"items": [{"model": "m", "version": "1", "environment": "production", '
    raw += b'"metric": "auc", "value": 1e999, "timestamp": "2026-11-23T10:00:00Z"}]}'
    with pytest.raises(payloads.PayloadError) as info:
        parse(raw)
    assert info.value.errors == {"items[0]": ["value: must be a finite number."]}


def test_missing_fields_are_named():
    with pytest.raises(payloads.PayloadError) as info:
        parse({"items": [{"model": "m"}]})
    assert info.value.errors["items[0]"] == [
        "version: required.",
        "environment: required.",
        "metric: required.",
        "value: required.",
        "timestamp: required.",
    ]


def test_more_than_the_limit_is_413_before_any_item_is_checked():
    with pytest.raises(payloads.PayloadError) as info:
        parse({"items": [{"junk": True}] * 11}, max_items=10)
    assert info.value.status == 413
    assert "Too many items: 11; at most 10 per batch" in info.value.detail


def test_a_batch_of_bad_items_lists_at_most_fifty():
    with pytest.raises(payloads.PayloadError) as info:
        parse({"items": [item(value="x")] * 120})
    errors = info.value.errors
    assert len(errors) == 51 and errors["more"] == ["70 more item(s) have problems too."]


@pytest.mark.parametrize(
    "body", [{"items": []}, {"items": {}}, {}, {"items": [item()], "extra": 1}, {"items": [5]}]
)
def test_malformed_batches_are_400(body):
    with pytest.raises(payloads.PayloadError) as info:
        parse(body)
    assert info.value.status == 400


# --- Schemas --------------------------------------------------------------------------------
def test_schema_differences_list_missing_extra_and_retyped_features():
    reference = {"age": "int", "income": "float", "region": "str"}
    seen = {"age": "float", "income": "float", "channel": "str"}
    assert payloads.schema_differences(reference, seen) == [
        {"feature": "age", "change": "type_changed", "expected": "int", "seen": "float"},
        {"feature": "channel", "change": "extra", "expected": None, "seen": "str"},
        {"feature": "region", "change": "missing", "expected": "str", "seen": None},
    ]
    assert payloads.schema_differences(reference, dict(reference)) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"environment": "moon", "features": {"a": "int"}}, "environment"),
        ({"environment": "production", "features": {}}, "features"),
        ({"environment": "production", "features": {"a": 3}}, "features"),
        ({"environment": "production", "features": {"a": "int"}, "reference": "yes"}, "reference"),
        ({"environment": "production", "features": {"a": "int"}, "x": 1}, "x"),
    ],
)
def test_invalid_schema_payloads(body, field):
    with pytest.raises(payloads.PayloadError) as info:
        payloads.schema_payload(json.dumps(body).encode(), environments=["production"])
    assert field in info.value.errors


def test_schema_types_are_normalised():
    payload = payloads.schema_payload(
        b'{"environment": "production", "features": {" age ": " INT64 "}}',
        environments=["production"],
    )
    assert payload.features == {"age": "int64"} and payload.reference is False


# --- Charts ---------------------------------------------------------------------------------
def series(values, start=NOW - timedelta(days=9)):
    return [(start + timedelta(days=i), v) for i, v in enumerate(values)]


def test_chart_draws_lines_rules_and_marks_breaches():
    chart = charts.line_chart(
        "auc in production",
        {charts.OVERALL: series([0.82, 0.81, 0.80, 0.70])},
        bounds=B(min_value=0.75, max_relative_drop=0.05),
        baseline=0.82,
    )
    assert not chart.empty and len(chart.series) == 1
    (line,) = chart.series
    assert line.path.startswith(f"M{chart.left:.1f},") and line.path.count(" L") == 3
    assert line.last_value == 0.70 and line.last_x == pytest.approx(chart.right)
    kinds = {rule.kind: rule for rule in chart.lines}
    assert set(kinds) == {"min", "floor", "baseline"}
    assert kinds["min"].label == "min 0.75" and kinds["baseline"].label == "approved 0.82"
    # Higher values sit higher (smaller y); every rule is inside the plot.
    assert kinds["baseline"].y < kinds["floor"].y < kinds["min"].y
    assert all(chart.top <= r.y <= chart.bottom for r in chart.lines)
    assert len(chart.markers) == 1 and "below the minimum" in chart.markers[0].label
    assert len(chart.x_ticks) == 5 and chart.y_ticks


def test_rule_labels_do_not_overlap():
    chart = charts.line_chart(
        "m", {charts.OVERALL: series([1.0, 1.01])}, bounds=B(min_value=0.999, max_value=1.001)
    )
    ys = sorted(r.label_y for r in chart.lines)
    assert all(b - a >= 11 for a, b in zip(ys, ys[1:], strict=False))


def test_empty_and_flat_charts():
    assert charts.line_chart("m", {}).empty
    flat = charts.line_chart("m", {charts.OVERALL: [(NOW, 5.0)]})
    assert not flat.empty and flat.x_ticks[0].pos == pytest.approx((flat.left + flat.right) / 2)


def test_long_series_are_thinned_but_keep_the_last_point():
    values = [float(i % 7) for i in range(5000)]
    chart = charts.line_chart("m", {charts.OVERALL: series(values, NOW - timedelta(days=5000))})
    (line,) = chart.series
    assert line.count == 5000 and line.path.count(" L") < 410
    assert line.path.endswith(f"{line.last_x:.1f},{line.last_y:.1f}")


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0.71, 0.83, [0.72, 0.74, 0.76, 0.78, 0.8, 0.82]),
        (-3, 40, [0, 10, 20, 30, 40]),
    ],
)
def test_nice_ticks(low, high, ticks):
    assert charts.nice_ticks(low, high) == pytest.approx(ticks)
