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
