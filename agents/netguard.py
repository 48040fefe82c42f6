"""Where a webhook may point: the server-side request forgery guard.

A webhook URL comes from whoever holds the API token, and the worker posts to
it from inside the deployment's network. Without a guard a registration can
aim the worker at 169.254.169.254 (cloud metadata), at 127.0.0.1 (the
worker's own port, the broker) or at any private host. So a target is refused
when its host is, or resolves to, an address that is not globally routable
(private, loopback, link-local, unspecified, reserved, shared) or multicast,
unless CLAIMWATCH_WEBHOOK_ALLOW_PRIVATE allows it.

Every address a hostname resolves to is checked (one bad address refuses the
target: the client may connect to any of them). The check runs at
registration, and again on every delivery attempt: DNS can change after a
registration. At delivery the check is the HTTP client's own resolver
(GuardedResolver), so the addresses checked are the addresses connected to; a
name that resolves to a public address for the check and to 127.0.0.1 for the
connection (DNS rebinding) has no gap to slip through. aiohttp does not call a
resolver for an IP literal, so `literal_refusal` covers those, and redirects
are not followed (a 3xx to a private address would skip the check).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

ALLOW_HINT = "set CLAIMWATCH_WEBHOOK_ALLOW_PRIVATE=true to allow it"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(ValueError):
    """A webhook target the guard refuses, with the reason."""


def address_kind(ip: IPAddress) -> str | None:
    """What makes an address unfit as a webhook target, or None when it is fine."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return address_kind(ip.ipv4_mapped)  # ::ffff:127.0.0.1 is 127.0.0.1
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "reserved"  # shared (100.64/10), documentation and other special ranges
    return None


def refusal(ip: IPAddress, host: str) -> str | None:
    kind = address_kind(ip)
    if kind is None:
        return None
    via = "" if str(ip) == host.strip("[]") else f"{host} resolves to "
    return f"webhook target refused: {via}{ip}, a {kind} address ({ALLOW_HINT})"


def host_of(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL; TargetRefused when it has no host."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"url is not a valid URL: {exc}") from None
    if not parts.hostname:
        raise TargetRefused("url has no host")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def literal_refusal(url: str) -> str | None:
    """The reason an IP-literal URL is refused (None for a hostname or a fine address)."""
    host, _ = host_of(url)
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    return refusal(ip, host)


async def resolve(host: str, port: int) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetRefused(f"webhook target refused: {host} does not resolve ({exc})"
                            ) from None
    # a scope id (fe80::1%eth0) is no part of the address's kind
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


async def check_target(url: str, allow_private: bool) -> None:
    """Refuse (TargetRefused) a URL whose host is or resolves to an unfit address."""
    host, port = host_of(url)
    if allow_private:
        return
    for ip in await resolve(host, port):
        why = refusal(ip, host)
        if why:
            raise TargetRefused(why)


def guarded_resolver(allow_private: bool) -> Any:
    """An aiohttp resolver that refuses a host when any address it resolves to is unfit."""
    from aiohttp import ThreadedResolver

    class GuardedResolver(ThreadedResolver):  # getaddrinfo, as check_target
        async def resolve(self, host: str, port: int = 0,
                          family: socket.AddressFamily = socket.AF_INET) -> list[Any]:
            found = await super().resolve(host, port, family)
            if not allow_private:
                for entry in found:
                    why = refusal(ipaddress.ip_address(entry["host"]), host)
                    if why:
                        raise OSError(why)  # aiohttp raises ClientConnectorDNSError
            return list(found)

    return GuardedResolver()
