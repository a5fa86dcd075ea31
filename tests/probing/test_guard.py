"""The address policy on its own: which addresses are refused, why, and what admits them."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diagnoser.probing.guard import (
    METADATA_ADDRESSES,
    REFUSED_NETWORKS,
    AddressPolicy,
    BlockedAddress,
    RefusedRange,
    parse_networks,
)

STRICT = AddressPolicy()
EVERYTHING = AddressPolicy(parse_networks("0.0.0.0/0, ::/0"))


@pytest.mark.parametrize(
    "ip",
    ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"],
)
def test_public_addresses_pass(ip: str) -> None:
    STRICT.check(ip, 443)


@pytest.mark.parametrize("refused", REFUSED_NETWORKS, ids=lambda r: str(r.network))
def test_every_refused_network_is_refused_and_named(refused: RefusedRange) -> None:
    with pytest.raises(BlockedAddress) as refusal:
        STRICT.check(str(refused.network.network_address), 80)

    assert str(refused.network) in str(refusal.value)
    assert refused.label in str(refusal.value)


@pytest.mark.parametrize("refused", REFUSED_NETWORKS, ids=lambda r: str(r.network))
def test_every_refused_network_says_where_it_is_defined(refused: RefusedRange) -> None:
    assert refused.source.startswith("RFC ")


@pytest.mark.parametrize(
    ("ip", "why"),
    [
        ("168.63.129.16", "metadata"),  # Azure WireServer: a public address
        ("::ffff:0:7f00:2", "loopback"),  # SIIT's translated form of 127.0.0.2
        ("::ffff:0:a00:1", "private"),  # ... and of 10.0.0.1
        ("fec0::1", "site-local"),
    ],
)
def test_addresses_an_attack_slipped_through_are_refused(ip: str, why: str) -> None:
    with pytest.raises(BlockedAddress, match=why):
        STRICT.check(ip, 80)


@pytest.mark.parametrize("ip", ["169.254.0.23", "169.254.42.42", "169.254.169.123"])
def test_allowlisting_link_local_does_not_open_metadata_services(ip: str) -> None:
    with pytest.raises(BlockedAddress, match="metadata"):
        AddressPolicy(parse_networks("169.254.0.0/16")).check(ip, 80)


def test_a_refused_host_name_is_not_answered_with_its_address() -> None:
    with pytest.raises(BlockedAddress) as refusal:
        STRICT.check("10.20.30.40", 80, host="db.internal")

    assert "10.20.30.40" not in str(refusal.value)
    assert str(refusal.value) == (
        "db.internal resolves to an address that is in a private network (10.0.0.0/8); "
        "add the network to DIAGNOSER_ALLOW_NETWORKS to probe it"
    )


def test_a_metadata_host_name_is_not_answered_with_its_address() -> None:
    with pytest.raises(BlockedAddress) as refusal:
        EVERYTHING.check("169.254.169.254", 80, host="metadata.google.internal")

    assert "169.254" not in str(refusal.value)
    assert "cloud metadata address" in str(refusal.value)


def test_the_message_says_how_to_admit_the_address() -> None:
    with pytest.raises(BlockedAddress) as refusal:
        STRICT.check("10.0.0.5", 80)

    assert str(refusal.value) == (
        "10.0.0.5 is in a private network (10.0.0.0/8); "
        "add it to DIAGNOSER_ALLOW_NETWORKS to probe it"
    )


def test_an_allowlisted_network_is_admitted() -> None:
    AddressPolicy(parse_networks("10.0.0.0/8")).check("10.1.2.3", 80)


def test_an_allowlist_admits_only_its_own_network() -> None:
    with pytest.raises(BlockedAddress, match=r"192\.168"):
        AddressPolicy(parse_networks("10.0.0.0/8")).check("192.168.0.1", 80)


def test_mapped_loopback_is_admitted_by_the_loopback_allowlist() -> None:
    AddressPolicy(parse_networks("127.0.0.0/8")).check("::ffff:127.0.0.1", 80)


def test_allowlisting_ipv6_does_not_open_tunnelled_private_ipv4() -> None:
    with pytest.raises(BlockedAddress, match=r"it reaches 10\.0\.0\.1"):
        AddressPolicy(parse_networks("::/0")).check("::ffff:10.0.0.1", 80)


@pytest.mark.parametrize("address", sorted(str(a) for a in METADATA_ADDRESSES))
def test_metadata_addresses_are_refused_whatever_the_allowlist(address: str) -> None:
    with pytest.raises(BlockedAddress, match="metadata"):
        EVERYTHING.check(address, 80)


def test_a_zone_index_does_not_hide_link_local() -> None:
    with pytest.raises(BlockedAddress, match="link-local"):
        STRICT.check("fe80::1%eth0", 80)


def test_something_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(BlockedAddress, match="not an IP address"):
        STRICT.check("example.com", 80)


def test_blocked_ports_are_refused_even_for_allowed_addresses() -> None:
    policy = AddressPolicy(parse_networks("0.0.0.0/0"), frozenset({22}))

    with pytest.raises(BlockedAddress, match="port 22"):
        policy.check("8.8.8.8", 22)


def test_a_bad_allowlist_entry_is_named() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.0/33' is not a network"):
        parse_networks("127.0.0.0/8, 10.0.0.0/33")


@given(st.ip_addresses(v=4))
def test_an_ipv4_address_and_its_mapped_form_get_the_same_verdict(
    address: ipaddress.IPv4Address,
) -> None:
    mapped = f"::ffff:{address}"
    assert _verdict(str(address)) == _verdict(mapped)


@given(st.ip_addresses(v=4))
def test_an_ipv4_address_and_its_nat64_form_get_the_same_verdict(
    address: ipaddress.IPv4Address,
) -> None:
    nat64 = str(ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | int(address)))
    assert _verdict(str(address)) == _verdict(nat64)


def _verdict(ip: str) -> bool:
    try:
        STRICT.check(ip, 80)
    except BlockedAddress:
        return False
    return True
