"""Which requests a probe policy sends for one target, in the order reports list them."""

from __future__ import annotations

from .model import (
    PLAIN_METHODS,
    PREFLIGHT_METHODS,
    UNKNOWN_METHOD,
    ProbeKind,
    ProbePolicy,
    ProbeSpec,
)

# DESIGN.md "Probing safely" fixes the safe set. TRACE is safe by RFC 9110 but stays out:
# the safe policy sends only what a browser or an API client would send anyway.
_SAFE_PLAIN = frozenset({"GET", "HEAD", "OPTIONS", UNKNOWN_METHOD})

_FULL: tuple[ProbeSpec, ...] = (
    *(ProbeSpec(ProbeKind.PLAIN, method) for method in (*PLAIN_METHODS, UNKNOWN_METHOD)),
    *(ProbeSpec(ProbeKind.PREFLIGHT, method) for method in PREFLIGHT_METHODS),
)
_SAFE: tuple[ProbeSpec, ...] = tuple(
    spec for spec in _FULL if spec.kind is ProbeKind.PREFLIGHT or spec.method in _SAFE_PLAIN
)


def plan_probes(policy: ProbePolicy) -> tuple[ProbeSpec, ...]:
    """The probes to send: every verb and preflight for `full`, no unsafe verb for `safe`."""
    return _FULL if policy is ProbePolicy.FULL else _SAFE
