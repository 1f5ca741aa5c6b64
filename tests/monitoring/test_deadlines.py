"""Art. 73 clocks, age in production and recertification dates: pure, table-driven."""

from datetime import UTC, date, datetime, timedelta

import pytest

from monitoring import deadlines

AWARE = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("category", "days"),
    [("general", 15), ("death", 10), ("widespread", 2)],
)
def test_art73_deadline_is_awareness_plus_the_categorys_days(category, days):
    assert deadlines.report_deadline(AWARE, category) == AWARE + timedelta(days=days)


def test_unknown_category_is_refused():
    with pytest.raises(ValueError, match="unknown Art. 73 category"):
        deadlines.report_deadline(AWARE, "minor")


@pytest.mark.parametrize(
    ("serious", "category", "reported_at", "now", "state", "label"),
    [
        (False, "", None, AWARE + timedelta(days=40), "not_serious", "No Art. 73 reporting clock"),
        (True, "general", None, AWARE + timedelta(days=14, hours=23), "due", "1 hour left"),
        (True, "general", None, AWARE + timedelta(days=3), "due", "12 days left"),
        (True, "general", None, AWARE + timedelta(days=15, hours=2), "overdue", "Overdue by 2 hours"),  # noqa: E501
        (True, "death", None, AWARE + timedelta(days=9, hours=12), "due", "12 hours left"),
        (True, "death", None, AWARE + timedelta(days=11), "overdue", "Overdue by 1 day"),
        (True, "widespread", None, AWARE + timedelta(days=1), "due", "1 day left"),
        (True, "widespread", None, AWARE + timedelta(days=2, minutes=1), "overdue", "Overdue by 1 minute"),  # noqa: E501
        (True, "widespread", AWARE + timedelta(days=1), AWARE + timedelta(days=30), "reported", "Reported in time"),  # noqa: E501
        (True, "death", AWARE + timedelta(days=12), AWARE + timedelta(days=30), "reported_late", "Reported 2 days late"),  # noqa: E501
    ],
)  # fmt: skip
def test_deadline_status_follows_the_category(serious, category, reported_at, now, state, label):
    status = deadlines.deadline_status(
        serious=serious, category=category, aware_at=AWARE, reported_at=reported_at, now=now
    )
    assert (status.state, status.label) == (state, label)
    assert status.is_overdue is (state == "overdue")
    if serious:
        assert status.deadline == deadlines.report_deadline(AWARE, category)


@pytest.mark.parametrize(
    ("raw", "table"),
    [
        ("high=365,limited=540,minimal=730", {"high": 365, "limited": 540, "minimal": 730}),
        (" high = 6 , ", {"high": 6}),
        ("", {}),
        ({"high": "3"}, {"high": 3}),
    ],
)
def test_tier_tables_parse(raw, table):
    assert deadlines.parse_tier_table(raw) == table


@pytest.mark.parametrize("raw", ["high", "high=soon", "=3", "high=0", "high=-2"])
def test_malformed_tier_tables_fail_loudly(raw):
    with pytest.raises(ValueError, match="malformed tier entry"):
        deadlines.parse_tier_table(raw)


@pytest.mark.parametrize(
    ("age", "max_days", "stale"),
    [
        (timedelta(days=365), 365, False),
        (timedelta(days=365, seconds=1), 365, True),
        (timedelta(days=10), None, False),
        (timedelta(days=1000), 730, True),
    ],
)
def test_stale_means_older_than_the_tiers_maximum(age, max_days, stale):
    now = datetime(2027, 1, 1, tzinfo=UTC)
    assert deadlines.is_stale(deployed_at=now - age, now=now, max_days=max_days) is stale


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 15), 6, date(2026, 7, 15)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 11, 30), 12, date(2027, 11, 30)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
    ],
)
def test_add_months_clamps_to_the_months_end(day, months, expected):
    assert deadlines.add_months(day, months) == expected


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2026, 5, 1), "upcoming"),
        (date(2026, 6, 17), "due_soon"),
        (date(2026, 7, 1), "due_soon"),
        (date(2026, 7, 2), "overdue"),
    ],
)
def test_review_state(today, state):
    assert deadlines.review_state(due_on=date(2026, 7, 1), today=today, reminder_days=14) == state


@pytest.mark.parametrize(
    ("delta", "label", "age"),
    [
        (timedelta(days=3, hours=4, minutes=5), "3 days 4 hours", "3 days"),
        (timedelta(days=1), "1 day", "1 day"),
        (timedelta(hours=5, minutes=1), "5 hours 1 minute", "5 hours"),
        (timedelta(seconds=30), "0 minutes", "0 minutes"),
    ],
)
def test_duration_labels(delta, label, age):
    assert deadlines.duration_label(delta) == label
    assert deadlines.age_label(delta) == age
