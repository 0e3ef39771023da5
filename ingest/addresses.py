"""Which addresses a URL fetch may connect to: public ones, plus the networks the operator allows.

A fetched URL is chosen by whoever submits it, so without this check ``rag serve`` would fetch its own
API, the cloud metadata service (169.254.169.254) or any intranet host for them (SSRF). Every address
a host name resolves to is checked before connecting; loopback, private, link-local, multicast,
reserved and unspecified addresses are refused, including IPv4 addresses carried inside IPv6 ones
(IPv4-mapped ``::ffff:a.b.c.d``, 6to4, Teredo, NAT64), unless they fall in a network listed in
``RAG_FETCH_ALLOW_PRIVATE``.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from rag.errors import ConfigError, InputError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_SETTING = "RAG_FETCH_ALLOW_PRIVATE"
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


class AddressRefused(InputError):
    """A URL's host is (or resolves to) an address fetches may not reach."""


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in the system resolver's order (tests replace this)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_networks(networks: Iterable[str | IPNetwork]) -> tuple[IPNetwork, ...]:
    """The allowed networks as objects; raises ConfigError naming a value that is not a CIDR network."""
    parsed: list[IPNetwork] = []
    for network in networks:
        try:
            parsed.append(ipaddress.ip_network(str(network).strip()))
        except ValueError as exc:
            raise ConfigError(
                f"{ALLOW_SETTING}: {network!r} is not a network ({exc}); write CIDR such as 10.0.0.0/8"
            ) from exc
    return tuple(parsed)


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses, plus those in ``allowed`` (the operator's intranet networks)."""

    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def allowing(cls, networks: Iterable[str | IPNetwork] = ()) -> AddressPolicy:
        return cls(parse_networks(networks))

    def check(self, address: str, host: str = "") -> IPAddress:
        """The address parsed; raises AddressRefused naming it (and ``host``, the name that resolved to
        it) and why, when fetches may not reach it."""
        ip = ipaddress.ip_address(address)
        forms = _routed_forms(ip)
        if any(form in network for form in forms for network in self.allowed):
            return ip
        for form in forms:
            kind = _non_public_kind(form)
            if not kind:
                continue
            article = "an" if kind[0] in "aeiou" else "a"
            what = (
                f"{article} {kind} address" if form == ip else f"an IPv6 address carrying the {kind} {form}"
            )
            target = f"{host} at {address}" if host else address
            raise AddressRefused(
                f"refused to connect to {target}, {what}: only public addresses are fetched; to allow an "
                f'intranet source, list its network in {ALLOW_SETTING} (e.g. ["{_example(form)}"])'
            )
        return ip

    def vetted(self, host: str, port: int, timeout_s: float) -> list[IPAddress]:
        """Every address of ``host``, all checked (one refused refuses the host); at most ``timeout_s``."""
        try:
            return [self.check(host)]  # an address literal: nothing to resolve
        except ValueError:
            pass
        addresses = _resolve_within(host, port, timeout_s)
        return [self.check(address, host) for address in addresses]


def _non_public_kind(ip: IPAddress) -> str:
    """What makes ``ip`` unfit for a fetch ("loopback", "private", ...); "" for a public address."""
    checks = (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("non-public", not ip.is_global),
    )
    return next((kind for kind, hit in checks if hit), "")


def _routed_forms(ip: IPAddress) -> list[IPAddress]:
    """The addresses a connection to ``ip`` reaches: IPv4 ones carried in an IPv6 address (mapped,
    NAT64: only those; 6to4, Teredo: those and the IPv6 address itself), else ``ip``."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return [ip]
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if any(ip in network for network in _NAT64):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    carried: list[IPAddress] = []
    if ip.sixtofour is not None:
        carried.append(ip.sixtofour)
    if ip.teredo is not None:
        carried.extend(ip.teredo)
    return [*carried, ip]


def _example(ip: IPAddress) -> str:
    return f"{ip}/32" if ip.version == 4 else f"{ip}/128"


def _resolve_within(host: str, port: int, timeout_s: float) -> list[str]:
    """resolve_host on a daemon thread, so a stuck DNS lookup cannot outlive the fetch's deadline."""
    result: list[list[str] | BaseException] = []

    def lookup() -> None:
        try:
            result.append(resolve_host(host, port))
        except BaseException as exc:  # handed to the caller
            result.append(exc)

    thread = threading.Thread(target=lookup, name="ingest-dns", daemon=True)
    thread.start()
    thread.join(max(timeout_s, 0.0))
    if not result:
        raise TimeoutError(f"resolving {host} took over {timeout_s:.0f}s")
    found = result[0]
    if isinstance(found, BaseException):
        raise found
    if not found:
        raise OSError(f"{host} resolves to no address")
    return found
