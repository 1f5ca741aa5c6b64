"""Deployment request e-mails when the notice is delayed (broker outage: the outbox delivers it
later, possibly after the request was decided)."""

import pytest
from django.core import mail

from approvals import notifications, services
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db


def _submitted(personas):
    model = assessed_model(personas, "minimal")
    return services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="1"),
        environment="production",
        justification="Quarterly retrain.",
        submit=True,
    )


def test_a_review_notice_goes_to_the_reviewers_while_the_request_waits(personas):
    request = _submitted(personas)
    mail.outbox.clear()
    assert notifications.request_submitted(str(request.pk)) >= 1
    assert all(m.subject.startswith("[Attest] Review requested:") for m in mail.outbox)
    assert personas.reviewer.email in {m.to[0] for m in mail.outbox}


def test_a_notice_delayed_past_the_decision_still_reaches_the_reviewers_saying_so(personas):
    request = _submitted(personas)
    services.deployment_request_decide(actor=personas.reviewer, request=request, verdict="approve")
    mail.outbox.clear()
    sent = notifications.request_submitted(str(request.pk))  # the delayed notice arrives now
    assert sent >= 1 and personas.reviewer.email in {m.to[0] for m in mail.outbox}
    message = mail.outbox[0]
    assert message.subject.startswith("[Attest] Review requested, since approved:")
    assert "nothing awaits your decision" in message.body
    assert "Decide:" not in message.body
