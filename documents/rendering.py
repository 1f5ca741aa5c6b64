"""HTML → PDF with WeasyPrint, safely. Pure: no ORM.

The URL fetcher is locked (reference/reliability-tests.md B2): it serves the portal's own static
files and ``data:`` URIs and refuses everything else — no ``file://``, no network, no cloud
metadata endpoint — so a hostile link or image URL in a model's metadata cannot make the
renderer read a local file or call out. Refused URLs are recorded for the caller to log.
"""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path

from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# Print templates link static files under this origin; nothing else is fetchable.
STATIC_ORIGIN = "https://attest.invalid/static/"
MAX_HTML_BYTES = 8 * 1024 * 1024
MAX_ASSET_BYTES = 2 * 1024 * 1024


class RefusedFetch(ValueError):
    """A URL the renderer may not fetch."""


class LockedFetcher(URLFetcher):
    """Serves ``STATIC_ORIGIN`` from ``find_static`` and ``data:`` URIs; refuses the rest."""

    def __init__(self, find_static):
        super().__init__(timeout=1, allowed_protocols=["data", "https"], allow_redirects=False)
        self._find_static = find_static
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)  # decoded in memory, no I/O
        if url.startswith(STATIC_ORIGIN) and ".." not in url:
            relative = url[len(STATIC_ORIGIN) :].split("?", 1)[0].split("#", 1)[0]
            path = self._find_static(relative)
            if path and Path(path).is_file() and Path(path).stat().st_size <= MAX_ASSET_BYTES:
                self.served.append(relative)
                mime, _ = mimetypes.guess_type(str(path))
                return URLFetcherResponse(
                    url,
                    body=Path(path).read_bytes(),
                    headers={"Content-Type": mime or "application/octet-stream"},
                )
        self.refused.append(url[:300])
        raise RefusedFetch(f"fetching {url[:100]!r} is not allowed")


# ISO 19005-3 (PDF/A-3) allows embedded files of any type, each tied to the document by an
# /AFRelationship; WeasyPrint writes the variant's XMP metadata, sRGB output intent and the /AF
# array (weasyprint/pdf/pdfa.py). It does not check the content against the standard.
PDF_VARIANT = "pdf/a-3b"


@dataclass(frozen=True)
class EmbeddedFile:
    """A file carried inside the PDF. ``relationship`` is ISO 32000-2 7.11.3's /AFRelationship:
    "Data" is information used to derive the visual presentation, such as a table's rows."""

    name: str
    content: bytes
    description: str
    relationship: str = "Data"


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    sha256: str
    refused: list[str] = field(default_factory=list)


def render_pdf(
    html: str, *, find_static, embedded: tuple[EmbeddedFile, ...] = (), created=None
) -> Rendered:
    """Render ``html`` to PDF/A-3b carrying the ``embedded`` files (dated ``created``). Static
    assets come only through ``find_static(relative_path)``."""
    if len(html.encode()) > MAX_HTML_BYTES:
        raise ValueError("The document is too large to render.")
    fetcher = LockedFetcher(find_static)
    document = HTML(string=html, base_url=STATIC_ORIGIN, url_fetcher=fetcher).render()
    attachments = [
        Attachment(
            file_obj=io.BytesIO(item.content),
            name=item.name,
            description=item.description,
            relationship=item.relationship,
            created=created,
            modified=created,
            url_fetcher=fetcher,
        )
        for item in embedded
    ]
    buffer = io.BytesIO()
    document.write_pdf(buffer, pdf_variant=PDF_VARIANT, attachments=attachments)
    pdf = buffer.getvalue()
    if fetcher.refused:
        logger.warning(
            "PDF renderer refused %d URL(s): %s", len(fetcher.refused), fetcher.refused[:5]
        )
    return Rendered(
        pdf=pdf,
        pages=len(document.pages),
        sha256=hashlib.sha256(pdf).hexdigest(),
        refused=fetcher.refused,
    )


def content_hash(html_without_volatile_fields: str) -> str:
    """The document's content hash: over the HTML rendered without id, time and hash, so the
    same inputs and template give the same hash on every regeneration."""
    return hashlib.sha256(html_without_volatile_fields.encode()).hexdigest()


def canonical_json(data: dict) -> bytes:
    """A document's composed data as canonical JSON (sorted keys, UTF-8): the bytes
    ``inputs_hash`` is taken over, embedded in the PDF so a recipient can recompute it."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False).encode()


def inputs_hash(data: dict) -> str:
    """SHA-256 of a document's composed data (canonical JSON), stored as ``inputs_hash`` so a
    stored PDF can be matched to the current records."""
    return hashlib.sha256(canonical_json(data)).hexdigest()
