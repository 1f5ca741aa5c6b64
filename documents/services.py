"""Request, render and store document versions. Requests, renders and the sweep are audited.

``document_request`` records and audits what was asked and queues the render after commit; the
Celery task calls ``document_render``, which composes the data, renders the PDF/A-3b with the
composed data (and the machine-readable card) embedded, signs it as PAdES with the
document-signing identity (timestamped when ``ATTEST_TSA_URL`` is set; documents/pdf_signing.py),
stores it with its hashes and records ``governance.document_generated`` (progress visible to
the page polling the row). When the timestamp authority gives no timestamp, the document fails
with that reason rather than going out unstamped; asking again retries.
A sweeper re-queues requests a lost queue dropped, or gives up on them; both are audited.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import audit_record
from catalog.models import ModelVersion
from catalog.selectors import model_service_can_view
from common.outbox import outbox_enqueue
from documents import pdf_signing, rendering, summaries
from documents.audit_actions import (
    DOCUMENT_FAILED,
    DOCUMENT_GENERATED,
    DOCUMENT_RENDER_RETRIED,
    DOCUMENT_REQUESTED,
)
from documents.models import GeneratedDocument
from documents.registry import builder_for

logger = logging.getLogger(__name__)
Kind, Status = GeneratedDocument.Kind, GeneratedDocument.Status


def _progress(document: GeneratedDocument, percent: int, label: str) -> None:
    # Outside any long transaction, so the polling page sees it at once.
    GeneratedDocument.objects.filter(pk=document.pk).update(
        progress=percent, progress_label=label, updated_at=timezone.now()
    )


def document_language(language=None) -> str:
    """The language a document is written in: ``language`` when given (one of
    ``settings.LANGUAGES``), else the requester's (the active language), else the default."""
    codes = [code for code, _name in settings.LANGUAGES]
    if language in (None, ""):
        active = (translation.get_language() or "").split("-")[0]
        return active if active in codes else settings.LANGUAGE_CODE
    if not isinstance(language, str) or language not in codes:
        raise ValidationError(
            {"language": [_("One of: %(values)s") % {"values": ", ".join(codes)}]}
        )
    return language


@transaction.atomic
def document_request(
    *,
    actor,
    kind: str,
    model_version: ModelVersion | None = None,
    parameters: dict | None = None,
    language: str | None = None,
) -> GeneratedDocument:
    """Ask for a new version of a document, in ``language`` (default: the requester's, see
    ``document_language``). Model documents need the model to be visible; Annex IV
    documentation exists only for high-risk models."""
    if kind not in Kind.values:
        raise ValidationError({"kind": [f"One of {', '.join(Kind.values)}."]})
    language = document_language(language)
    model = None
    if kind in (Kind.MODEL_CARD, Kind.ANNEX_IV, Kind.EVIDENCE_PACK):
        if model_version is None:
            raise ValidationError({"version": ["A model version is required."]})
        model = model_version.model_service
        if not model_service_can_view(actor, model):
            raise PermissionDenied("You may not see this model.")
        if kind == Kind.ANNEX_IV and model.risk_tier != "high":
            raise ValidationError(
                {"kind": ["Annex IV technical documentation is for high-risk systems only."]}
            )
    elif not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Sign in to request reports.")
    same = GeneratedDocument.objects.filter(kind=kind, model_version=model_version)
    if model_version is None:
        same = same.filter(requested_by=actor)
    revision = (same.aggregate(n=Max("revision"))["n"] or 0) + 1
    document = GeneratedDocument.objects.create(
        kind=kind,
        model_service=model,
        model_version=model_version,
        parameters=parameters or {},
        language=language,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        revision=revision,
        progress_label="Waiting for a worker",
    )
    outbox_enqueue("governance.tasks.render_document", str(document.pk))
    audit_record(
        actor=actor,
        action=DOCUMENT_REQUESTED,
        target=document,
        subject_id=document.model_service_id,
        after={
            "kind": kind,
            "revision": revision,
            "parameters": document.parameters,
            "language": language,
        },
    )
    return document


def _html(builder, document, data, *, volatile: bool) -> str:
    context = {
        "doc": document,
        "title": builder.title(document),
        "data": data,
        "template_version": builder.template_version,
        "static_origin": rendering.STATIC_ORIGIN,
        # id, time and hash are left out of the content hash (same inputs → same hash)
        "document_id": str(document.pk) if volatile else "",
        "revision": document.revision if volatile else None,
        "generated_at": document.generated_at if volatile else None,
        "content_hash": document.content_hash if volatile else "",
    }
    return render_to_string(builder.template, context)


def _embedded(builder, data) -> tuple[rendering.EmbeddedFile, ...]:
    # document-data.json is exactly what inputs_hash is over: its SHA-256 is the inputs hash.
    files = (
        rendering.EmbeddedFile(
            "document-data.json",
            rendering.canonical_json(data),
            "The data this document was composed from (canonical JSON; SHA-256 = inputs hash)",
        ),
    )
    return files + (builder.machine_readable(data) if builder.machine_readable else ())


