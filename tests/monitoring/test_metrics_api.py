"""POST /api/v1/metrics/: a series crossing a threshold opens exactly one alert, mails the team,
shows on the model's monitoring page; acknowledging and resolving it is audited. Invalid
batches get a clear 4xx and write nothing."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from accounts.models import ApiToken
from audit.models import AuditEvent
from monitoring import services
from monitoring.models import Alert, MetricPoint
from tests.factories import UserFactory
from tests.monitoring.conftest import item, post, series

pytestmark = pytest.mark.django_db


def actions(since=0):
    return list(
        AuditEvent.objects.filter(seq__gt=since).order_by("seq").values_list("action", flat=True)
    )


def last_seq():
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_a_series_crossing_a_threshold_opens_one_alert_mails_the_team_and_shows_on_the_page(
    personas, deployed, ci, client_for, django_capture_on_commit_callbacks
):
    model = deployed.model
    services.threshold_create(
        actor=personas.owner, model_service=model, metric="auc", min_value=0.75
    )
    before = last_seq()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(ci, {"items": series([0.82, 0.80, 0.74, 0.72])})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["points"] == 4 and body["models"] == ["credit-scoring"]
    assert len(body["alerts_opened"]) == 1 and body["alerts_repeated"] == []
    assert body["alerts_opened"][0]["model"] == "credit-scoring"
    alert = Alert.objects.get()
    assert (alert.kind, alert.state, alert.metric, alert.environment) == (
        "below_minimum",
        "open",
        "auc",
        "production",
    )
    assert alert.observed_value == 0.72 and alert.limit_value == 0.75 and alert.occurrences == 2
    assert alert.approval == deployed.approval and alert.model_version == deployed.version
    assert MetricPoint.objects.filter(model_service=model).count() == 4
    assert actions(before) == ["monitoring.metrics_recorded", "monitoring.alert_opened"]
    recorded = AuditEvent.objects.get(action="monitoring.metrics_recorded")
    assert recorded.after["points"] == 4 and recorded.subject_id == model.pk
    # The team's model owners and its reviewers are told, one message each; nobody else.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "owner@example.com",
        "reviewer@example.com",
        "teammate@example.com",
    ]
    message = mail.outbox[0]
    assert "credit-scoring" in message.subject and "Below minimum" in message.subject
    assert "0.72 is below the minimum 0.75" in message.body
    assert f"/alerts/{alert.pk}/" in message.body

    # A second breaching batch counts on the open alert: no new alert, no new mail.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = post(ci, {"items": [item(0.70)]})
    assert again.status_code == 201
    assert again.json()["alerts_opened"] == [] and len(again.json()["alerts_repeated"]) == 1
    assert Alert.objects.count() == 1 and mail.outbox == []
    alert.refresh_from_db()
    assert alert.occurrences == 3 and alert.observed_value == 0.70

    # It is on the model's monitoring page, with the chart and its threshold line.
    owner = client_for(personas.owner)
    page = owner.get(reverse("monitoring:model-monitoring", args=[model.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert alert.title in html and "<svg" in html and "min 0.75" in html
    assert "approved 0.82" in html  # the value at approval, drawn as a reference line

    # Acknowledge, then resolve, from the alert page: both audited with who and why.
    before = last_seq()
    url = reverse("monitoring:alert-acknowledge", args=[alert.pk])
    assert owner.post(url, {"ack-comment": "Looking at the input drift."}).status_code == 302
    url = reverse("monitoring:alert-resolve", args=[alert.pk])
    response = owner.post(url, {"resolve-comment": "Upstream feed fixed; values recovered."})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolved_by == personas.owner
    events = AuditEvent.objects.filter(seq__gt=before).order_by("seq")
    assert [(e.action, e.actor_label, e.after["comment"]) for e in events] == [
        ("monitoring.alert_acknowledged", "owner", "Looking at the input drift."),
        ("monitoring.alert_resolved", "owner", "Upstream feed fixed; values recovered."),
    ]
    assert (
        alert.title
        not in owner.get(reverse("monitoring:model-monitoring", args=[model.pk]))
        .content.decode()
        .split("Recently resolved")[0]
    )

    # After it is resolved, a new breach opens a new alert.
    assert len(post(ci, {"items": [item(0.6)]}).json()["alerts_opened"]) == 1
    assert Alert.objects.filter(state="open").count() == 1


def test_a_drop_versus_the_approved_value_opens_a_relative_drop_alert(personas, deployed, ci):
    services.threshold_create(
        actor=personas.owner, model_service=deployed.model, metric="auc", max_relative_drop=0.05
    )
    assert post(ci, {"items": series([0.80, 0.79])}).json()["alerts_opened"] == []  # ≤ 3.7 %
    (opened,) = post(ci, {"items": [item(0.76)]}).json()["alerts_opened"]  # 7.3 % below 0.82
    alert = Alert.objects.get(pk=opened["id"])
    assert alert.kind == "relative_drop"
    assert "7.3 % below 0.82 at approval (at most 5 % allowed)" in alert.title
    assert alert.limit_value == pytest.approx(0.779)


def test_an_environment_threshold_overrides_the_one_for_every_environment(personas, deployed, ci):
    model = deployed.model
    services.threshold_create(
        actor=personas.owner, model_service=model, metric="auc", min_value=0.5
    )
    services.threshold_create(
        actor=personas.owner,
        model_service=model,
        metric="auc",
        environment="production",
        min_value=0.8,
    )
    staging = post(ci, {"items": [item(0.7, environment="staging")]}).json()
    production = post(ci, {"items": [item(0.7)]}).json()
    assert staging["alerts_opened"] == [] and len(production["alerts_opened"]) == 1


def test_slices_are_checked_against_absolute_bounds_only(personas, deployed, ci):
    services.threshold_create(
        actor=personas.owner,
        model_service=deployed.model,
        metric="auc",
        min_value=0.6,
        max_relative_drop=0.05,
    )
    body = post(ci, {"items": [item(0.7, slice="age<25"), item(0.55, slice="age>75")]}).json()
    assert [a["kind"] for a in body["alerts_opened"]] == ["below_minimum"]
    assert "slice age>75" in Alert.objects.get().detail


def test_a_threshold_marked_for_rereview_stales_the_approval_and_opens_a_rereview(
    personas, deployed, ci, api_token, django_capture_on_commit_callbacks
):
    services.threshold_create(
        actor=personas.owner,
        model_service=deployed.model,
        metric="auc",
        min_value=0.75,
        mark_for_rereview=True,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post(ci, {"items": [item(0.7)]})
    alert = Alert.objects.get()
    assert alert.rereview_requested and alert.approval == deployed.approval
    approval = deployed.approval
    approval.refresh_from_db()
    assert approval.state == "stale"
    assert approval.closed_reason.startswith("Monitoring threshold breached: auc in production")
    rereview = approval.superseded_by.get()
    assert (rereview.state, rereview.channel) == ("submitted", "system")
    assert (rereview.model_version, rereview.environment) == (
        approval.model_version,
        "production",
    )
    staled = AuditEvent.objects.get(action="governance.approval_staled")
    assert staled.target_id == str(approval.pk) and staled.after["state"] == "stale"
    body = next(m.body for m in mail.outbox if m.to == ["reviewer@example.com"])
    assert "Re-review requested" in body and f"/requests/{rereview.pk}/" in body
    # The gate now refuses new deployments under the stale approval.
    gate = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(scopes=[ApiToken.Scope.GATE_READ])}")
    answer = gate.get(
        "/api/v1/gate/",
        {"model": deployed.model.name, "version": "1", "environment": "production"},
    )
    assert answer.status_code == 409 and "stale" in " ".join(answer.json()["reasons"])

    # A later breach is counted on the open alert and changes nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        post(ci, {"items": [item(0.6)]})
    assert AuditEvent.objects.filter(action="governance.approval_staled").count() == 1
    assert approval.superseded_by.count() == 1


def test_a_threshold_without_rereview_leaves_the_approval_in_force(personas, deployed, ci):
    services.threshold_create(
        actor=personas.owner, model_service=deployed.model, metric="auc", min_value=0.75
    )
    post(ci, {"items": [item(0.7)]})
    assert not Alert.objects.get().rereview_requested
    deployed.approval.refresh_from_db()
    assert deployed.approval.state == "approved"


def test_the_team_can_post_from_a_signed_in_session(personas, deployed, client_for):
    response = post(client_for(personas.owner), {"items": [item(0.8)]})
    assert response.status_code == 201
    assert MetricPoint.objects.get().recorded_by == personas.owner


def test_a_batch_of_exactly_the_limit_is_accepted(deployed, ci, settings):
    settings.ATTEST_METRICS_MAX_ITEMS = 10_000
    response = post(ci, {"items": [item(0.8, minutes_ago=i) for i in range(10_000)]})
    assert response.status_code == 201 and response.json()["points"] == 10_000
    assert MetricPoint.objects.count() == 10_000


# --- Invalid batches: a clear 4xx, nothing written ------------------------------------------
def assert_nothing_written(before):
    assert MetricPoint.objects.count() == 0
    assert Alert.objects.count() == 0
    assert "monitoring.metrics_recorded" not in actions(before)


@pytest.mark.parametrize(
    ("items", "status", "errors"),
    [
        (
            [item(0.8), item(0.7, model="no-such-model")],
            404,
            {"items[1]": ["model: no model named 'no-such-model' that you may see."]},
        ),
        (
            [item(0.8), item(0.8), item(0.7, version="9")],
            404,
            {"items[2]": ["version: 'credit-scoring' has no version '9'."]},
        ),
        (
            [item(0.8), item("0.7")],
            400,
            {"items[1]": ["value: a number is required, not str."]},
        ),
        (
            [item(0.8, timestamp="2026-11-23 10:00")],
            400,
            {"items[0]": ["timestamp: give a time zone (…Z or …+02:00)."]},
        ),
        (
            [item(0.8, environment="moon")],
            400,
            {"items[0]": ["environment: 'moon' is unknown; one of: staging, production."]},
        ),
    ],
)
def test_invalid_items_get_a_clear_answer_and_nothing_is_written(
    personas, deployed, ci, items, status, errors
):
    services.threshold_create(
        actor=personas.owner, model_service=deployed.model, metric="auc", min_value=0.75
    )
    before = last_seq()
    response = post(ci, {"items": items})
    assert response.status_code == status
    assert response.json()["errors"] == errors
    assert "nothing was recorded" in response.json()["detail"]
    assert_nothing_written(before)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_400_not_500(deployed, ci, literal):
    good = json.dumps(item(0.8))
    body = '{"items": [' + good + ", " + good.replace("0.8", literal) + "]}"
    before = last_seq()
    response = post(ci, body)
    assert response.status_code == 400
    assert f"{literal} is not a JSON number" in response.json()["detail"]
    assert_nothing_written(before)


def test_more_items_than_the_limit_are_refused_whole(deployed, ci):
    before = last_seq()
    response = post(ci, {"items": [item(0.8, minutes_ago=i % 500) for i in range(10_001)]})
    assert response.status_code == 413
    assert response.json()["detail"].startswith("Too many items: 10001; at most 10000 per batch.")
    assert_nothing_written(before)


def test_a_body_over_the_byte_limit_is_refused_unread(deployed, ci, settings):
    settings.ATTEST_METRICS_MAX_BYTES = 1000
    response = post(ci, {"items": [item(0.8)] * 20})
    assert response.status_code == 413 and "larger than 1000 bytes" in response.json()["detail"]
    assert MetricPoint.objects.count() == 0


@pytest.mark.parametrize("body", ["", "[]", '{"items": "all of them"}', '{"items": []}', "{oops"])
def test_malformed_bodies_are_400(deployed, ci, body):
    response = post(ci, body)
    assert response.status_code == 400 and response.json()["detail"]
    assert MetricPoint.objects.count() == 0


# --- Who may post ---------------------------------------------------------------------------
def bearer(user, scopes):
    _, token = account_services.api_token_create(
        actor=None, user=user, name="t", scopes=scopes, expires_in_days=1
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_who_may_post_metrics(personas, deployed, client_for):
    other_bot = UserFactory(
        username="fraud-ci", is_service_account=True, teams=[personas.other_team]
    )
    cases = {
        "anonymous": (Client(), 401),
        "token without metrics:write": (
            bearer(personas.ci_bot, [ApiToken.Scope.DEPLOYMENTS_WRITE]),
            403,
        ),
        "another team's CI": (bearer(other_bot, [ApiToken.Scope.METRICS_WRITE]), 404),
        "other team's owner": (client_for(personas.other_owner), 404),
        "reviewer": (client_for(personas.reviewer), 403),
        "auditor": (client_for(personas.auditor), 403),
        "compliance officer": (client_for(personas.compliance), 403),
        "viewer": (client_for(personas.viewer), 404),
        "teammate": (client_for(personas.teammate), 201),
        "admin": (client_for(personas.admin), 201),
    }
    got = {name: post(c, {"items": [item(0.8)]}).status_code for name, (c, _) in cases.items()}
    assert got == {name: status for name, (_, status) in cases.items()}
    assert MetricPoint.objects.count() == 2
