"""Naming the trail's subjects (catalog entries) for the audit log's model picker, without the
audit app importing the catalog (it imports no app: the log must stay readable whatever the
domain code does).

The catalog registers one lookup at start-up (``catalog.apps``). It answers, for a user, the
models that user may see: the picker never names a model its reader could not open.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

# lookup(user, *, name=None, pk=None, limit=None) -> [(id, name), ...], by name
SubjectLookup = Callable[..., list[tuple[UUID, str]]]
_lookups: list[SubjectLookup] = []

# The picker's suggestions stop here; any other name still filters when typed in full.
PICKER_LIMIT = 500


def subject_lookup_register(lookup: SubjectLookup) -> None:
    """Install the catalog's lookup (once; a second registration replaces the first)."""
    _lookups[:] = [lookup]


def subject_names(user, *, limit: int = PICKER_LIMIT) -> list[str]:
    """The names of the models ``user`` may see, for the picker's suggestions."""
    return [name for _pk, name in (_lookups[0](user, limit=limit) if _lookups else [])]


def subject_named(user, name: str) -> UUID | None:
    """The id of the model called ``name`` (case-insensitively) that ``user`` may see."""
    found = _lookups[0](user, name=name) if _lookups else []
    return found[0][0] if found else None


def subject_name(user, pk: UUID) -> str | None:
    """The name of the model ``pk``, if ``user`` may see it."""
    found = _lookups[0](user, pk=pk) if _lookups else []
    return found[0][1] if found else None
