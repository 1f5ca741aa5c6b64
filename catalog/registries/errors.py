"""A registry's failure as one sentence a person can act on: what happened and the next step.

The adapters raise ``RegistryUnavailable`` / ``RegistryRequestRefused`` with these sentences
instead of the text of the ``requests``/urllib3 exception (``HTTPConnectionPool(host=...,
port=...): Max retries exceeded with url: ... NewConnectionError(...)``), so the source page,
the sync results and the webhook inbox all read the same plain words. The class of failure is
read from the exception chain (requests wraps urllib3, which wraps the socket error).
Pure module: no ORM, no settings.
"""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlparse

import requests
from django.utils.translation import gettext as _


def _chain(exc: BaseException):
    """``exc`` and every exception behind it (causes, contexts, urllib3's ``reason``, args)."""
    seen, todo = set(), [exc]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        for nxt in (item.__cause__, item.__context__, getattr(item, "reason", None), *item.args):
            if isinstance(nxt, BaseException):
                todo.append(nxt)


def _name_resolution_failed(item: BaseException) -> bool:
    # urllib3 2 raises NameResolutionError; older versions a NewConnectionError around gaierror.
    return isinstance(item, socket.gaierror) or type(item).__name__ == "NameResolutionError"


def _where(url: str) -> str:
    parts = urlparse(url)
    return parts.netloc or url


def network_error(exc: requests.RequestException, *, url: str) -> str:
    """The sentence for a request that got no HTTP answer at all."""
    where = _where(url)
    chain = list(_chain(exc))
    if any(isinstance(i, requests.exceptions.SSLError | ssl.SSLError) for i in chain):
        return _(
            "The secure connection to %(where)s failed (TLS): check that the URL's scheme is "
            "right (https:// only if the registry serves TLS) and that its certificate is valid "
            "and trusted by this server."
        ) % {"where": where}
    if any(_name_resolution_failed(i) for i in chain):
        return _(
            "The host name in %(where)s could not be found (DNS): check the URL for typing "
            "errors and that this server can resolve the registry's name."
        ) % {"where": where}
    if any(isinstance(i, requests.Timeout | socket.timeout | TimeoutError) for i in chain):
        return _(
            "%(where)s did not answer in time: check that the registry is running and not "
            "overloaded, and that no firewall drops the connection; Attest tries again later."
        ) % {"where": where}
    if any(isinstance(i, ConnectionRefusedError) for i in chain):
        return _(
            "%(where)s refused the connection (nothing listens on that port): check the URL's "
            "port and that the registry is running."
        ) % {"where": where}
    return _(
        "%(where)s could not be reached: check the URL and the network between this server "
        "and the registry; Attest tries again later."
    ) % {"where": where}


def http_error(status: int, *, url: str) -> str:
    """The sentence for an HTTP answer that is an error (401, 403, 404, 429, 5xx, other 4xx)."""
    where = _where(url)
    values = {"where": where, "status": status}
    if status == 401:
        return (
            _(
                "%(where)s refused the credentials (HTTP 401): check the token or user name and "
                "password of this source, and that they have not expired."
            )
            % values
        )
    if status == 403:
        return (
            _(
                "%(where)s accepted the credentials but does not allow this (HTTP 403): give the "
                "account read access to the model registry (and write access for write-back)."
            )
            % values
        )
    if status == 404:
        return (
            _(
                "%(where)s has no such API (HTTP 404): check that the source's URL is the "
                "registry's base address."
            )
            % values
        )
    if status == 429:
        return (
            _("%(where)s asked Attest to slow down (HTTP 429): Attest tries again later.") % values
        )
    if status >= 500:
        return (
            _(
                "%(where)s had an internal error (HTTP %(status)s): the registry's own logs say "
                "why; Attest tries again later."
            )
            % values
        )
    return (
        _("%(where)s refused the request (HTTP %(status)s): check the source's settings.") % values
    )


def not_json(*, url: str) -> str:
    """The sentence for a 2xx answer that is not the JSON object the API returns."""
    return _(
        "%(where)s answered, but not with the registry API's JSON: check that the URL points "
        "at the registry itself, not at a sign-in page or proxy in front of it."
    ) % {"where": _where(url)}
