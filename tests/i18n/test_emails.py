"""E-mails go out in each recipient's stored language (English for those who chose none)."""

import pytest
from django.core import mail

from approvals import notifications, services
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db


def test_each_reviewer_reads_the_notice_in_their_language(personas):
    personas.reviewer.language = "de"
    personas.reviewer.save(update_fields=["language"])
    model = assessed_model(personas, "minimal")
    request = services.deployment_request_create(
        actor=personas.owner,
        model_version=model.versions.get(version="1"),
        environment="production",
        justification="Quarterly retrain.",
    )
    mail.outbox.clear()
    notifications.request_submitted(str(request.pk))
    by_address = {m.to[0]: m for m in mail.outbox}
    german = by_address[personas.reviewer.email]
    english = by_address[personas.compliance.email]
    assert german.subject.startswith("[Attest] Prüfung angefordert:")
    assert (
        "wartet auf Ihre Entscheidung" in german.body and "Umgebung:    production" in german.body
    )
    assert english.subject.startswith("[Attest] Review requested:")
    assert "awaits your decision" in english.body

    personas.owner.language = "de"
    personas.owner.save(update_fields=["language"])
    services.deployment_request_decide(actor=personas.reviewer, request=request, verdict="approve")
    mail.outbox.clear()
    notifications.request_decided(str(request.pk))
    (decided,) = mail.outbox
    assert decided.subject.startswith("[Attest] Freigegeben:")
    assert "Ihr Bereitstellungsantrag wurde von" in decided.body and "freigegeben." in decided.body
