"""Engine settings (kept apart from engine.py so transport.py can use them too)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .guard import AddressPolicy

DEFAULT_USER_AGENT = "diagnoser/0.1 (+https://github.com/diagnoser/diagnoser; method-error probe)"


@dataclass(frozen=True)
class EngineConfig:
    # Networks admitted despite the SSRF guard (DIAGNOSER_ALLOW_NETWORKS).
    allow_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    blocked_ports: frozenset[int] = frozenset()
    connect_timeout: float = 3.0
    read_timeout: float = 5.0  # the longest silence between two reads
    deadline: float = 10.0  # per probe, from connect to the last body byte
    max_body_bytes: int = 65536
    excerpt_chars: int = 512
    per_host_concurrency: int = 16
    max_workers: int = 64
    user_agent: str = DEFAULT_USER_AGENT

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "deadline"):
            if getattr(self, name) <= 0:
                raise ValueError(f"EngineConfig.{name} must be positive")
        for name in ("per_host_concurrency", "max_workers"):
            if getattr(self, name) < 1:
                raise ValueError(f"EngineConfig.{name} must be at least 1")
        if self.max_body_bytes < 0 or self.excerpt_chars < 0:
            raise ValueError("EngineConfig.max_body_bytes and excerpt_chars must not be negative")

    @property
    def address_policy(self) -> AddressPolicy:
        return AddressPolicy(self.allow_networks, self.blocked_ports)
