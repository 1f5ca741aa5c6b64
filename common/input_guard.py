"""One input guard: text and numbers no part of Attest can store or compute with are refused at
the door with a 400 naming where they were, instead of failing deep inside as a 500.

- NUL (U+0000) and lone surrogates (U+D800–U+DFFF) in any query parameter, form field, file
  name, header value, path or JSON string: PostgreSQL's text and jsonb columns cannot hold NUL
  and a lone surrogate cannot be encoded as UTF-8, so either would end as a ``DataError`` or
  ``UnicodeEncodeError`` (red-team finding 5). Undecodable percent-escapes in a query string or
  form arrive as U+FFFD (Django decodes with ``errors="replace"``), which is harmless text.
- JSON: at most ``max_depth`` levels of nesting (50,000 ``[`` were a ``RecursionError``), no
  ``NaN`` / ``Infinity``, no float beyond ``max_magnitude`` (``1e400`` reads as infinity), no
  integer longer than ``max_int_digits`` digits (Python refuses to convert over 4,300 digits
  with a ``ValueError`` the callers did not expect, and the database's bigint ends at 19).
- Integers and dates in query parameters: ASCII digits and ISO 8601 only (``str.isdigit()``
  accepts ``²``, which ``int()`` then refuses).

No ORM and no settings: callers pass the limits (``common.api.parsers`` reads them from
``ATTEST_JSON_*`` at call time). ``InputGuardMiddleware`` at the end applies the text check to
every request; JSON bodies are checked where they are parsed (``json_loads``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from common.errors import RequestRefused, ValidationError

MAX_DEPTH = 64
MAX_INT_DIGITS = 20
MAX_MAGNITUDE = 1e300

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
_ASCII_INT = re.compile(r"[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class InputRefused(RequestRefused):
    """Input refused before anything looked at its meaning: 400 (or 413 for size), with
    ``errors`` naming where (a parameter, a header, a JSON path)."""


def text_problem(value: str) -> str | None:
    """What is wrong with ``value`` as text Attest can store, or ``None`` when nothing is."""
    found = _BAD_TEXT.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return _("contains a NUL character (U+0000); remove it.")
    return _("contains a lone surrogate (U+%(code)04X), which is not valid Unicode text.") % {
        "code": ord(found.group())
    }


def check_texts(pairs: Iterable[tuple[str, Any]], *, what: str) -> None:
    """Refuse the first ``(name, value)`` whose name or string value is bad text.

    ``what`` says where they come from ("query parameter", "header", "form field")."""
    for name, value in pairs:
        problem = text_problem(name)
        if problem is None and isinstance(value, str):
            problem = text_problem(value)
        if problem is not None:
            shown = name if text_problem(name) is None else repr(name)
            raise InputRefused(
                _("The %(what)s %(name)s %(problem)s")
                % {"what": what, "name": shown, "problem": problem},
                {shown: [problem]},
            )


# --- JSON -----------------------------------------------------------------------------------
def _json_path(parts: tuple) -> str:
    """``answers.items[3].name``: where in the body a value sits (``body`` for the top)."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "body"


class _Refused:
    """What the number hooks hand back instead of a number the guard refuses, so that the
    walk over the parsed body can say where it was."""

    def __init__(self, detail: str, message: str):
        self.detail, self.message = detail, message


def _number_hooks(max_int_digits: int, max_magnitude: float | None):
    def parse_constant(name: str):
        return _Refused(
            _("%(name)s is not a JSON number: send finite numbers (NaN and Infinity are refused).")
            % {"name": name},
            _("%(name)s is not a JSON number.") % {"name": name},
        )

    def parse_int(text: str):
        digits = len(text) - (text[0] == "-")
        if digits > max_int_digits:  # before int(): over 4,300 digits it raises ValueError
            return _Refused(
                _(
                    "The JSON body contains an integer with %(digits)d digits; at most %(max)d "
                    "are accepted (send larger identifiers as strings)."
                )
                % {"digits": digits, "max": max_int_digits},
                _("Integer too large."),
            )
        return int(text)

    def parse_float(text: str):
        value = float(text)
        if max_magnitude is not None and not abs(value) <= max_magnitude:  # 1e400 is inf
            return _Refused(
                _("The JSON body contains the number %(number)s; at most %(max)g is accepted.")
                % {"number": text[:40] + ("…" if len(text) > 40 else ""), "max": max_magnitude},
                _("Number too large."),
            )
        return value

    return parse_constant, parse_int, parse_float


def _refuse(detail: str, where: str, message: str):
    raise InputRefused(detail, {where: [message]})


def _check_tree(value: Any, max_depth: int) -> None:
    """Every string (keys too) is storable text, every number one the hooks took, and nothing
    nests deeper than ``max_depth``. Iterative: the depth being checked must not itself be a
    recursion."""
    stack: list[tuple[Any, int, tuple]] = [(value, 0, ())]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, str):
            problem = text_problem(node)
            if problem is not None:
                where = _json_path(path)
                _refuse(
                    _("The JSON string at %(where)s %(problem)s")
                    % {"where": where, "problem": problem},
                    where,
                    problem,
                )
        elif isinstance(node, _Refused):
            where = _json_path(path)
            detail = f"{node.detail.rstrip('.')} (at {where})." if path else node.detail
            _refuse(detail, where, node.message)
        elif isinstance(node, dict | list):
            if depth >= max_depth:
                _refuse(
                    _("The JSON body nests deeper than %(max)d levels; flatten it.")
                    % {"max": max_depth},
                    "body",
                    _("Nested too deeply."),
                )
            if isinstance(node, dict):
                for key, item in node.items():
                    problem = text_problem(key)
                    if problem is not None:
                        where = _json_path(path)
                        _refuse(
                            _("A JSON key in %(where)s %(problem)s")
                            % {"where": where, "problem": problem},
                            where,
                            problem,
                        )
                    stack.append((item, depth + 1, (*path, key)))
            else:
                stack.extend((item, depth + 1, (*path, i)) for i, item in enumerate(node))


