"""Who is on the other end of a public request: the client's address, believing X-Forwarded-For only from TRUSTED_PROXIES."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Optional, Tuple

from cers.settings import SettingsError, env

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=4)
def _trusted(value: str) -> Tuple[Network, ...]:
    networks = []
    for part in value.split(","):
        if part.strip():
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise SettingsError(f"TRUSTED_PROXIES: {part.strip()!r} is not an address or CIDR") from None
    return tuple(networks)


def trusted_proxies() -> Tuple[Network, ...]:
    """TRUSTED_PROXIES: a comma-separated list of addresses or CIDRs (none by default)."""
    return _trusted(env("TRUSTED_PROXIES"))


def _is_trusted(address: str, networks: Tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: Optional[str], forwarded_for: Optional[str]) -> str:
    """The client's address: the peer, or, when the peer is a trusted proxy, the nearest address in
    X-Forwarded-For that is not a trusted proxy (proxies append, so the client is read right to left)."""
    address = (peer or "").strip()
    networks = trusted_proxies()
    if not forwarded_for or not _is_trusted(address, networks):
        return address
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        if not _is_trusted(hop, networks):
            return hop
        address = hop
    return address


def client_of_request(request) -> str:
    """client_address() for a Sanic request."""
    return client_address(request.ip, request.headers.get("x-forwarded-for"))
