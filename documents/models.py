"""Generated documents: model cards, Annex IV technical documentation, portfolio reports."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from common.models import BaseModel

# The progress labels documents.services stores (in English) as a document renders; the page
# shows them in the reader's language ({% translate document.progress_label %}).
PROGRESS_LABELS = (
    gettext_noop("Waiting for a worker"),
    gettext_noop("Collecting the data"),
    gettext_noop("Laying out the document"),
    gettext_noop("Rendering the PDF"),
    gettext_noop("Storing"),
    gettext_noop("Ready"),
)


class GeneratedDocument(BaseModel):
    """One generated version of a model card, Annex IV technical documentation or portfolio
    report, rendered to PDF by a Celery task and kept forever.

    ``content_hash`` is a SHA-256 over the document's content without its generation time and
    id, so regenerating from identical inputs gives the same hash; ``inputs_hash`` covers the
    data it was composed from and ``template_version`` the layout. ``file_sha256`` is the hash
    of the stored PDF bytes: PAdES-signed, so they carry the time, the signature and any
    timestamp, and differ every time (documents/pdf_signing.py).
    """

    class Kind(models.TextChoices):
        MODEL_CARD = "model_card", _("Model card")
        ANNEX_IV = "annex_iv", _("Technical documentation (Annex IV)")
        PORTFOLIO = "portfolio", _("Portfolio compliance report")
        EVIDENCE_PACK = "evidence_pack", _("Evidence pack")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_label = models.CharField(max_length=120, blank=True)
    model_service = models.ForeignKey(
        "catalog.ModelService",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    model_version = models.ForeignKey(
        "catalog.ModelVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    parameters = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # The language the document is written in (one of settings.LANGUAGES): part of its inputs,
    # so the same records in another language are another document with another hash.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revision = models.PositiveIntegerField(default=1)
    template_version = models.CharField(max_length=40, blank=True)
    inputs_hash = models.CharField(max_length=64, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    file = models.FileField(upload_to="documents/%Y/%m/", blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    # How the file is signed: a PDF's PAdES level ("PAdES-B-T" once a timestamp authority
    # countersigned it, else "PAdES-B-B"), or "manifest" for an evidence pack's signed manifest;
    # and the SHA-256 fingerprint of the signing certificate, to match against the published one.
    signature_level = models.CharField(max_length=20, blank=True)
    signer_fingerprint = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    generated_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # What the page shows of the content (documents/summaries.py): Annex IV completeness, the
    # portfolio report's scope; written with the rendered file, from the same composed data.
    summary = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    # The table and the audit target type keep their names from before the split into apps
    # (rows in the hash-chained audit trail name it).
    AUDIT_TARGET_TYPE = "governance.generateddocument"

    class Meta:
        verbose_name = _("generated document")
        db_table = "governance_generateddocument"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["kind", "model_version", "-created_at"]),
            models.Index(fields=["status", "updated_at"]),
        ]

    def __str__(self) -> str:
        subject = (
            f"{self.model_service} v{self.model_version.version}"
            if self.model_version_id
            else "portfolio"
        )
        return f"{self.get_kind_display()} r{self.revision} — {subject}"

    @property
    def download_name(self) -> str:
        base = {
            self.Kind.MODEL_CARD: "model-card",
            self.Kind.ANNEX_IV: "annex-iv",
            self.Kind.PORTFOLIO: "portfolio-report",
            self.Kind.EVIDENCE_PACK: "evidence-pack",
        }[self.kind]
        extension = "zip" if self.kind == self.Kind.EVIDENCE_PACK else "pdf"
        if self.model_version_id:
            from django.utils.text import slugify  # user text never becomes a path

            subject = slugify(f"{self.model_service.name}-v{self.model_version.version}")[:120]
            return f"{base}-{subject}-r{self.revision}.{extension}"
        return f"{base}-r{self.revision}.{extension}"

    @property
    def media_type(self) -> str:
        """The stored file's type: evidence packs are ZIP archives, everything else PDF."""
        return "application/zip" if self.kind == self.Kind.EVIDENCE_PACK else "application/pdf"
