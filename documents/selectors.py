"""Who may see which generated document: documents about a model follow the model's
visibility; portfolio reports are for their requester and the portfolio roles."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.selectors import model_service_visible
from documents.access import can_read_every_portfolio_report
from documents.models import GeneratedDocument


def document_visible(*, user) -> QuerySet[GeneratedDocument]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return GeneratedDocument.objects.none()
    about_models = Q(model_service__in=model_service_visible(user=user))
    portfolio = Q(kind=GeneratedDocument.Kind.PORTFOLIO) & (
        Q() if can_read_every_portfolio_report(user) else Q(requested_by=user)
    )
    return GeneratedDocument.objects.filter(about_models | portfolio).select_related(
        "model_service", "model_version", "requested_by"
    )


def document_get(*, user, pk) -> GeneratedDocument:
    try:
        return document_visible(user=user).get(pk=pk)
    except (GeneratedDocument.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404(_("No such document.")) from exc


def document_history(document: GeneratedDocument) -> QuerySet[GeneratedDocument]:
    """Every version of the same document (same kind and subject), newest first."""
    rows = GeneratedDocument.objects.filter(kind=document.kind)
    if document.model_version_id:
        rows = rows.filter(model_version_id=document.model_version_id)
    else:
        rows = rows.filter(model_version__isnull=True, requested_by_id=document.requested_by_id)
    return rows.order_by("-revision")


def latest_document(
    *, kind: str, model_version=None, language: str | None = None
) -> GeneratedDocument | None:
    """The newest finished document of ``kind`` (of ``model_version``), in ``language`` when
    one is given, else in whichever language it was last made."""
    rows = GeneratedDocument.objects.filter(kind=kind, status=GeneratedDocument.Status.DONE)
    if model_version is not None:
        rows = rows.filter(model_version=model_version)
    if language:
        rows = rows.filter(language=language)
    return rows.order_by("-revision").first()


def model_card_current(version, data: dict) -> GeneratedDocument | None:
    """The newest finished model-card PDF of ``version`` made from exactly ``data`` with the
    current template, if any."""
    from documents.kinds import model_card
    from documents.rendering import inputs_hash

    return (
        GeneratedDocument.objects.filter(
            kind=GeneratedDocument.Kind.MODEL_CARD,
            model_version=version,
            status=GeneratedDocument.Status.DONE,
            template_version=model_card.TEMPLATE_VERSION,
            inputs_hash=inputs_hash(data),  # data carries its language (card_data)
        )
        .select_related("model_service", "model_version")
        .order_by("-revision")
        .first()
    )


def model_card_pending(version) -> GeneratedDocument | None:
    """A model-card PDF of ``version`` still queued or rendering (it will use current data)."""
    return (
        GeneratedDocument.objects.filter(
            kind=GeneratedDocument.Kind.MODEL_CARD,
            model_version=version,
            status__in=[GeneratedDocument.Status.QUEUED, GeneratedDocument.Status.RENDERING],
        )
        .select_related("model_service", "model_version")
        .order_by("-revision")
        .first()
    )


PENDING_STALE_AFTER = timedelta(minutes=15)


def document_pending(
    *,
    actor,
    kind: str,
    model_version=None,
    parameters: dict | None = None,
    language: str | None = None,
) -> GeneratedDocument | None:
    """The same document, asked for by the same person, still queued or rendering: a second
    click (or a reload of the form) goes to it instead of queuing a duplicate. One that has not
    moved for ``PENDING_STALE_AFTER`` (a worker that died mid-render) no longer blocks a new
    request."""
    rows = GeneratedDocument.objects.filter(
        kind=kind,
        model_version=model_version,
        status__in=[GeneratedDocument.Status.QUEUED, GeneratedDocument.Status.RENDERING],
        updated_at__gte=timezone.now() - PENDING_STALE_AFTER,
    )
    if model_version is None:  # reports: per requester and parameters
        rows = rows.filter(requested_by=actor, parameters=parameters or {})
    elif kind == GeneratedDocument.Kind.EVIDENCE_PACK:  # a version's, or one request's
        rows = rows.filter(parameters=parameters or {})
    if language is not None:  # another language is another document
        rows = rows.filter(language=language)
    return rows.order_by("-revision").first()
