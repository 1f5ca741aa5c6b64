"""The one helper that turns a service's typed errors into what a page shows.

    with form_errors(form) as call:
        row = services.threshold_create(actor=request.user, **form.service_kwargs())
    if call.ok:
        return redirect(...)
    return render(..., status=call.status)  # the form now shows why

``form_errors`` puts a ``ValidationError``'s messages next to the fields they name (a name the
form does not have, or none: above the form) and a ``Conflict`` above the form. Pages without a
form to show use ``message_errors``: the same errors as one flash message. Anything else —
``PermissionDenied``, ``Http404`` / ``NotFound`` — propagates to Django's 403 and 404 pages.
The service has rolled back by then: nothing half-written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib import messages

from common.errors import Conflict, NotFound, RequestRefused, ValidationError


@dataclass
class Outcome:
    """How the service call inside ``form_errors`` / ``message_errors`` went."""

    error: ValidationError | RequestRefused | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def conflict(self) -> bool:
        return isinstance(self.error, Conflict)

    @property
    def status(self) -> int:
        """The page's status: 200, 400 for bad input, 409 for a conflict, a refusal's own."""
        if self.error is None:
            return 200
        if isinstance(self.error, RequestRefused):
            return self.error.status_code
        return 400

    @property
    def message(self) -> str:
        """The error as one sentence (empty when there was none)."""
        if isinstance(self.error, ValidationError):
            return " ".join(self.error.messages)
        return str(self.error.detail) if self.error is not None else ""


def add_to_form(form, exc: ValidationError, aliases: Mapping[str, str] | None = None) -> None:
    """Put ``exc``'s messages on ``form``: on the field each names (renamed by ``aliases``, the
    service's name → the form's), else as non-field errors. A field already showing the form's
    own error keeps just that one (the service checked the same input again)."""
    named = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, field_messages in named.items():
        field = (aliases or {}).get(name, name)
        if field not in form.fields:
            form.add_error(None, field_messages)
        elif not form.has_error(field):
            form.add_error(field, field_messages)


@contextmanager
def form_errors(
    form, *, aliases: Mapping[str, str] | None = None, refusals: bool = False
) -> Iterator[Outcome]:
    """Run the block (a service call); its ``ValidationError`` / ``Conflict`` ends up on
    ``form`` and in the yielded ``Outcome`` instead of propagating. With ``refusals``, any other
    ``RequestRefused`` too (its sentence and per-item errors above the form, its status on the
    page: a refused upload's 400 or 413); ``NotFound`` still propagates."""
    outcome = Outcome()
    try:
        yield outcome
    except ValidationError as exc:
        outcome.error = exc
        add_to_form(form, exc, aliases)
    except Conflict as exc:
        outcome.error = exc
        form.add_error(None, exc.detail)
    except RequestRefused as exc:
        if not refusals or isinstance(exc, NotFound):
            raise
        outcome.error = exc
        form.add_error(None, exc.detail)
        for where, problems in (exc.errors or {}).items():
            for problem in problems:
                form.add_error(None, f"{where}: {problem}")


@contextmanager
def message_errors(request, *, prefix: str = "") -> Iterator[Outcome]:
    """Like ``form_errors`` for a page without a form: the error becomes one flash message,
    ``prefix`` + the validation messages (a conflict's sentence stands alone)."""
    outcome = Outcome()
    try:
        yield outcome
    except (ValidationError, Conflict) as exc:
        outcome.error = exc
        text = outcome.message
        messages.error(request, prefix + text if isinstance(exc, ValidationError) else text)