def document_render(*, document_pk) -> GeneratedDocument:
    """Compose, render and store one requested document (idempotent: a finished one is left)."""
    document = GeneratedDocument.objects.select_related(
        "model_service", "model_version", "requested_by"
    ).get(pk=document_pk)
    if document.status == Status.DONE:
        return document
    if document.kind == Kind.EVIDENCE_PACK:  # a signed ZIP, not a PDF
        from documents.evidence_packs import evidence_pack_render

        return evidence_pack_render(document_pk=document.pk)
    GeneratedDocument.objects.filter(pk=document.pk).update(
        status=Status.RENDERING, attempts=document.attempts + 1, error=""
    )
    try:
        builder = builder_for(document.kind)
        _progress(document, 10, "Collecting the data")
        with translation.override(document.language):  # the document's words and formats
            # The language is one of the inputs: the same records in German hash differently.
            data = {**builder.compose(document), "language": document.language}
            inputs_hash = rendering.inputs_hash(data)
            _progress(document, 35, "Laying out the document")
            # Over the HTML without id, time and hash, never over PDF bytes: neither the
            # signing time nor the signature and timestamp change it (same inputs -> same hash).
            document.content_hash = rendering.content_hash(
                _html(builder, document, data, volatile=False)
            )
            generated_at = document.generated_at = timezone.now()
            html = _html(builder, document, data, volatile=True)
        _progress(document, 60, "Rendering the PDF")
        rendered = rendering.render_pdf(
            html,
            find_static=finders.find,
            embedded=_embedded(builder, data),
            created=generated_at,
        )
        _progress(document, 80, "Signing")
        signed = pdf_signing.sign_issued(rendered.pdf, title=builder.title(document))
        _progress(document, 90, "Storing")
    except pdf_signing.TimestampUnavailable as exc:
        # Not a renderer bug: the TSA is an outside service. Recorded and audited, so the
        # trail shows why a requested document was never issued.
        logger.warning("document %s not issued: %s", document.pk, exc)
        error = str(exc)[:2000]
        with transaction.atomic():
            GeneratedDocument.objects.filter(pk=document.pk).update(
                status=Status.FAILED, error=error, progress=100
            )
            audit_record(
                actor=None,
                action=DOCUMENT_FAILED,
                target=document,
                subject_id=document.model_service_id,
                before={"status": Status.RENDERING},
                after={"status": Status.FAILED, "error": error},
            )
        raise
    except Exception as exc:
        logger.exception("rendering document %s failed", document.pk)
        GeneratedDocument.objects.filter(pk=document.pk).update(
            status=Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], progress=100
        )
        raise
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().get(pk=document.pk)
        document.template_version = builder.template_version
        document.inputs_hash = inputs_hash
        with translation.override(document.language):
            document.content_hash = rendering.content_hash(
                _html(builder, document, data, volatile=False)
            )
        document.generated_at = generated_at
        document.file.save(document.download_name, ContentFile(signed.pdf), save=False)
        document.file_sha256 = signed.sha256
        document.signature_level = signed.level
        document.signer_fingerprint = signed.signer_fingerprint
        document.size = len(signed.pdf)
        document.pages = rendered.pages
        document.summary = summaries.summary(document.kind, data)
        document.status, document.progress, document.progress_label = Status.DONE, 100, "Ready"
        document.save()
        audit_record(
            actor=document.requested_by,
            action=DOCUMENT_GENERATED,
            target=document,
            subject_id=document.model_service_id,
            after={
                "kind": document.kind,
                "revision": document.revision,
                "content_hash": document.content_hash,
                "inputs_hash": inputs_hash,
                "file_sha256": signed.sha256,
                "pages": rendered.pages,
                "signature": {"level": signed.level, "signer": signed.signer_fingerprint},
                "template_version": builder.template_version,
                "parameters": document.parameters,
                "language": document.language,
            },
        )
    return document


def documents_sweep(*, older_than_seconds: int = 120) -> list:
    """Requested documents no worker finished (lost queue, killed worker): re-queue each through
    the outbox, or give up on it (failed) after ``ATTEST_DOCUMENT_MAX_ATTEMPTS`` attempts. Each
    outcome is audited with the row's change, one transaction per document; a re-queued row is
    touched, so the next sweep leaves it to the worker for another ``older_than_seconds``.
    Returns the ids re-queued."""
    now = timezone.now()
    unfinished = GeneratedDocument.objects.filter(
        status__in=[Status.QUEUED, Status.RENDERING],
        updated_at__lt=now - timedelta(seconds=older_than_seconds),
    )
    requeued = []
    for pk in list(unfinished.order_by("updated_at").values_list("pk", flat=True)[:100]):
        with transaction.atomic():
            # A worker (or another sweep) holding the row is still at it: leave it.
            document = unfinished.select_for_update(skip_locked=True).filter(pk=pk).first()
            if document is None:
                continue
            seen = {"status": document.status, "attempts": document.attempts}
            if document.attempts >= settings.ATTEST_DOCUMENT_MAX_ATTEMPTS:
                error = "Gave up: the renderer kept failing."
                GeneratedDocument.objects.filter(pk=pk).update(
                    status=Status.FAILED, error=error, progress=100, updated_at=now
                )
                action, before = DOCUMENT_FAILED, {**seen, "error": document.error}
                after = {"status": Status.FAILED, "error": error}
            else:
                GeneratedDocument.objects.filter(pk=pk).update(updated_at=now)
                outbox_enqueue("governance.tasks.render_document", str(pk))
                action, before, after = DOCUMENT_RENDER_RETRIED, None, seen
                requeued.append(pk)
            audit_record(
                actor=None,
                action=action,
                target=document,
                subject_id=document.model_service_id,
                before=before,
                after=after,
            )
    return requeued
