"""E-mails about deployment requests. Sent by Celery through the outbox after commit
(approvals/tasks.py), so a rolled-back change mails nobody, a slow mail server slows nobody down,
and a broker outage delays a notice but never loses it. Each recipient reads the e-mail in the
interface language they chose (accounts.User.language), English when they have not chosen."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from approvals import selectors
from approvals.models import DeploymentRequest
from catalog.models import ModelService

logger = logging.getLogger(__name__)


def _link(request: DeploymentRequest) -> str:
    return settings.ATTEST_BASE_URL + reverse("approvals:request-detail", args=[request.pk])


def _send(compose: Callable[[], tuple[str, str]], recipients: Iterable[tuple[str, str]]) -> int:
    """``recipients`` are (address, language) pairs; ``compose`` builds (subject, body) in the
    language active when it is called."""
    languages: dict[str, str] = {}
    for address, language in recipients:
        if address:
            languages.setdefault(address, language or settings.LANGUAGE_CODE)
    # One message per recipient: reviewers do not see each other's addresses.
    sent = 0
    for address in sorted(languages):
        with translation.override(languages[address]):
            subject, body = compose()
        sent += send_mail(subject, body, None, [address], fail_silently=False)
    return sent


def _reviewers(request: DeploymentRequest) -> list[tuple[str, str]]:
    return list(selectors.eligible_reviewers(request).values_list("email", "language"))


def _requester(request: DeploymentRequest) -> list[tuple[str, str]]:
    return [(request.requested_by.email, request.requested_by.language)]


def tier_label(tier: str) -> str:
    """A risk tier as people read it ("High", not ``high``), in the active language."""
    if tier in ModelService.RiskTier.values:
        return str(ModelService.RiskTier(tier).label)
    return tier or _("not assessed")


def _summary(request: DeploymentRequest) -> str:
    who = request.requested_by.get_full_name() or request.requested_by.username
    return _(
        "Model:       %(model)s\n"
        "Version:     %(version)s\n"
        "Environment: %(environment)s\n"
        "Risk tier:   %(tier)s\n"
        "Requested by %(who)s\n"
    ) % {
        "model": request.model_service.name,
        "version": request.model_version.version,
        "environment": request.environment,
        "tier": tier_label(request.risk_tier),
        "who": who,
    }


def _subject_end(request: DeploymentRequest) -> str:
    return f"{request.model_service.name} v{request.model_version.version} → {request.environment}"


def request_submitted(request_pk: str) -> int:
    """Tell the eligible reviewers a request awaits them. A notice delayed (by a broker outage)
    until after the request was decided still goes out, saying what became of it: the reviewers
    learn of every request submitted for their review, and are not sent to decide one that is
    no longer waiting."""
    request = DeploymentRequest.objects.select_related(
        "model_service", "model_version", "requested_by"
    ).get(pk=request_pk)
    if request.state == DeploymentRequest.State.DRAFT:
        return 0  # not submitted (yet): nothing to tell
    subject_end = _subject_end(request)

    if request.state == DeploymentRequest.State.SUBMITTED:

        def waiting() -> tuple[str, str]:
            kind = _("Re-review needed") if request.supersedes_id else _("Review requested")
            body = _(
                "%(kind)s: a deployment request awaits your decision.\n\n%(summary)s\n"
                "Justification:\n%(justification)s\n\nDecide: %(link)s\n"
            ) % {
                "kind": kind,
                "summary": _summary(request),
                "justification": request.justification,
                "link": _link(request),
            }
            return f"[Attest] {kind}: {subject_end}", body

        return _send(waiting, _reviewers(request))

    def moved_on() -> tuple[str, str]:
        state = request.get_state_display().lower()
        body = _(
            "A deployment request was submitted for your review while notifications were "
            "delayed; it is now %(state)s, so nothing awaits your decision.\n\n%(summary)s\n"
            "Details: %(link)s\n"
        ) % {"state": state, "summary": _summary(request), "link": _link(request)}
        subject = _("[Attest] Review requested, since %(state)s: %(what)s") % {
            "state": state,
            "what": subject_end,
        }
        return subject, body

    return _send(moved_on, _reviewers(request))


def request_decided(request_pk: str) -> int:
    request = DeploymentRequest.objects.select_related(
        "model_service", "model_version", "requested_by"
    ).get(pk=request_pk)
    last = request.decisions.select_related("approver").order_by("-created_at").first()

    def compose() -> tuple[str, str]:
        state = request.get_state_display()
        if last:
            who = last.approver.get_full_name() or last.approver.username
            decided = _("Your deployment request was %(state)s by %(who)s.") % {
                "state": state.lower(),
                "who": who,
            }
        else:
            decided = _("Your deployment request was %(state)s.") % {"state": state.lower()}
        comment = (
            "\n" + _("Comment: %(comment)s") % {"comment": last.comment} + "\n"
            if last and last.comment
            else ""
        )
        body = f"{decided}\n\n{_summary(request)}{comment}\n{_link(request)}\n"
        return f"[Attest] {state}: {_subject_end(request)}", body

    return _send(compose, _requester(request))


def approval_expiring(request: DeploymentRequest) -> int:
    request = DeploymentRequest.objects.select_related(
        "model_service", "model_version", "requested_by"
    ).get(pk=request.pk)

    def compose() -> tuple[str, str]:
        body = _(
            "This approval expires on %(date)s. Request a recertification before then, or the "
            "deploy gate will deny.\n\n%(summary)s\n%(link)s\n"
        ) % {
            "date": date_format(request.expires_at, "SHORT_DATE_FORMAT"),
            "summary": _summary(request),
            "link": _link(request),
        }
        subject = _("[Attest] Approval expiring: %(what)s") % {"what": _subject_end(request)}
        return subject, body

    return _send(compose, [*_requester(request), *_reviewers(request)])
