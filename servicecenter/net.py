"""The client's IP address, the one way every part of the project reads it.

`X-Forwarded-For` is only as trustworthy as whoever wrote it: any client can send the header, so
it is read only when the request comes from one of `settings.TRUSTED_PROXIES` (IPs or CIDRs). Each
proxy appends the address it received the request from, so the list is read from the right, past
our own proxies, and the first address that is not one of them is the client. Everything to the
left of that address was written by the client and could be anything.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def trusted_proxy_networks() -> tuple[IPNetwork, ...]:
    """The parsed `TRUSTED_PROXIES`; a malformed entry raises ValueError (a system check reports it)."""
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def parse_ip(value: str | None) -> IPAddress | None:
    """An address from a header or REMOTE_ADDR, or None; "1.2.3.4:5678" and "[::1]:80" lose the port."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1 and "." in value:
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4 client seen through a dual-stack socket is still the IPv4 client.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_ip(request) -> str | None:
    """The address of the client that sent `request` (a Django or DRF request), as a string."""
    remote = parse_ip(request.META.get("REMOTE_ADDR"))
    if remote is None:
        return None
    networks = trusted_proxy_networks()
    if not networks or not _is_trusted(remote, networks):
        return str(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    nearest = remote
    for entry in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = parse_ip(entry)
        if address is None:
            # Garbage where an address should be: the last hop we trust is all we know.
            break
        if not _is_trusted(address, networks):
            return str(address)
        nearest = address
    return str(nearest)
