"""The SSRF guard: which IP addresses and ports a probe may connect to.

The networks are spelled out instead of asking `ipaddress.is_private`, because this
machine's Python predates the fix for CVE-2024-4032 (its idea of "private" was wrong for
several ranges), and because we want to name the range in the refusal message.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_SETTING = "DIAGNOSER_ALLOW_NETWORKS"


class BlockedAddress(Exception):
    """The guard refused an address; the message names it and says why."""


def _networks(*pairs: tuple[str, str]) -> tuple[tuple[IPNetwork, str], ...]:
    return tuple((ipaddress.ip_network(cidr), label) for cidr, label in pairs)


# Refused unless an allowlisted network contains the address.
REFUSED_NETWORKS: tuple[tuple[IPNetwork, str], ...] = _networks(
    ("0.0.0.0/8", "'this host' network"),
    ("10.0.0.0/8", "private network"),
    ("100.64.0.0/10", "shared address space (carrier-grade NAT)"),
    ("127.0.0.0/8", "loopback network"),
    ("169.254.0.0/16", "link-local network"),
    ("172.16.0.0/12", "private network"),
    ("192.0.0.0/24", "IETF protocol assignments network"),
    ("192.0.2.0/24", "documentation network"),
    ("192.168.0.0/16", "private network"),
    ("198.18.0.0/15", "benchmarking network"),
    ("198.51.100.0/24", "documentation network"),
    ("203.0.113.0/24", "documentation network"),
    ("224.0.0.0/4", "multicast network"),
    ("255.255.255.255/32", "broadcast address"),  # before 240/4, which contains it
    ("240.0.0.0/4", "reserved network"),
    ("::/128", "unspecified address"),
    ("::1/128", "loopback address"),
    ("fc00::/7", "unique local network"),
    ("fe80::/10", "link-local network"),
    ("ff00::/8", "multicast network"),
    ("2001:db8::/32", "documentation network"),
    ("100::/64", "discard-only network"),
    # Teredo hides the client's IPv4 address (obfuscated) behind a relay: refuse it
    # rather than guess what it reaches.
    ("2001::/32", "Teredo tunnel network"),
)

# Cloud metadata services hand out credentials: never reachable, allowlist or not.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean...
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.253",  # AWS DNS resolver / metadata neighbour
        "100.100.100.200",  # Alibaba Cloud
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::23",  # AWS DNS over IPv6
    )
)

_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


def _v4(bits: int) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(bits & 0xFFFFFFFF)


def embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """IPv4 addresses an IPv6 address reaches through a translation or tunnel."""
    value = int(address)
    if address in _MAPPED or address in _COMPATIBLE or address in _NAT64:
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

    def check(self, ip: str, port: int) -> None:
        """Return if (ip, port) may be probed, else raise BlockedAddress saying why."""
        try:
            address = parse_ip(ip)
        except ValueError:
            raise BlockedAddress(f"{ip!r} is not an IP address; refusing to connect") from None
        if port in self.blocked_ports:
            raise BlockedAddress(f"port {port} is on the blocked port list; probe a different port")
        candidates: tuple[IPAddress, ...] = (address,)
        if isinstance(address, ipaddress.IPv6Address):
            candidates += embedded_ipv4(address)
        for candidate in candidates:
            if candidate in METADATA_ADDRESSES:
                raise BlockedAddress(
                    f"{ip} is a cloud metadata address ({candidate}); it is never probed"
                )
        # Each address the connection reaches must be admitted on its own: allowlisting
        # an IPv6 range must not open the IPv4 networks tunnelled inside it.
        for candidate in candidates:
            if self._allowed(candidate):
                continue
            for network, label in REFUSED_NETWORKS:
                if candidate.version == network.version and candidate in network:
                    via = "" if candidate == address else f" (it reaches {candidate})"
                    raise BlockedAddress(
                        f"{ip} is in a {label} ({network}){via}; "
                        f"add it to {ALLOW_SETTING} to probe it"
                    )

    def _allowed(self, address: IPAddress) -> bool:
        return any(
            address.version == network.version and address in network
            for network in self.allow_networks
        )


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
