"""What an edit would do to approvals, before it is saved (read-only).

The catalog asks through ``catalog.events.model_change_preview`` (it may not import approvals):
before saving a model-card edit, its form lists the approvals in force that the edit would make
stale, so nobody learns of a 409 from CI only after saving (issue 20, point 1).
"""

from __future__ import annotations

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from approvals import fingerprint
from approvals.models import DeploymentRequest
from approvals.selectors import model_card
from catalog import events


def approvals_staled_by(model_service, changes: dict) -> list[dict]:
    """The approvals in force of ``model_service`` whose fingerprint ``changes`` (field →
    new value) would change: each ``{"label", "url", "environment", "version"}``."""
    before = model_card(model_service)
    after = {**before, **{k: v for k, v in changes.items() if k in fingerprint.MODEL_CARD_FIELDS}}
    if fingerprint.model_card_hash(before) == fingerprint.model_card_hash(
        {k: "" if v is None else str(v) for k, v in after.items()}
    ):
        return []
    approved = (
        DeploymentRequest.objects.filter(
            model_service=model_service, state=DeploymentRequest.State.APPROVED
        )
        .select_related("model_version")
        .order_by("environment", "-created_at")
    )
    return [
        {
            "label": _("v%(version)s → %(environment)s")
            % {"version": r.model_version.version, "environment": r.environment},
            "version": r.model_version.version,
            "environment": r.environment,
            "url": reverse("approvals:request-detail", args=[r.pk]),
        }
        for r in approved
    ]


@receiver(events.model_change_preview, dispatch_uid="approvals-preview-stale")
def preview_stale_approvals(sender, *, model_service, changes, **kwargs):
    return approvals_staled_by(model_service, changes)
