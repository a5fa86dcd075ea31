"""Which requests a probe policy sends for one target, in the order reports list them,
where they go, and what each policy says it sends (the words users choose a policy by)."""

from __future__ import annotations

import hashlib
import re

from .model import (
    PLAIN_METHODS,
    PREFLIGHT_METHODS,
    UNKNOWN_METHOD,
    UNSAFE_METHODS,
    ProbeKind,
    ProbePolicy,
    ProbeSpec,
    Target,
)
from .urls import NIL_UUID, InvalidTarget, fill_path, placeholders

# DESIGN.md "Probing safely" fixes the strict set. TRACE is safe by RFC 9110 but stays out:
# the strict policy sends only what a browser or an API client would send anyway.
_STRICT_PLAIN = frozenset({"GET", "HEAD", "OPTIONS", UNKNOWN_METHOD})
# On a phantom id a missing resource cannot be changed, so PATCH and DELETE show their
# routing without effect on a server that follows RFC 9110. Never PUT (it may create the
# resource) and never POST (it creates by design). GET and the made-up verb on the same
# URL tell a handler's "no such id" 404 from a router's "no such method" 404.
PHANTOM_METHODS: tuple[str, ...] = ("GET", "PATCH", "DELETE", UNKNOWN_METHOD)

_FULL: tuple[ProbeSpec, ...] = (
    *(ProbeSpec(ProbeKind.PLAIN, method) for method in (*PLAIN_METHODS, UNKNOWN_METHOD)),
    *(ProbeSpec(ProbeKind.PREFLIGHT, method) for method in PREFLIGHT_METHODS),
)
_STRICT: tuple[ProbeSpec, ...] = tuple(
    spec for spec in _FULL if spec.kind is ProbeKind.PREFLIGHT or spec.method in _STRICT_PLAIN
)
# TRACE is safe by RFC 9110 (9.2.1) and goes without stored credentials (9.3.8): the safe
# policy sends it, so trace_enabled and TRACE's own answer need no inference.
_SAFE: tuple[ProbeSpec, ...] = tuple(
    spec
    for spec in _FULL
    if spec.kind is ProbeKind.PREFLIGHT or spec.method in _STRICT_PLAIN | {"TRACE"}
)
_PHANTOM: tuple[ProbeSpec, ...] = tuple(
    ProbeSpec(ProbeKind.PHANTOM, method) for method in PHANTOM_METHODS
)


def plan_probes(
    policy: ProbePolicy, *, phantom: bool = False, send_method: str | None = None
) -> tuple[ProbeSpec, ...]:
    """The probes to send: every verb and preflight for `full`; no unsafe verb on the URL
    for `safe` and `strict`, plus, for `safe` when `phantom` (the target is a route
    template), the phantom probes; plus the one method the user asked to send."""
    if policy is ProbePolicy.FULL:
        return _FULL
    planned = _STRICT
    if policy is ProbePolicy.SAFE:
        planned = _SAFE + (_PHANTOM if phantom else ())
    if send_method is not None:
        if send_method not in UNSAFE_METHODS:
            raise ValueError(f"only an unsafe method is sent on request, not {send_method!r}")
        planned += (ProbeSpec(ProbeKind.PLAIN, send_method),)
    return planned


def plan_for(target: Target) -> tuple[ProbeSpec, ...]:
    return plan_probes(
        target.policy,
        phantom=phantom_url(target) is not None,
        send_method=target.send_method,
    )


def phantom_url(target: Target) -> str | None:
    """The target's route template filled with ids that cannot exist, or None when the
    target is no template (or the policy sends no phantom probe)."""
    if target.policy is not ProbePolicy.SAFE:
        return None
    template = target.template or target.url
    names = placeholders(template)
    if not names:
        return None
    samples = dict(target.samples)
    values = {name: phantom_value(template, name, samples.get(name)) for name in names}
    try:
        return fill_path(template, values)
    except InvalidTarget:
        return None  # the engine refuses the target itself with the reason


_DIGITS = re.compile(r"[0-9]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_HEX = re.compile(r"[0-9a-fA-F]{8,}")


def phantom_value(template: str, name: str, sample: str | None) -> str:
    """A value of the sample's type that names no real object and is never the sample.

    Random-looking but stable (a hash of the template and placeholder), so runs compare
    and dedupe. Integers stay below 2**53 so JavaScript servers parse them exactly and
    64-bit id columns don't overflow; UUIDs keep the version-4 shape validators ask for.
    """
    if sample is None:
        sample = NIL_UUID if "uuid" in name.lower() else "0"
    seed = hashlib.sha256(f"diagnoser-phantom\0{template}\0{name}".encode()).hexdigest()
    if _DIGITS.fullmatch(sample):
        value = "9" + str(int(seed, 16))[-14:]
    elif _UUID.fullmatch(sample):
        hexa = seed[:12] + "4" + seed[13:16] + "8" + seed[17:32]
        value = "-".join((hexa[:8], hexa[8:12], hexa[12:16], hexa[16:20], hexa[20:32]))
        value = value.upper() if sample.isupper() else value
    elif _HEX.fullmatch(sample):
        value = (seed * 4)[: len(sample)]
        value = value.upper() if sample.isupper() else value
    else:
        value = "zz" + seed[: max(len(sample), 16)]
    return value if value != sample else value[::-1]


_STRICT_WORDS = (
    "GET, HEAD, OPTIONS and the made-up verb {unknown} to the URL, and a CORS preflight "
    "(OPTIONS) for each of POST, PUT, PATCH and DELETE"
)
_GUARD = "with an empty body and an If-Match that matches nothing"


def describe_policy(policy: ProbePolicy) -> str:
    """Exactly which requests the policy sends, for forms, the CLI and the docs."""
    strict = _STRICT_WORDS.format(unknown=UNKNOWN_METHOD)
    if policy is ProbePolicy.STRICT:
        return f"Strict: sends {strict}. Nothing else; unsafe verbs are inferred or unknown."
    if policy is ProbePolicy.SAFE:
        return (
            f"Safe: sends {strict}, and TRACE (safe by RFC 9110, without credentials). "
            "When the endpoint is a route template (/items/{{id}}), "
            f"also GET, PATCH, DELETE and {UNKNOWN_METHOD} to the same template filled with "
            f"an id that cannot exist (never the sample id), PATCH and DELETE {_GUARD}: a "
            "missing resource cannot be changed. Never PUT (it may create) or POST."
        )
    return (
        "Full: sends every verb (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, "
        f"{UNKNOWN_METHOD}) to the URL and the four preflights. "
        + _risk("POST, PUT, PATCH and DELETE go")
    )


def send_method_risk(method: str) -> str:
    """What sending an unsafe method to the real URL risks, said before it is sent."""
    return _risk(f"{method} goes")


def _risk(subject: str) -> str:
    return (
        f"{subject} to the real URL {_GUARD}, which a careful server refuses; a server "
        "that ignores preconditions may act on them and create, change or delete data."
    )
