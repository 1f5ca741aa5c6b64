"""Domain events governance sends; later apps (monitoring) listen without governance importing
them (the import direction is catalog → governance → monitoring)."""

from django.dispatch import Signal

# Sent by ``manage.py seed_demo`` inside its transaction, after the demo's approvals exist, with
# ``users`` (username → User). Receivers add their own demo data idempotently and return a
# one-line summary for the command's output (or "" when they added nothing).
demo_seeded = Signal()
