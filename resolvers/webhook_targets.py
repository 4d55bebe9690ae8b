"""Where webhooks may be sent: public HTTPS addresses, never the server's own network.

A webhook URL is chosen by a partner and fetched by the server, the classic way to reach
what sits behind it (a cloud metadata service, a database, an admin port). So a URL must be
`https`, carry no credentials, and every address its host resolves to must be public: not
loopback, private (RFC 1918, unique-local), link-local (169.254.169.254 among them),
shared, multicast, reserved or unspecified — whatever form the address is written in
(`2130706433` and `0x7f.1` resolve to 127.0.0.1 and are refused as such). The check runs when
the URL is registered and again before every delivery, and a delivery connects to the very
address that was checked, so a name that later resolves elsewhere (DNS rebinding) gains
nothing. Tests and the demo, whose receivers run on loopback, turn the check off with
`PARTNERGRAPH_WEBHOOKS_ALLOW_PRIVATE_TARGETS=true`, which also allows plain `http`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import quote, urlsplit

from resolvers.errors import BadInput

MAX_URL_LENGTH = 2048
URL_SAFE = "/%:@!$&'()*+,;=-._~"  # kept as they are in a path: what is already encoded, too

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]


# Look-ups run in threads of their own: one that hangs (a partner's broken DNS) holds one of
# these, never a thread of the loop's default pool, which the database driver uses too. A
# name being looked up is not looked up again meanwhile: the callers share the one look-up,
# so a name that hangs holds one thread however many deliveries wait for it, and each of them
# waits `LOOKUP_SECONDS` at most (a name that takes longer is unresolvable for now).
RESOLVING = ThreadPoolExecutor(max_workers=32, thread_name_prefix="webhook-dns")
LOOKUP_SECONDS = 5.0
_looking_up: dict[tuple[asyncio.AbstractEventLoop, str, int], asyncio.Future[Any]] = {}


async def resolve_host(host: str, port: int) -> list[str]:
    """The addresses the system's resolver gives for `host`, in its order of preference, for
    the kinds of address this machine has (an address resolves to itself)."""
    loop = asyncio.get_running_loop()
    key = (loop, host, port)
    lookup = _looking_up.get(key)
    if lookup is None:
        for stale in [each for each in _looking_up if each[0].is_closed()]:
            del _looking_up[stale]  # its loop closed before the look-up's thread returned
        look_up = partial(
            socket.getaddrinfo, host, port, type=socket.SOCK_STREAM, flags=socket.AI_ADDRCONFIG
        )
        lookup = _looking_up[key] = loop.run_in_executor(RESOLVING, look_up)
        lookup.add_done_callback(partial(_looked_up, key))
    found = await asyncio.wait_for(asyncio.shield(lookup), LOOKUP_SECONDS)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def _looked_up(
    key: tuple[asyncio.AbstractEventLoop, str, int], lookup: asyncio.Future[Any]
) -> None:
    del _looking_up[key]
    if not lookup.cancelled():
        lookup.exception()  # retrieved: its callers may all have stopped waiting


@dataclass(frozen=True)
class Target:
    """A checked URL, split into what a delivery needs."""

    url: str
    scheme: str
    host: str
    port: int
    path: str  # with its query

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


class TargetRefused(BadInput):
    """The URL or an address it resolves to may not be sent to (its `key` says why)."""

    final = True  # no later attempt would be allowed either


class TargetUnresolvable(TargetRefused):
    """The host name did not resolve: perhaps only for now."""

    final = False


NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: an IPv4 address inside
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # a network's own translation prefix
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated `::a.b.c.d`
# Not reachable on the internet, though this Python's `is_global` says they are.
NOT_GLOBAL = tuple(
    ipaddress.ip_network(network)
    for network in (
        "192.0.0.0/24",  # IETF protocol assignments
        "fec0::/10",  # site-local
        "::ffff:0:0:0/96",  # IPv4-translated
        "5f00::/16",  # SRv6 segment identifiers
        "3fff::/20",  # documentation
    )
)


def _embedded(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to (mapped, 6to4, Teredo, NAT64, compatible)."""
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if ip in NAT64 or ip in IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in found if address is not None]


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in LOCAL_NAT64:
            return False
        inner = _embedded(ip)
        if inner:
            return all(_public(str(v4)) for v4 in inner)
    if any(ip in network for network in NOT_GLOBAL if network.version == ip.version):
        return False
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class TargetPolicy:
    allow_private: bool = False
    resolver: Resolver = field(default=resolve_host, compare=False)

    def parse(self, url: str, at: Sequence[str] = ("url",)) -> Target:
        """The URL's parts, or `TargetRefused` for a URL no delivery may go to."""
        where = list(at)
        url = url.strip()
        if not url or len(url) > MAX_URL_LENGTH:
            raise TargetRefused("webhook.url_length", field=where, maximum=MAX_URL_LENGTH)
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise TargetRefused("webhook.url_invalid", field=where) from None
        schemes = {"https", "http"} if self.allow_private else {"https"}
        if parts.scheme not in schemes:
            raise TargetRefused("webhook.url_scheme", field=where)
        if not parts.hostname or parts.username is not None or parts.password is not None:
            raise TargetRefused("webhook.url_invalid", field=where)
        if parts.fragment or any(ord(char) <= 32 or ord(char) == 127 for char in url):
            raise TargetRefused("webhook.url_invalid", field=where)
        try:  # an international name as DNS knows it; a path and query in ASCII
            host = parts.hostname.encode("idna").decode("ascii")
        except UnicodeError:
            raise TargetRefused("webhook.url_invalid", field=where) from None
        path = quote(parts.path or "/", safe=URL_SAFE)
        query = quote(parts.query, safe=URL_SAFE + "?")
        return Target(
            url=url,
            scheme=parts.scheme,
            host=host,
            port=port or (443 if parts.scheme == "https" else 80),
            path=path + (f"?{query}" if query else ""),
        )

    async def addresses(self, target: Target, at: Sequence[str] = ("url",)) -> list[str]:
        """The addresses to connect to for `target`, all of them allowed; `TargetRefused`
        if the host does not resolve or any of its addresses is not public."""
        where = list(at)
        try:
            found = list(await self.resolver(target.host, target.port))
        except (OSError, UnicodeError):
            raise TargetUnresolvable("webhook.url_unresolvable", field=where) from None
        if not found:
            raise TargetUnresolvable("webhook.url_unresolvable", field=where)
        if not self.allow_private and not all(_public(address) for address in found):
            raise TargetRefused("webhook.url_private", field=where)
        return found

    async def checked(self, url: str, at: Sequence[str] = ("url",)) -> Target:
        target = self.parse(url, at)
        await self.addresses(target, at)
        return target
