"""The "incident report deadline near" event (issue 23, item 1): the daily check announces
``incident.deadline_near`` once per serious incident and Art. 73 deadline when the deadline is
within ATTEST_INCIDENT_WARNING_HOURS and no report is recorded; a chat channel hears of it with
the link. The clock is moved with time-machine."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from common.events import DISPATCH_TASK
from common.models import OutboxMessage
from monitoring import services, tasks
from notifications import channels
from tests.approvals.approval_helpers import assessed_model
from tests.notifications.chat_server import ChatServer

START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.get_current_timezone())


def warnings_sent() -> list[dict]:
    return [
        m.args[0]["data"]
        for m in OutboxMessage.objects.filter(task_name=DISPATCH_TASK).order_by("created_at")
        if m.args[0]["type"] == "incident.deadline_near"
    ]


def register(personas, **fields):
    model = assessed_model(personas, "high", name="credit-scoring")
    return services.incident_register(
        actor=personas.owner,
        model_service=model,
        title="Loans refused to a whole postcode",
        description="A feed outage set income to 0 for one region.",
        severity="high",
        serious=True,
        aware_at=timezone.now() - timedelta(hours=1),
        **fields,
    )


@pytest.mark.django_db
def test_the_daily_check_warns_once_per_incident_and_deadline(personas):
    with time_machine.travel(START, tick=False):
        incident = register(personas, serious_category="general")  # 15 days (Art. 73(2))
    deadline = incident.report_deadline
    assert deadline == START - timedelta(hours=1) + timedelta(days=15)
    with time_machine.travel(deadline - timedelta(hours=49), tick=False):
        assert tasks.daily_checks()["incident_deadlines_near"] == 0  # not near yet
    with time_machine.travel(deadline - timedelta(hours=47), tick=False):
        assert tasks.daily_checks()["incident_deadlines_near"] == 1
    [warning] = warnings_sent()
    assert warning["incident_id"] == str(incident.pk) and warning["hours_left"] == 47.0
    assert warning["incident_url"].endswith(f"/incidents/{incident.pk}/")
    with time_machine.travel(deadline - timedelta(hours=23), tick=False):
        assert tasks.daily_checks()["incident_deadlines_near"] == 0  # once per deadline
    # A death moves the deadline (10 days, Art. 73(4)): that deadline is warned of in turn.
    with time_machine.travel(START + timedelta(days=8), tick=False):
        services.incident_update(
            actor=personas.owner, incident=incident, changes={"serious_category": "death"}
        )
        assert tasks.daily_checks()["incident_deadlines_near"] == 1
    assert sorted(w["serious_category"] for w in warnings_sent()) == ["death", "general"]


@pytest.mark.django_db
def test_a_reported_or_already_overdue_incident_is_not_warned_of(personas):
    with time_machine.travel(START, tick=False):
        incident = register(personas, serious_category="widespread")  # 2 days (Art. 73(3))
        services.incident_update(
            actor=personas.owner,
            incident=incident,
            changes={"report_stage": "initial", "authority_reported_at": timezone.now()},
        )
        assert services.incidents_warn_deadline_near() == []
    with time_machine.travel(START + timedelta(days=3), tick=False):
        services.incident_update(
            actor=personas.owner,
            incident=incident,
            changes={"report_stage": "none", "authority_reported_at": None},
        )
        assert services.incidents_warn_deadline_near() == []  # past: the overdue alert's job
    assert warnings_sent() == []


@pytest.mark.django_db
@override_settings(ATTEST_INCIDENT_WARNING_HOURS=24)
def test_the_warning_window_is_the_setting(personas):
    with time_machine.travel(START, tick=False):
        incident = register(personas, serious_category="general")
    with time_machine.travel(incident.report_deadline - timedelta(hours=30), tick=False):
        assert services.incidents_warn_deadline_near() == []
    with time_machine.travel(incident.report_deadline - timedelta(hours=20), tick=False):
        assert services.incidents_warn_deadline_near() == [incident]


@pytest.mark.django_db
def test_a_channel_hears_of_the_near_deadline_with_the_link(
    personas, django_capture_on_commit_callbacks
):
    chat = ChatServer()
    try:
        channels.notification_channel_create(
            actor=personas.admin,
            name="#compliance",
            url=chat.url,
            event_types=["incident.deadline_near"],
        )
        with time_machine.travel(START, tick=False):
            incident = register(personas, serious_category="widespread")
        later = START + timedelta(hours=10)
        with (
            time_machine.travel(later, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            tasks.daily_checks()
        [message] = chat.received
        assert message["title"] == "Art. 73 report due soon: Loans refused to a whole postcode"
        assert "37.0 hours left" in message["message"]
        assert f"/incidents/{incident.pk}/" in message["message"]
    finally:
        chat.close()


@pytest.mark.parametrize("value", ["12", "400", "two days"])
def test_a_warning_window_out_of_range_stops_start_up(value):
    env = {**os.environ, "DEBUG": "true", "ATTEST_INCIDENT_WARNING_HOURS": value}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "ATTEST_INCIDENT_WARNING_HOURS" in done.stderr
