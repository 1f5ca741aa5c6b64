"""The HTTP answer for a PDF rendered and signed on request (the Statement of Applicability, the
usage and cost report). Adapter.

Signed like every document Attest issues (documents/pdf_signing.py): PAdES, timestamped when
``ATTEST_TSA_URL`` is set. When the timestamp authority (or the signing configuration) fails,
the answer is a 503 saying so, never an unsigned or unstamped file.
"""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.utils.translation import gettext

from documents import pdf_signing
from documents.signing_keys import SigningConfigurationError

logger = logging.getLogger(__name__)


def signed_pdf_response(request, pdf: bytes, *, title: str, filename: str) -> HttpResponse:
    """``pdf`` signed, as a download (inline with ``?inline=1``), or a 503 saying why not."""
    try:
        signed = pdf_signing.sign_issued(pdf, title=title)
    except (pdf_signing.TimestampUnavailable, SigningConfigurationError) as exc:
        logger.warning("%s not signed: %s", title, exc)
        return HttpResponse(
            gettext(
                "The document could not be signed and timestamped right now, so it was not "
                "issued. Try again in a few minutes; if it keeps failing, tell an "
                "administrator (the document-signing key or the timestamp authority)."
            ),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(signed.pdf, content_type="application/pdf")
    disposition = "inline" if request.GET.get("inline") == "1" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-File-SHA256"] = signed.sha256
    return response
