"""The human message for one governance event on a chat channel: a title and a short text
ending with the link to act on it. Pure: no queries, the envelope only (docs/events.md); the
envelope's codes (a risk tier, a severity) are worded through their choices' labels."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import ModelService
from monitoring.models import Incident


def _worded(choices, value) -> str:
    """A code of the envelope as people read it (``high`` → "High"); unknown ones as sent."""
    return str(choices(value).label) if value in choices.values else str(value or "-")


def _subject(data: dict) -> str:
    return f"{data.get('model', '?')} v{data.get('version', '?')} → {data.get('environment', '?')}"


def render(envelope: dict) -> tuple[str, str]:
    """(title, body) of the message announcing ``envelope``."""
    kind, data = envelope.get("type", ""), envelope.get("data") or {}
    by = data.get("actor") or _("Attest")
    values = {"subject": _subject(data), "by": by, "url": data.get("request_url", "")}
    if kind == "deployment_request.submitted":
        title = (
            _("Re-review needed: %(subject)s")
            if data.get("re_review_of")
            else _("Review requested: %(subject)s")
        ) % values
        body = _(
            "A deployment request awaits a reviewer's decision (risk tier: %(tier)s, team: "
            "%(team)s, requested by %(requester)s).\nDecide: %(url)s"
        ) % {
            **values,
            "tier": _worded(ModelService.RiskTier, data.get("risk_tier"))
            if data.get("risk_tier")
            else _("not assessed"),
            "team": data.get("team") or "-",
            "requester": data.get("requested_by") or "-",
        }
    elif kind == "deployment_request.approved":
        title = _("Approved: %(subject)s") % values
        body = _("Approved by %(by)s, valid until %(until)s. The gate now allows it.\n%(url)s") % {
            **values,
            "until": (data.get("expires_at") or "")[:10],
        }
    elif kind == "deployment_request.rejected":
        title = _("Rejected: %(subject)s") % values
        body = _("Rejected by %(by)s: %(comment)s\n%(url)s") % {
            **values,
            "comment": data.get("comment", ""),
        }
    elif kind in ("approval.revoked", "approval.expired", "approval.staled"):
        title = {
            "approval.revoked": _("Approval revoked: %(subject)s"),
            "approval.expired": _("Approval expired: %(subject)s"),
            "approval.staled": _("Approval stale, re-review needed: %(subject)s"),
        }[kind] % values
        body = _("The gate denies deployments from now on. %(reason)s\n%(url)s") % {
            **values,
            "reason": data.get("reason", ""),
        }
    elif kind == "alert.opened":
        title = _("Alert: %(title)s") % {"title": data.get("title", "")}
        body = _("Model %(model)s, %(environment)s. Acknowledge or resolve: %(url)s") % {
            "model": data.get("model", "?"),
            "environment": data.get("environment") or "-",
            "url": data.get("alert_url", ""),
        }
    elif kind == "incident.created":
        title = _("Incident: %(title)s") % {"title": data.get("title", "")}
        due = data.get("report_deadline")
        body = (
            _("Serious incident on %(model)s: report to the authority by %(due)s (Art. 73).")
            if due
            else _("Incident on %(model)s, severity %(severity)s.")
        ) % {
            "model": data.get("model", "?"),
            "due": (due or "")[:16],
            "severity": _worded(Incident.Severity, data.get("severity")),
        }
        body += "\n" + data.get("incident_url", "")
    elif kind == "incident.deadline_near":
        title = _("Art. 73 report due soon: %(title)s") % {"title": data.get("title", "")}
        body = _(
            "Report the serious incident on %(model)s to the market-surveillance authority by "
            "%(due)s (%(hours)s hours left); an initial, incomplete report meets the deadline."
            "\n%(url)s"
        ) % {
            "model": data.get("model", "?"),
            "due": (data.get("report_deadline") or "")[:16],
            "hours": data.get("hours_left"),
            "url": data.get("incident_url", ""),
        }
    elif kind == "approval.expiring":
        title = _("Approval expiring: %(subject)s") % values
        body = _(
            "Valid until %(until)s; after that the gate denies deployments. Ask for a new "
            "approval in time.\n%(url)s"
        ) % {**values, "until": (data.get("expires_at") or "")[:10]}
    elif kind == "recertification.due":
        title = _("Recertification due: %(model)s") % {"model": data.get("model", "?")}
        body = _("Review %(model)s in production by %(due)s.\n%(url)s") % {
            "model": data.get("model", "?"),
            "due": data.get("due_on", ""),
            "url": data.get("model_url", ""),
        }
    else:
        title, body = kind, ""
    return title[:300], body


LINK_FIELDS = ("request_url", "alert_url", "incident_url", "model_url")


def link_of(envelope: dict) -> str:
    """The page to act on, as the event's payload names it (docs/events.md: ``*_url``)."""
    data = envelope.get("data") or {}
    return next((data[name] for name in LINK_FIELDS if data.get(name)), "")


def render_digest(day: str, entries: list[tuple[str, str]]) -> tuple[str, str]:
    """(title, body) of one daily digest: each event's title with its link."""
    title = ngettext(
        "Attest digest for %(day)s: %(count)d event",
        "Attest digest for %(day)s: %(count)d events",
        len(entries),
    ) % {"day": day, "count": len(entries)}
    lines = [
        f"• {entry_title}\n  {link}" if link else f"• {entry_title}"
        for entry_title, link in entries
    ]
    return title[:300], "\n".join(lines)
