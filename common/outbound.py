"""Calling a URL a user gave without being made to call into our own network (SSRF).

The host name is resolved once, every address it resolves to is checked (not just the first:
an attacker's name may answer with a public and a private one), and the connection is made to
the checked address (so a DNS answer that changes between check and connect, "DNS rebinding",
cannot point it elsewhere). Used by the outgoing webhooks (notifications.delivery) and the
Prometheus reader of usage sources (usage.prometheus). No ORM, no settings: callers pass
``allow_private`` and the name of the setting that allows it (for the message).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import certifi
import urllib3


class TargetRefused(ValueError):
    """The URL may not be called: not http(s), no host, or an address inside a private network
    (unless private targets are allowed)."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_target(
    url: str,
    *,
    allow_private: bool,
    what: str = "webhooks",
    setting: str = "ATTEST_WEBHOOKS_ALLOW_PRIVATE_TARGETS",
) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to) of ``url``; TargetRefused when it may not
    be called."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise TargetRefused(f"Only http and https URLs can receive {what}.")
    host = parts.hostname
    if not host:
        raise TargetRefused("The URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefused("The URL's port is not a number from 1 to 65535.") from exc
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"The host name {host!r} does not resolve.") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise TargetRefused(f"The host name {host!r} does not resolve.")
    if not allow_private:
        private = [a for a in addresses if not is_public(a)]
        if private:
            raise TargetRefused(
                f"{host} resolves to a private, loopback or reserved address ({private[0]}); "
                f"{what} go to public addresses only ({setting})."
            )
    return parts.scheme, host, port, addresses[0]


def pinned_pool(
    scheme: str, host: str, port: int, address: str, timeout: urllib3.Timeout
) -> urllib3.HTTPConnectionPool:
    """A connection pool to the checked ``address``; TLS still verifies ``host``'s
    certificate (and sends it as SNI). Requests through it never retry or follow redirects
    unless the caller asks (pass ``redirect=False, retries=False`` to ``urlopen``)."""
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            server_hostname=host,
            assert_hostname=host,
        )
    return urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)


def host_header(scheme: str, host: str, port: int) -> str:
    header = host if ":" not in host else f"[{host}]"
    if port != (443 if scheme == "https" else 80):
        header += f":{port}"
    return header
