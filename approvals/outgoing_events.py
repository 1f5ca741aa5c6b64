"""The governance events the approvals app announces (``common/events.py``).

Each builder runs inside the service's transaction, on the row the service just changed, and
emits through the outbox. Payloads are "thin plus the commonly needed fields" (the Standard
Webhooks spec's advice): ids and links to read more through the API, and what a pipeline needs
to react without a second call (model, version, environment, state). Their JSON schemas are in
``docs/events.md``; a field is never removed or renamed once published.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.events import declare_event_type, governance_event_emit

REQUEST_SUBMITTED = declare_event_type(
    "deployment_request.submitted", _("Deployment request submitted for review")
)
REQUEST_APPROVED = declare_event_type(
    "deployment_request.approved", _("Deployment request approved")
)
REQUEST_REJECTED = declare_event_type(
    "deployment_request.rejected", _("Deployment request rejected")
)
APPROVAL_REVOKED = declare_event_type("approval.revoked", _("Approval revoked"))
APPROVAL_EXPIRED = declare_event_type("approval.expired", _("Approval expired"))
APPROVAL_STALED = declare_event_type(
    "approval.staled", _("Approval became stale (re-review needed)")
)
APPROVAL_EXPIRING = declare_event_type(
    "approval.expiring", _("Approval about to expire (renew it before it does)")
)

# The state an approval is closed into → the event announcing it.
_CLOSED = {"revoked": APPROVAL_REVOKED, "expired": APPROVAL_EXPIRED, "stale": APPROVAL_STALED}


def _username(user) -> str | None:
    return user.username if user is not None else None


def _request_data(request, *, actor) -> dict:
    model = request.model_service
    return {
        "request_id": str(request.pk),
        "request_url": settings.ATTEST_BASE_URL
        + reverse("approvals:request-detail", args=[request.pk]),
        "model_id": str(model.pk),
        "model": model.name,
        "team": model.owner_team.slug if model.owner_team_id else None,
        "version": request.model_version.version,
        "environment": request.environment,
        "risk_tier": request.risk_tier or None,
        "state": request.state,
        "actor": _username(actor),
    }


def request_submitted(request, *, actor) -> None:
    """A request awaits its reviewers (first submission or a re-review of a stale approval)."""
    governance_event_emit(
        REQUEST_SUBMITTED,
        {
            **_request_data(request, actor=actor),
            "requested_by": _username(request.requested_by),
            "re_review_of": str(request.supersedes_id) if request.supersedes_id else None,
        },
    )


def request_decided(request, *, actor, comment: str) -> None:
    """The request's final verdict: approved (the gate now allows it) or rejected."""
    approved = request.state == "approved"
    data = {**_request_data(request, actor=actor), "comment": comment}
    if approved:
        data["expires_at"] = request.expires_at
        data["fingerprint"] = request.fingerprint
    governance_event_emit(REQUEST_APPROVED if approved else REQUEST_REJECTED, data)


def approval_closed(request, *, actor, reason: str) -> None:
    """An approval stopped being valid (revoked, expired or stale): the gate denies from now."""
    governance_event_emit(
        _CLOSED[request.state], {**_request_data(request, actor=actor), "reason": reason}
    )


def approval_expiring(request) -> None:
    """An approval enters its reminder window (ATTEST_APPROVAL_REMINDER_DAYS): sent once."""
    governance_event_emit(
        APPROVAL_EXPIRING,
        {**_request_data(request, actor=None), "expires_at": request.expires_at},
    )
