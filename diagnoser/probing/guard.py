"""The SSRF guard: which IP addresses and ports a probe may connect to.

The networks are spelled out instead of asking `ipaddress.is_private`, because this
machine's Python predates the fix for CVE-2024-4032 (its idea of "private" was wrong for
several ranges), and because we want to name the range in the refusal message.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_SETTING = "DIAGNOSER_ALLOW_NETWORKS"


class BlockedAddress(Exception):
    """The guard refused an address; the message names it and says why."""


@dataclass(frozen=True)
class RefusedRange:
    """One refused network: what it is (said in the refusal) and where that is defined."""

    network: IPNetwork
    label: str
    source: str


def _ranges(*rows: tuple[str, str, str]) -> tuple[RefusedRange, ...]:
    return tuple(RefusedRange(ipaddress.ip_network(c), label, src) for c, label, src in rows)


# Refused unless an allowlisted network contains the address. The sources are the IANA
# special-purpose registries (RFC 6890 and its updates) unless a row says otherwise.
REFUSED_NETWORKS: tuple[RefusedRange, ...] = _ranges(
    ("0.0.0.0/8", "'this host' network", "RFC 1122 3.2.1.3"),
    ("10.0.0.0/8", "private network", "RFC 1918"),
    ("100.64.0.0/10", "shared address space (carrier-grade NAT)", "RFC 6598"),
    ("127.0.0.0/8", "loopback network", "RFC 1122 3.2.1.3"),
    ("169.254.0.0/16", "link-local network", "RFC 3927"),
    ("172.16.0.0/12", "private network", "RFC 1918"),
    ("192.0.0.0/24", "IETF protocol assignments network", "RFC 6890"),
    ("192.0.2.0/24", "documentation network", "RFC 5737"),
    ("192.168.0.0/16", "private network", "RFC 1918"),
    ("198.18.0.0/15", "benchmarking network", "RFC 2544"),
    ("198.51.100.0/24", "documentation network", "RFC 5737"),
    ("203.0.113.0/24", "documentation network", "RFC 5737"),
    ("224.0.0.0/4", "multicast network", "RFC 5771"),
    # Before 240/4, which contains it, so the refusal names the narrower range.
    ("255.255.255.255/32", "broadcast address", "RFC 919"),
    ("240.0.0.0/4", "reserved network", "RFC 1112 4"),
    ("::/128", "unspecified address", "RFC 4291 2.5.2"),
    ("::1/128", "loopback address", "RFC 4291 2.5.3"),
    ("fc00::/7", "unique local network", "RFC 4193"),
    ("fe80::/10", "link-local network", "RFC 4291 2.5.6"),
    # Deprecated, but routers may still route it inside a site.
    ("fec0::/10", "site-local network", "RFC 3879"),
    ("ff00::/8", "multicast network", "RFC 4291 2.7"),
    ("2001:db8::/32", "documentation network", "RFC 3849"),
    ("100::/64", "discard-only network", "RFC 6666"),
    # Teredo hides the client's IPv4 address (obfuscated) behind a relay: refuse it
    # rather than guess what it reaches.
    ("2001::/32", "Teredo tunnel network", "RFC 4380"),
)

# Cloud metadata and platform services hand out credentials or configuration: never
# reachable, allowlist or not (allowlisting 169.254/16 for a link-local lab must not open
# these).
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle...
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.253",  # AWS DNS resolver / metadata neighbour
        "169.254.169.123",  # AWS time sync service
        "169.254.0.23",  # Tencent Cloud metadata
        "169.254.42.42",  # Scaleway metadata
        "100.100.100.200",  # Alibaba Cloud metadata
        "168.63.129.16",  # Azure WireServer (a public address, so no range catches it)
        "192.0.0.192",  # Oracle Cloud classic metadata
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::23",  # AWS DNS over IPv6
        "fd00:ec2::123",  # AWS time sync over IPv6
    )
)

_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_COMPATIBLE = ipaddress.IPv6Network("::/96")
# SIIT's "IPv4-translated" form (RFC 2765 2.1): ::ffff:0:a.b.c.d reaches a.b.c.d too.
_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


def _v4(bits: int) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(bits & 0xFFFFFFFF)


def embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """IPv4 addresses an IPv6 address reaches through a translation or tunnel."""
    value = int(address)
    if address in _MAPPED or address in _COMPATIBLE or address in _TRANSLATED:
        return (_v4(value),)
    if address in _NAT64:
        return (_v4(value),)
    if address in _NAT64_LOCAL:
        # RFC 6052: with a /48 prefix the IPv4 bits sit at 48-63 and 72-87 (bits 64-71
        # are the reserved "u" octet); deployments also use the last 32 bits (/96 style).
        rfc6052 = ((value >> 64) & 0xFFFF) << 16 | ((value >> 40) & 0xFFFF)
        return (_v4(rfc6052), _v4(value))
    if address in _SIX_TO_FOUR:
        return (_v4(value >> 80),)
    return ()


def parse_ip(text: str) -> IPAddress:
    """An IP address from a socket, without a zone ("fe80::1%eth0")."""
    return ipaddress.ip_address(text.split("%", 1)[0])


@dataclass(frozen=True)
class AddressPolicy:
    """Decides whether a probe may connect to an (IP, port)."""

    allow_networks: tuple[IPNetwork, ...] = ()
    blocked_ports: frozenset[int] = frozenset()

    def check(self, ip: str, port: int, *, host: str | None = None) -> None:
        """Return if (ip, port) may be probed, else raise BlockedAddress saying why.

        With `host`, the name the user typed, the refusal names the range but not the
        address: echoing it would let any user resolve internal names through us.
        """
        try:
            address = parse_ip(ip)
        except ValueError:
            raise BlockedAddress(f"{ip!r} is not an IP address; refusing to connect") from None
        if port in self.blocked_ports:
            raise BlockedAddress(f"port {port} is on the blocked port list; probe a different port")
        named = host is not None and not _is_literal(host)
        subject = f"{host} resolves to an address that is" if named else f"{ip} is"
        candidates: tuple[IPAddress, ...] = (address,)
        if isinstance(address, ipaddress.IPv6Address):
            candidates += embedded_ipv4(address)
        for candidate in candidates:
            if candidate in METADATA_ADDRESSES:
                which = "" if named else f" ({candidate})"
                raise BlockedAddress(
                    f"{subject} a cloud metadata address{which}; it is never probed"
                )
        # Each address the connection reaches must be admitted on its own: allowlisting
        # an IPv6 range must not open the IPv4 networks tunnelled inside it.
        for candidate in candidates:
            refused = None if self._allowed(candidate) else refused_range(candidate)
            if refused is None:
                continue
            via = "" if named or candidate == address else f" (it reaches {candidate})"
            admit = "the network" if named else "it"
            raise BlockedAddress(
                f"{subject} in a {refused.label} ({refused.network}){via}; "
                f"add {admit} to {ALLOW_SETTING} to probe it"
            )

    def _allowed(self, address: IPAddress) -> bool:
        return any(
            address.version == network.version and address in network
            for network in self.allow_networks
        )


def refused_range(address: IPAddress) -> RefusedRange | None:
    """The first refused range holding `address` (narrowest first, by the table's order)."""
    for refused in REFUSED_NETWORKS:
        if address.version == refused.network.version and address in refused.network:
            return refused
    return None


def _is_literal(host: str) -> bool:
    """An address written out, in any spelling the resolver reads as one (2130706433,
    0x7f.1): naming its range tells the user nothing they did not type."""
    try:
        parse_ip(host.strip("[]"))
    except ValueError:
        try:
            socket.inet_aton(host)
        except OSError:
            return False
    return True


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """Networks from a comma-separated CIDR list (the DIAGNOSER_ALLOW_NETWORKS format).

    Raises ValueError with a one-line message naming the bad entry.
    """
    return tuple(_parse_network(part.strip()) for part in text.split(",") if part.strip())


def _parse_network(text: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a network; write CIDRs like 10.0.0.0/8 or fd00::/8, "
            "separated by commas"
        ) from None


def networks(items: Iterable[str]) -> tuple[IPNetwork, ...]:
    """Networks from CIDR strings (a convenience for settings and tests)."""
    return tuple(_parse_network(item) for item in items)