def json_loads(
    raw: bytes | str,
    *,
    max_depth: int = MAX_DEPTH,
    max_int_digits: int = MAX_INT_DIGITS,
    max_magnitude: float | None = MAX_MAGNITUDE,
) -> Any:
    """Parse a JSON body strictly, or raise ``InputRefused`` (400) saying what is wrong and,
    for a value, where (``errors`` keyed by its path, e.g. ``items[0].value``).

    UTF-8 only; no NaN/Infinity; bounded depth and number size; every string storable.
    ``max_magnitude=None`` leaves floats to the caller (a 1e400 literal then arrives as
    ``inf``)."""
    if isinstance(raw, bytes | bytearray):
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputRefused(
                _("The body is not UTF-8 encoded JSON (byte %(at)d).") % {"at": exc.start},
                {"body": [_("Not UTF-8.")]},
            ) from None
    else:
        text = raw
    if "\x00" in text:  # outside a string it is invalid JSON, inside one unstorable
        raise InputRefused(
            _("The body contains a NUL byte; JSON text cannot carry one."),
            {"body": [_("NUL byte.")]},
        )
    parse_constant, parse_int, parse_float = _number_hooks(max_int_digits, max_magnitude)
    try:
        value = json.loads(
            text, parse_constant=parse_constant, parse_int=parse_int, parse_float=parse_float
        )
    except RecursionError:
        # Deeper than the interpreter allows: certainly deeper than max_depth.
        raise InputRefused(
            _("The JSON body nests deeper than %(max)d levels; flatten it.") % {"max": max_depth},
            {"body": [_("Nested too deeply.")]},
        ) from None
    except json.JSONDecodeError as exc:
        raise InputRefused(
            _("The body is not valid JSON: %(reason)s.") % {"reason": exc},
            {"body": [str(exc)]},
        ) from None
    _check_tree(value, max_depth)
    return value


# --- Query parameters -----------------------------------------------------------------------
def query_int(
    params: Mapping[str, str], name: str, *, minimum: int = 0, maximum: int = 2**63 - 1
) -> int | None:
    """``?name=`` as a whole number of ASCII digits within bounds; ``None`` when absent.
    Anything else (empty too): ``ValidationError`` naming the parameter (400 in the API and
    pages)."""
    value = params.get(name)
    if value is None:
        return None
    if not _ASCII_INT.fullmatch(value) or len(value) > len(str(maximum)):
        raise ValidationError(
            {name: [_("?%(name)s= must be a whole number (digits 0-9).") % {"name": name}]}
        )
    number = int(value)
    if not minimum <= number <= maximum:
        raise ValidationError(
            {
                name: [
                    _("?%(name)s= must be between %(min)d and %(max)d.")
                    % {"name": name, "min": minimum, "max": maximum}
                ]
            }
        )
    return number


def iso_date(value: str) -> date | None:
    """``YYYY-MM-DD`` in ASCII digits as a date, else ``None`` (Python's ``fromisoformat`` also
    reads ``2026-W01-1`` and ``20260101``)."""
    if not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# --- The middleware -------------------------------------------------------------------------
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_JSON_ANSWERS = ("/api/", "/webhooks/")


def request_check(request) -> None:
    """Refuse the request (``InputRefused``) when its path, a query parameter, a header value
    or, for a form POST, a field or file name is bad text."""
    check_texts([("path", request.path_info)], what=_("address"))
    check_texts(_flat(request.GET), what=_("query parameter"))
    check_texts(
        (
            (key[5:].replace("_", "-").title() if key.startswith("HTTP_") else key, value)
            for key, value in request.META.items()
            if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH")
        ),
        what=_("header"),
    )
    if request.method == "POST" and request.content_type in _FORM_TYPES:
        from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
        from django.http.multipartparser import MultiPartParserError

        try:
            fields, files = request.POST, request.FILES
        except RequestDataTooBig:
            raise InputRefused(
                _("The form is larger than this server accepts."),
                {"body": [_("Too large.")]},
                status_code=413,
            ) from None
        except (TooManyFieldsSent, MultiPartParserError) as exc:
            raise InputRefused(
                _("The form body is malformed: %(reason)s") % {"reason": exc},
                {"body": [str(exc)]},
            ) from None
        check_texts(_flat(fields), what=_("form field"))
        check_texts(
            ((name, upload.name or "") for name, upload in _flat(files)), what=_("file name of")
        )


def _flat(multi) -> list[tuple[str, Any]]:
    return [(key, value) for key, values in multi.lists() for value in values]


class InputGuardMiddleware:
    """Answer bad text anywhere in the request with a 400 before any view sees it: the API's
    JSON shape under ``/api/`` (and ``/webhooks/``), the "refused" page elsewhere.

    Early in ``MIDDLEWARE`` (after ``RequestContextMiddleware``, so the answer still carries
    its ``X-Request-ID``); JSON bodies are checked by ``common.api.parsers`` and the webhook's
    own parser, which see them parsed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request_check(request)
        except InputRefused as refused:
            return refused_response(request, refused)
        return self.get_response(request)


def refused_response(request, refused: RequestRefused):
    from django.http import JsonResponse
    from django.shortcuts import render

    if request.path_info.startswith(_JSON_ANSWERS):
        return JsonResponse(refused.as_json(), status=refused.status_code)
    return render(
        request,
        "refused.html",
        {"status": refused.status_code, "detail": refused.detail},
        status=refused.status_code,
    )
