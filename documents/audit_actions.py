"""The audit actions the documents app writes (see audit/actions.py). ``document_generated``
keeps the ``governance.`` prefix it had before the documents app was split out: codes in the
trail never change."""

from django.utils.translation import gettext_lazy as _

from audit.actions import declare

DOCUMENT_REQUESTED = declare("documents.document_requested", _("Document requested"))
DOCUMENT_GENERATED = declare("governance.document_generated", _("Document generated"))
DOCUMENT_RENDER_RETRIED = declare(
    "documents.document_render_retried", _("Document rendering queued again")
)
DOCUMENT_FAILED = declare("documents.document_failed", _("Document rendering given up"))
