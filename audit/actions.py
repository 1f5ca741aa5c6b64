"""The one list of audit actions: every code the trail can hold, with its label for people.

Each app declares the actions it writes in its own ``<app>/audit_actions.py``::

    TEAM_CREATED = declare("accounts.team_created", _("Team created"))

and its services pass the constant to ``audit_record``. ``declare`` returns the plain code
string, so the stored row, its hash and every filter stay exactly as before. Codes already in
the trail never change, even when another app takes over writing them (the approvals app still
writes ``governance.request_approved``): ``app`` records who writes it now.

``AuditConfig.ready`` imports every app's ``audit_actions`` module, so ``all_actions()`` and
``label_for()`` are complete once Django has started.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from django.utils.functional import Promise

# ``<app>.<past_tense_verb>``: lower case, one dot.
CODE_PATTERN = re.compile(r"^[a-z]+\.[a-z][a-z_]*$")


@dataclass(frozen=True)
class AuditAction:
    """One kind of audit event: the code stored in the trail, what people read, who writes it."""

    code: str
    label: str | Promise
    app: str


class DuplicateAuditActionError(ValueError):
    """Two declarations of the same code: the trail could not say which one a row means."""


_ACTIONS: dict[str, AuditAction] = {}


def declare(code: str, label: str | Promise, *, app: str = "") -> str:
    """Declare one action and return its code, the constant services pass to ``audit_record``.

    ``app`` defaults to the package of the declaring module (``approvals.audit_actions`` →
    ``approvals``). Declaring a code twice raises, unless it is the same declaration again
    (a module imported twice).
    """
    if not CODE_PATTERN.match(code):
        raise ValueError(f"audit action {code!r} is not <app>.<past_tense_verb>")
    if not str(label).strip():
        raise ValueError(f"audit action {code!r} needs a label")
    app = app or sys._getframe(1).f_globals.get("__name__", "").split(".")[0]
    action = AuditAction(code=code, label=label, app=app)
    known = _ACTIONS.get(code)
    if known is not None and (known.app, str(known.label)) != (app, str(label)):
        raise DuplicateAuditActionError(
            f"audit action {code!r} is declared by {known.app} and again by {app}"
        )
    _ACTIONS[code] = action
    return code


register = declare

# Object types the trail names that are no model (a batch of metric points): their words.
_TARGET_TYPES: dict[str, str | Promise] = {}


def declare_target_type(target_type: str, label: str | Promise) -> str:
    """Give an object type that is no model its words, and return the type (the constant a
    service passes to ``audit_record`` as ``target_type``)."""
    _TARGET_TYPES[target_type] = label
    return target_type


# Keys of an event's before/after that are no field of the object's model (a reason, the
# deciding provision): their words, declared by the app that writes them.
_FIELD_LABELS: dict[str, str | Promise] = {}


def declare_field_label(key: str, label: str | Promise) -> str:
    """Give a recorded key that is no model field its words (``decided_by`` → "Decided by"),
    translatable like every label; returns the key."""
    _FIELD_LABELS[key] = label
    return key


def get(code: str) -> AuditAction | None:
    """The declaration of ``code``, or None for a code nobody declares (old or test rows)."""
    return _ACTIONS.get(code)


def label_for(code: str) -> str:
    """What a person reads for ``code``; an unknown code (an old row) shows as itself."""
    action = _ACTIONS.get(code)
    return str(action.label) if action else code


def all_actions() -> list[AuditAction]:
    """Every declared action, by code."""
    return [_ACTIONS[code] for code in sorted(_ACTIONS)]


def target_type_label(target_type: str) -> str:
    """What a person reads for an event's object type (``catalog.modelservice`` → "Model
    service"): the model's verbose name, found through the app registry (the audit app imports
    no other app); models moved between apps answer for the type their events carry
    (``AUDIT_TARGET_TYPE``). An unknown type shows as itself."""
    if target_type in _TARGET_TYPES:
        return str(_TARGET_TYPES[target_type])
    return _target_type_labels().get(target_type, target_type)


def _target_type_labels() -> dict[str, str]:
    labels = {}
    for target_type, model in _target_models().items():
        name = str(model._meta.verbose_name)
        labels[target_type] = name[:1].upper() + name[1:]
    return labels


def _target_models() -> dict[str, type]:
    """Each target type the trail may hold → its model class, through the app registry."""
    from django.apps import apps

    models = {}
    for model in apps.get_models():
        models[f"{model._meta.app_label}.{model._meta.model_name}"] = model
        if getattr(model, "AUDIT_TARGET_TYPE", ""):
            models[model.AUDIT_TARGET_TYPE] = model
    return models


def _field(target_type: str, name: str):
    model = _target_models().get(target_type)
    if model is None:
        return None
    from django.core.exceptions import FieldDoesNotExist

    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a key that names no field (a reason, a comment)
        return None


def field_label(target_type: str, name: str) -> str:
    """What a person reads for a changed field of an event (``due_date`` of an obligation →
    "Due date"): the field's verbose name; a key that is no field of the object's model reads
    as words too (``certified_by`` → "Certified by")."""
    field = _field(target_type, name)
    words = str(field.verbose_name) if field is not None and hasattr(field, "verbose_name") else ""
    if not words and name in _FIELD_LABELS:
        words = str(_FIELD_LABELS[name])
    words = words or str(name).replace("_", " ")
    return words[:1].upper() + words[1:]


def value_label(target_type: str, name: str, value):
    """A recorded value as a person reads it: a choice's label (``in_progress`` → "In
    progress", ``high`` → "High"); any other value as it is."""
    field = _field(target_type, name)
    if field is None or not getattr(field, "choices", None) or not isinstance(value, str):
        return value
    return dict(field.flatchoices).get(value, value)
