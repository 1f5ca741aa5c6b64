"""Which builder composes which kind of document.

A builder turns a document row into the data its print template shows. ``compose`` returns
JSON-serialisable data only (it is hashed into ``inputs_hash``); ``sections`` lists the
(anchor, title) pairs of the table of contents. ``machine_readable``, when set, turns the
composed data into the files the PDF carries besides the composed data itself (the model
card's Model Card Toolkit JSON). Builders register themselves at import in ``documents/kinds/``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Builder:
    kind: str
    template: str
    template_version: str
    compose: Callable  # (document: GeneratedDocument) -> dict
    title: Callable  # (document: GeneratedDocument) -> str
    machine_readable: Callable | None = None  # (data: dict) -> tuple[EmbeddedFile, ...]


BUILDERS: dict[str, Builder] = {}


def register(builder: Builder) -> Builder:
    BUILDERS[builder.kind] = builder
    return builder


def builder_for(kind: str) -> Builder:
    from documents import kinds  # noqa: F401  (registers the builders)

    try:
        return BUILDERS[kind]
    except KeyError as exc:
        raise LookupError(f"No builder for documents of kind {kind!r}") from exc
