"""B2 at the renderer: the PDF engine fetches only the portal's static files and data: URIs.
Hostile resource URLs (local files, cloud metadata, other hosts, path traversal) are refused
and recorded, never fetched."""

from __future__ import annotations

import base64
import socket
from unittest import mock

from django.contrib.staticfiles import finders

from documents import rendering

SVG_DOT = base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">'
    b'<rect width="4" height="4"/></svg>'
).decode()

HOSTILE = f"""<!DOCTYPE html><html><head>
<link rel="stylesheet" href="{rendering.STATIC_ORIGIN}css/print.css">
<link rel="stylesheet" href="http://169.254.169.254/latest/meta-data/x.css">
<style>@import url("file:///etc/passwd");
body {{ background: url(https://example.com/t.png); }}</style>
</head><body>
<p>hello</p>
<img src="file:///etc/passwd">
<img src="http://169.254.169.254/latest/meta-data/">
<img src="{rendering.STATIC_ORIGIN}../../../../etc/passwd">
<img src="https://attest.invalid.evil.example/static/x.png">
<img src="data:image/svg+xml;base64,{SVG_DOT}">
</body></html>"""


def test_only_static_files_and_data_uris_are_fetched():
    connect = mock.Mock(side_effect=AssertionError("the renderer opened a network connection"))
    with mock.patch.object(socket.socket, "connect", connect):
        result = rendering.render_pdf(HOSTILE, find_static=finders.find)
    assert result.pdf.startswith(b"%PDF") and result.pages >= 1
    refused = " ".join(result.refused)
    for url in (
        "169.254.169.254",
        "file:///etc/passwd",
        "https://example.com/t.png",
        "../../../../etc/passwd",
        "attest.invalid.evil.example",
    ):
        assert url in refused, url
    connect.assert_not_called()


def test_static_stylesheet_is_served_from_the_portals_files():
    fetcher = rendering.LockedFetcher(finders.find)
    response = fetcher.fetch(f"{rendering.STATIC_ORIGIN}css/print.css")
    assert b"@page" in response.read()
    assert fetcher.served == ["css/print.css"] and fetcher.refused == []


def test_content_hash_is_stable_for_equal_content():
    assert rendering.content_hash("<p>a</p>") == rendering.content_hash("<p>a</p>")
    assert rendering.content_hash("<p>a</p>") != rendering.content_hash("<p>b</p>")
