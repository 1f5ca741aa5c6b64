"""Domain events the risk app announces to the apps above it (approvals listens).

Risk must not import approvals (import direction: risk ← approvals), yet a new assessment
revision or new evidence is part of what an approval binds. Risk services send these signals
inside their transaction; approvals listens (``approvals/receivers.py``) and stales the approvals
it must, audited, in the same transaction.
"""

from django.dispatch import Signal

# kwargs: model_service (ModelService), cause (str, human-readable: "evidence added")
assessment_changed = Signal()
