"""Domain events the catalog announces to the apps downstream of it.

The catalog must not import governance (import direction: catalog → governance), yet an edit
of a model card, a new artefact behind a version or a moved registry alias matters to
approvals. Catalog services send these signals inside their transaction; governance listens
(``governance/receivers.py``) and does its own audited work in the same transaction.
"""

from django.dispatch import Signal

# kwargs: model_service (ModelService), cause (str, human-readable: "model card edited")
model_changed = Signal()
# kwargs: model_service (ModelService); the registry's aliases moved
aliases_changed = Signal()
# kwargs: model_service, changes (field -> new value, not saved yet). Read-only: receivers
# return a list of {"label", "url"} describing what the change would make stale.
model_change_preview = Signal()


def consequences_of(model_service, changes: dict) -> list[dict]:
    """Everything downstream apps say ``changes`` would call into question (approvals...)."""
    replies = model_change_preview.send(
        sender=type(model_service), model_service=model_service, changes=changes
    )
    return [item for _receiver, items in replies for item in (items or [])]
