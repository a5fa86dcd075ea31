"""Rules about the Allow header: present on 405, truthful, complete, consistent, valid."""

from __future__ import annotations

from diagnoser.analysis.facts import Facts
from diagnoser.analysis.headers import format_methods
from diagnoser.analysis.model import Finding, Verdict
from diagnoser.analysis.rules.common import join_methods, make_finding
from diagnoser.probing.model import PLAIN_METHODS, Observation, ProbeKind

# OPTIONS is commonly left out of Allow, and HEAD is implied by GET (RFC 9110 9.3.2):
# neither is worth a warning. TRACE has its own rule.
_NOT_EXPECTED_IN_ALLOW = frozenset({"OPTIONS", "TRACE"})
_IMPLIED_IN_ALLOW = frozenset({"HEAD", "OPTIONS"})


def check(facts: Facts) -> list[Finding]:
    return [
        *_missing_allow_on_405(facts),
        *_allow_lists_rejected_method(facts),
        *_allowed_method_missing_from_allow(facts),
        *_inconsistent_allow(facts),
        *_allow_header_malformed(facts),
    ]


def _missing_allow_on_405(facts: Facts) -> list[Finding]:
    bare = [o for o in facts.plain.values() if o.status == 405 and o.header("allow") is None]
    # A phantom id's 405 is the route's refusal too, and as bare without Allow.
    bare += [
        o
        for method in PLAIN_METHODS
        if method not in facts.plain
        and (o := facts.answered(method)) is not None
        and o.status == 405
        and o.header("allow") is None
    ]
    if not bare:
        return []
    layer = facts.layers.get(bare[0].probe)
    return [
        make_finding(
            facts,
            "missing_allow_on_405",
            title=f"405 without Allow for {join_methods([_named(o) for o in bare])}",
            probes=[o.probe for o in bare],
            methods=[o.method for o in bare],
            layer=layer.label if layer else None,
            stack=layer.stack if layer else None,
        )
    ]


def _named(observation: Observation) -> str:
    if observation.kind is ProbeKind.PHANTOM:
        return f"{observation.method} (on a phantom id)"
    return observation.probe


def _allow_lists_rejected_method(facts: Facts) -> list[Finding]:
    findings = []
    for source in facts.allow_sources:
        lying = [
            m
            for m in sorted(source.allow.methods, key=_order)
            if facts.answered(m) is not None and facts.verdict(m) is Verdict.REJECTED
        ]
        if lying:
            findings.append(
                make_finding(
                    facts,
                    "allow_lists_rejected_method",
                    title=(
                        f"Allow on the {source.status} to {source.probe} lists "
                        f"{join_methods(lying)}, but {'it is' if len(lying) == 1 else 'they are'} "
                        "answered " + join_methods(sorted({str(_status(facts, m)) for m in lying}))
                    ),
                    probes=[source.probe, *(facts.probe_for(m) for m in lying)],
                    methods=lying,
                    headers=[(source.probe, "allow", source.allow.raw)],
                )
            )
            break  # one Allow value tells the story; the rest repeat it
    return findings


def _status(facts: Facts, method: str) -> int | None:
    answer = facts.answered(method)
    return answer.status if answer is not None else None


def _allowed_method_missing_from_allow(facts: Facts) -> list[Finding]:
    advertised = facts.advertised_allow
    if advertised is None:
        return []
    listed = advertised.allow.methods
    if advertised.allow.wildcard:
        return []
    missing = [
        m
        for m in facts.served_methods
        if facts.observed(m)
        and m not in listed
        and m not in _NOT_EXPECTED_IN_ALLOW
        and not (m == "HEAD" and "GET" in listed)
    ]
    if not missing:
        return []
    return [
        make_finding(
            facts,
            "allowed_method_missing_from_allow",
            title=(
                f"{join_methods(missing)} {'is' if len(missing) == 1 else 'are'} served "
                f"({', '.join(f'{m} {facts.plain[m].status}' for m in missing)}) but "
                f"Allow on the {advertised.status} to {advertised.probe} says "
                f"'{advertised.allow.raw}'"
            ),
            probes=[advertised.probe, *missing],
            methods=missing,
            headers=[(advertised.probe, "allow", advertised.allow.raw)],
        )
    ]


def _inconsistent_allow(facts: Facts) -> list[Finding]:
    distinct: dict[frozenset[str], list[str]] = {}
    raw: dict[frozenset[str], str] = {}
    for source in facts.allow_sources:
        # Lists that differ only by HEAD (implied by GET) or OPTIONS (answered by the
        # framework, often left out) describe the same resource.
        methods = source.allow.methods - _IMPLIED_IN_ALLOW
        distinct.setdefault(methods, []).append(source.probe)
        raw.setdefault(methods, source.allow.raw)
    if len(distinct) < 2:
        return []
    variants = [
        f"'{format_methods(methods, PLAIN_METHODS)}' on {join_methods(probes)}"
        for methods, probes in distinct.items()
    ]
    # The methods the lists disagree on: a cause naming all of them explains the finding.
    disputed = frozenset.union(*distinct) - frozenset.intersection(*distinct)
    return [
        make_finding(
            facts,
            "inconsistent_allow",
            title=f"Allow differs between answers: {'; '.join(variants)}",
            probes=[probes[0] for probes in distinct.values()],
            methods=sorted(disputed, key=_order),
            headers=[(probes[0], "allow", raw[methods]) for methods, probes in distinct.items()],
        )
    ]


def _allow_header_malformed(facts: Facts) -> list[Finding]:
    seen: set[str] = set()
    findings = []
    for source in facts.allow_sources:
        if not source.allow.problems or source.allow.raw in seen:
            continue
        seen.add(source.allow.raw)
        findings.append(
            make_finding(
                facts,
                "allow_header_malformed",
                title=f"Malformed Allow '{source.allow.raw}': {'; '.join(source.allow.problems)}",
                probes=[source.probe],
                headers=[(source.probe, "allow", source.allow.raw)],
                detail="; ".join(source.allow.problems),
            )
        )
    return findings


def _order(method: str) -> int:
    return PLAIN_METHODS.index(method) if method in PLAIN_METHODS else len(PLAIN_METHODS)
