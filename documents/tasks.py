"""Celery adapters for generated documents: render one, and re-queue what was left unfinished."""

from __future__ import annotations

from celery import shared_task

from common.request_context import request_context


@shared_task(
    name="governance.tasks.render_document", bind=True, acks_late=True, reject_on_worker_lost=True
)
def render_document(self, document_pk: str) -> str:
    """Render one requested document (WeasyPrint); failures are recorded on the row."""
    from documents import services as documents

    with request_context(source="task", request_id=f"document-{document_pk}"[:64]):
        try:
            documents.document_render(document_pk=document_pk)
        except Exception as exc:  # recorded on the row; the page shows it
            return f"failed: {exc}"
    return "done"


@shared_task(name="governance.tasks.sweep_documents")
def sweep_documents() -> int:
    """Re-queue (through the outbox) or give up on documents no worker finished; audited."""
    from documents import services as documents

    with request_context(source="task", request_id="sweep-documents"):
        return len(documents.documents_sweep())
