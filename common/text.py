"""How long a free-text field may be, and the one check services run before they write.

Every field people type into has a maximum length, written once on the model field and held in
four places from there (issue 20, point 2: a 10,000-character *Limitations* once made the model
page 90,737 px wide, and nothing refused it):

- the database: ``BoundedTextField`` adds ``CHECK (length(column) <= N)`` to its column (a
  ``CharField`` is a ``varchar(N)`` already);
- the model: its validator, so ``full_clean()`` and the admin refuse it;
- forms and the API: a ``ModelForm`` or ``ModelSerializer`` reads ``max_length`` from the field;
  plain forms and serializers use the constants below, and the browser's ``maxlength`` stops
  typing at the limit;
- services: ``check_lengths`` refuses a too-long value with a ``ValidationError`` naming the
  field, so an API client or a management command gets a 400 with the limit, never a 500 from the
  database's refusal.

The limits are listed in the README ("Text limits"). They are generous: a model card section
may hold a long page of prose; a comment a few paragraphs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import ngettext

# A section of the model card, an incident's description: a long page of prose.
LONG_TEXT = 20_000
# A justification (of a deployment request, of an obligation's status), a reason to move teams.
JUSTIFICATION = 10_000
# A reviewer's or an operator's comment on a decision, an acknowledgement, a resolution.
COMMENT = 5_000


class BoundedTextField(models.TextField):
    """A ``TextField`` whose ``max_length`` is enforced everywhere, not only in forms: Django's
    own ``TextField`` passes ``max_length`` to its form field and nothing else. This one adds
    the model validator and a database ``CHECK`` on the column's length in characters."""

    def __init__(self, *args: Any, max_length: int, **kwargs: Any) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)
        # Not in ``validators=``: deconstruct() would write it into every migration twice.
        self.default_validators = [MaxLengthValidator(max_length)]

    def db_check(self, connection: Any) -> str:
        # length() counts characters in PostgreSQL and SQLite alike (not bytes).
        return f'length("{self.column}") <= {int(self.max_length)}'


def too_long_message(limit: int, length: int) -> str:
    """The one sentence a too-long value gets, wherever it is refused."""
    return ngettext(
        "At most %(limit)s character, please (this has %(length)s).",
        "At most %(limit)s characters, please (this has %(length)s).",
        limit,
    ) % {"limit": f"{limit:,}", "length": f"{length:,}"}


def check_lengths(
    model: type[models.Model], values: Mapping[str, Any], *, names: Mapping[str, str] | None = None
) -> None:
    """Refuse, before anything is written, every text in ``values`` (model field name → value)
    longer than its field's ``max_length``: one ``ValidationError`` naming each field (renamed by
    ``names``, field → the caller's argument, e.g. ``acknowledge_comment`` → ``comment``).
    Names that are no field of ``model``, and values that are no text, are left to the caller."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        try:
            limit = model._meta.get_field(name).max_length
        except FieldDoesNotExist:
            continue
        if limit and len(value) > limit:
            errors[(names or {}).get(name, name)] = [too_long_message(limit, len(value))]
    if errors:
        raise ValidationError(errors)
