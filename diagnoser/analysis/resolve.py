"""Root causes, one finding each: rules emit candidate findings, and this pass keeps the
causes, folds the symptoms they explain into the cause's evidence, and sets notes apart.

A cause declares which symptoms it explains here, next to every other declaration, so
a new rule says what it explains in one place and tests assert on the resolved list.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from diagnoser.analysis.catalog import NOTE_RULES, RULE_ORDER
from diagnoser.analysis.model import Evidence, Finding


@dataclass(frozen=True)
class Explains:
    symptom: str  # rule id of the symptom
    # True: any finding of the symptom rule is explained; False: only one whose methods
    # are all among the cause's methods (the cause explains those methods, not others).
    whole: bool


# cause rule id -> the symptoms it explains.
CAUSES: dict[str, tuple[Explains, ...]] = {
    # No CORS at all: every failing preflight, missing Allow-Origin or header and a
    # refused OPTIONS are what "no CORS" looks like, not separate problems.
    "cors_not_enabled": (
        Explains("preflight_missing_allow_origin", whole=True),
        Explains("preflight_header_not_allowed", whole=True),
        Explains("preflight_method_not_allowed", whole=True),
        Explains("options_not_supported", whole=True),
    ),
    # The origin is not allowed: the preflights fail for that reason, not per method.
    "preflight_missing_allow_origin": (Explains("preflight_method_not_allowed", whole=False),),
    # A web server or gateway that forbids a verb answers it its own way (IIS's 404.6,
    # a bare 405): those answers are the forbidding, not a routing problem.
    "gateway_forbids_method": (
        Explains("method_falls_to_404", whole=False),
        Explains("missing_allow_on_405", whole=False),
    ),
    # Allow lists that disagree only on a method served but left out of one list, or
    # listed but rejected, are that one problem seen twice.
    "allowed_method_missing_from_allow": (Explains("inconsistent_allow", whole=False),),
    "allow_lists_rejected_method": (Explains("inconsistent_allow", whole=False),),
    # HEAD answered unlike GET is the HEAD rules' business, whatever the status.
    "head_not_supported": (Explains("method_falls_to_404", whole=False),),
    "head_get_mismatch": (Explains("method_falls_to_404", whole=False),),
    # An undeclared method answered 404, 3xx or 5xx: the routing rule that names the
    # mechanism is the cause; the contract only adds that the method is not declared.
    "method_falls_to_404": (Explains("undeclared_method_not_rejected", whole=False),),
    "redirect_changes_method": (Explains("undeclared_method_not_rejected", whole=False),),
    "server_error_on_method": (Explains("undeclared_method_not_rejected", whole=False),),
}

# The order a server applies to a request (DESIGN.md "Root causes and the answer"):
# what fails earlier explains what would be judged later. Lower group, higher precedence.
PRECEDENCE: dict[str, int] = {
    **dict.fromkeys(
        (
            "rejected_before_routing",
            "probe_failed",
            "resource_not_found",
            "credentials_required",
        ),
        0,
    ),
    **dict.fromkeys(
        (
            "redirect_changes_method",
            "method_falls_to_404",
            "server_error_on_method",
            "head_not_supported",
            "head_get_mismatch",
            "unknown_method_not_501",
            "trace_enabled",
            # What the route does with a method, measured against the document.
            "contract_method_missing",
            "undocumented_method_served",
            "undeclared_method_not_rejected",
        ),
        1,
    ),
    "gateway_forbids_method": 2,
    **dict.fromkeys(
        (
            "cors_not_enabled",
            "preflight_method_not_allowed",
            "preflight_header_not_allowed",
            "preflight_missing_allow_origin",
            "options_not_supported",
            "cors_wildcard_with_credentials",
            "cors_reflects_any_origin",
            "preflight_allows_rejected_method",
        ),
        3,
    ),
}
_HYGIENE = 4  # Allow hygiene and anything not named above


def precedence(rule: str) -> int:
    return PRECEDENCE.get(rule, _HYGIENE)


def rank(finding: Finding) -> tuple[int, int, int]:
    """Most severe first; among equals, what a server checks first."""
    return (finding.severity.rank, precedence(finding.rule), RULE_ORDER[finding.rule])


def resolve(candidates: Iterable[Finding]) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """(findings, notes): causes with their symptoms folded in, and the notes."""
    candidates = list(candidates)
    notes = tuple(f for f in candidates if f.rule in NOTE_RULES)
    kept = [f for f in candidates if f.rule not in NOTE_RULES]
    folded: dict[int, list[Finding]] = {}
    explained: set[int] = set()
    for index, cause in enumerate(kept):
        for declaration in CAUSES.get(cause.rule, ()):
            for other, symptom in enumerate(kept):
                if other in explained or other == index or symptom.rule != declaration.symptom:
                    continue
                if declaration.whole or set(symptom.evidence.methods) <= set(
                    cause.evidence.methods
                ):
                    explained.add(other)
                    folded.setdefault(index, []).append(symptom)
    findings = [
        _fold(cause, folded.get(index, []))
        for index, cause in enumerate(kept)
        if index not in explained
    ]
    return tuple(sorted(findings, key=rank)), notes


def _fold(cause: Finding, symptoms: list[Finding]) -> Finding:
    """The cause, its evidence grown by what its symptoms showed."""
    if not symptoms:
        return cause
    evidence = cause.evidence
    also = "; ".join(f"{s.rule}: {s.title}" for s in symptoms)
    detail = " ".join(part for part in (evidence.detail, f"Explains: {also}.") if part)
    return dataclasses.replace(
        cause,
        evidence=Evidence(
            methods=evidence.methods,
            statuses=_union(evidence.statuses, *(s.evidence.statuses for s in symptoms)),
            headers=_union(evidence.headers, *(s.evidence.headers for s in symptoms)),
            layer=evidence.layer,
            detail=detail,
        ),
        reproduce=_union(cause.reproduce, *(s.reproduce for s in symptoms))[:4],
    )


_T = TypeVar("_T")


def _union(first: tuple[_T, ...], *more: tuple[_T, ...]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys([*first, *(item for group in more for item in group)]))
