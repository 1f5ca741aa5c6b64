"""The client's real address behind trusted reverse proxies. Pure: no ORM, no settings.

Behind a proxy every request *connects* from the proxy, so rate limits keyed on the connecting
address lock everyone out together and audit events record the proxy. ``X-Forwarded-For`` names
the client, but anyone can send that header: it is believed only as far as the hops are proxies
we trust. ``ATTEST_TRUSTED_PROXIES`` says which:

- a list of networks (``10.0.0.0/8, 127.0.0.1``): walking the chain from the right (the
  connecting peer, then each address a trusted proxy appended), the first address outside those
  networks is the client;
- a hop count (``1``, ``2``): exactly that many proxies stand in front of Attest; the client is
  the address the outermost of them saw.

Empty (the default) trusts no proxy: the connecting address is the client. An unparseable entry
in the header stops the walk at the last trustworthy address, so a forged header can never make
an address up.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class TrustedProxies:
    networks: tuple[IPNetwork, ...] = ()
    hops: int = 0

    @property
    def enabled(self) -> bool:
        return bool(self.networks or self.hops)

    def trusts(self, address: str) -> bool:
        ip = _ip(address)
        return ip is not None and any(ip in network for network in self.networks)


@lru_cache(maxsize=8)
def parse_trusted_proxies(value: str) -> TrustedProxies:
    """``"10.0.0.0/8,::1"`` or ``"2"`` → ``TrustedProxies``; ``ValueError`` naming the bad part."""
    value = (value or "").strip()
    if not value:
        return TrustedProxies()
    if value.isdigit():
        hops = int(value)
        if not 1 <= hops <= 10:
            raise ValueError(f"ATTEST_TRUSTED_PROXIES hop count {hops} must be 1 to 10.")
        return TrustedProxies(hops=hops)
    networks = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"ATTEST_TRUSTED_PROXIES: {part!r} is neither an address nor a network "
                "(use CIDRs such as 10.0.0.0/8, or a hop count such as 1)."
            ) from exc
    return TrustedProxies(networks=tuple(networks))


def client_address(remote_addr: str, forwarded_for: str, trusted: TrustedProxies) -> str:
    """The client's address given the connecting peer and the ``X-Forwarded-For`` header."""
    peer = _normalised(remote_addr) or ""
    if not trusted.enabled or not forwarded_for:
        return peer
    chain = [part.strip() for part in forwarded_for.split(",")][-20:] + [peer]
    if trusted.hops:
        # The last ``hops`` entries of the chain (including the peer) are our proxies; the one
        # before them is what the outermost proxy saw. A shorter chain: the header lies about
        # nothing we can check, so take its first valid entry from the right.
        candidates = chain[: len(chain) - trusted.hops]
        for address in reversed(candidates):
            normalised = _normalised(address)
            if normalised:
                return normalised
            break  # an unparseable entry: nothing to its left can be trusted
        return peer
    if not trusted.trusts(peer):
        return peer
    client = peer
    for address in reversed(chain[:-1]):
        normalised = _normalised(address)
        if normalised is None:
            break
        client = normalised
        if not trusted.trusts(normalised):
            break
    return client


def _ip(address: str):
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


def _normalised(address: str) -> str | None:
    """A bare IP address in canonical form (``[::1]:443`` and ``1.2.3.4:80`` lose the port)."""
    text = (address or "").strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    ip = _ip(text)
    if ip is None:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ip)
