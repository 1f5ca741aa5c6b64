"""The audit actions the audit app writes about itself (see audit/actions.py)."""

from django.utils.translation import gettext_lazy as _

from audit.actions import declare

VERIFICATION_REQUESTED = declare(
    "audit.verification_requested", _("Audit trail verification requested")
)
