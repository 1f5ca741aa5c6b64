"""Planning many obligations at once: one owner and/or one due date for the items ticked on a
model's checklist (issue 20, point 3: a high-risk model has some twenty obligations, and
planning them one inline form at a time took twenty saves).

Each item goes through ``obligation_update``, so the bulk change is exactly the sum of single
changes: the same permission (the owning team's model owners, compliance officers, admins),
the same due-date bounds, one audit event per obligation that changed, and nothing at all
written when any item is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import ModelService
from common.errors import ValidationError
from risk import selectors
from risk.models import Obligation
from risk.services import obligation_update


@transaction.atomic
def obligations_plan(
    *,
    actor,
    model_service: ModelService,
    obligations: Sequence[Obligation],
    owner=None,
    clear_owner: bool = False,
    due_date: date | None = None,
) -> list[Obligation]:
    """Give every obligation in ``obligations`` (current items of ``model_service``) the owner
    ``owner`` (or none, with ``clear_owner``) and/or the due date ``due_date``; return those
    that changed. The owner must be one the checklist offers: a member of the owning team or a
    compliance officer."""
    if not obligations:
        raise ValidationError({"obligations": [_("Tick the obligations to plan.")]})
    if owner is None and not clear_owner and due_date is None:
        raise ValidationError({"__all__": [_("Choose an owner or a due date to set.")]})
    ids = {o.pk for o in obligations}
    current = set(
        Obligation.objects.filter(
            pk__in=ids, model_service=model_service, is_current=True
        ).values_list("pk", flat=True)
    )
    if current != ids:
        raise ValidationError(
            {"obligations": [_("Some of these items are not on this model's current checklist.")]}
        )
    if owner is not None and not (
        selectors.obligation_owner_choices(model_service).filter(pk=owner.pk).exists()
    ):
        raise ValidationError({"owner": [_("Choose an owner from the list.")]})
    changed = []
    for obligation in sorted(obligations, key=lambda o: str(o.pk)):  # one lock order for all
        before = (obligation.owner_id, obligation.due_date)
        row = obligation_update(
            actor=actor,
            obligation=obligation,
            owner=owner,
            clear_owner=clear_owner,
            due_date=due_date,
        )
        if (row.owner_id, row.due_date) != before:
            changed.append(row)
    return changed
