"""Where a webhook may point: not at the gateway's own network (SSRF).

A URL whose host is, or resolves to, a private, loopback, link-local or otherwise
non-global address is refused at registration, unless ``GATEWAY_WEBHOOK_ALLOW_PRIVATE``
(a self-hosted gateway whose receivers live beside it; the tests). A name that does not
resolve now is accepted: it may be registered before its DNS is, and its deliveries
fail and retry until then.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from gateway.errors import bad_input

RESOLVE_TIMEOUT = 2.0
# Names that mean this machine or its network whatever DNS says.
LOCAL_NAMES = ("localhost", "localhost.localdomain")
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is on the public internet (an IPv4-mapped IPv6 address is
    judged by its IPv4 address, which Python 3.11's ``is_global`` does not do)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _refused(host: str) -> Exception:
    return bad_input(
        f"url cannot point at a private, loopback or link-local address ({host})",
        argument="url",
    )


async def check_destination(url: str, *, allow_private: bool) -> None:
    """BAD_USER_INPUT (``url``) unless ``url``'s host is public, or private ones are allowed."""
    if allow_private:
        return
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host in LOCAL_NAMES or host.endswith(LOCAL_SUFFIXES):
        raise _refused(host)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if not is_public(literal):
            raise _refused(host)
        return
    for address in await _resolve(host):
        if not is_public(address):
            raise _refused(host)


async def _resolve(host: str) -> list[IPAddress]:
    """``host``'s addresses, or none when it does not resolve in time."""
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT
        )
    except (OSError, TimeoutError, UnicodeError):
        return []
    found: list[IPAddress] = []
    for info in infos:
        try:
            # A scoped IPv6 address ("fe80::1%eth0") carries its zone after a "%".
            found.append(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
        except ValueError:
            continue
    return found
