"""Comparing method matrices: between environments (env_allow_drift) and between two
runs of one environment (method_regression)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from diagnoser.analysis.catalog import RULES
from diagnoser.analysis.fixes import fix_steps
from diagnoser.analysis.headers import format_methods, parse_method_list
from diagnoser.analysis.layers import Stack
from diagnoser.analysis.model import (
    Basis,
    Evidence,
    Finding,
    MethodCell,
    MethodMatrix,
    Severity,
    Verdict,
)
from diagnoser.probing.model import PLAIN_METHODS

# Verdicts that say something definite about the method; UNKNOWN/FAILED cells are
# missing data, not drift.
_DEFINITE = frozenset(
    {
        Verdict.ACCEPTED,
        Verdict.REJECTED,
        Verdict.NOT_FOUND,
        Verdict.FORBIDDEN,
        Verdict.REDIRECTED,
        Verdict.ERROR,
        Verdict.AUTH_REQUIRED,
    }
)


@dataclass(frozen=True)
class MethodChange:
    method: str
    before: Verdict
    after: Verdict
    before_status: int | None
    after_status: int | None


# What a report says for a method the probe policy did not send (safe and strict send no
# unsafe verb to the URL itself): its verdict was inferred, not answered.
NOT_SENT = "not sent (safe policy)"


def _not_sent(cell: MethodCell) -> bool:
    return cell.status is None and cell.basis is Basis.INFERRED


def compare(a: MethodMatrix, b: MethodMatrix) -> tuple[MethodChange, ...]:
    """Methods whose definite verdict differs from a to b, in matrix order."""
    changes = []
    for method in PLAIN_METHODS:
        left, right = a.cell(method), b.cell(method)
        if left is None or right is None:
            continue
        if (
            left.verdict in _DEFINITE
            and right.verdict in _DEFINITE
            and left.verdict != right.verdict
        ):
            changes.append(
                MethodChange(method, left.verdict, right.verdict, left.status, right.status)
            )
    return tuple(changes)


Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class PairChange(Generic[Key]):
    """A method two environments answer differently; `change.before` is `left`'s side."""

    left: Key
    right: Key
    change: MethodChange


def pairwise_changes(matrices: Mapping[Key, MethodMatrix]) -> tuple[PairChange[Key], ...]:
    """Every pair of matrices (in mapping order, each pair once) and the methods whose
    definite verdicts differ between the two. Keys are whatever the caller names
    environments by (name, id)."""
    keys = list(matrices)
    return tuple(
        PairChange(left, right, change)
        for i, left in enumerate(keys)
        for right in keys[i + 1 :]
        for change in compare(matrices[left], matrices[right])
    )


def drifting_methods(matrices: Mapping[Key, MethodMatrix]) -> tuple[str, ...]:
    """The methods whose definite verdicts differ between some two matrices, in matrix
    order: what env_allow_drift names."""
    differing = {pair.change.method for pair in pairwise_changes(matrices)}
    return tuple(method for method in PLAIN_METHODS if method in differing)


@dataclass(frozen=True)
class SetChange(Generic[Key]):
    """The accepted-method set of one target moved: `at` names the run that showed it."""

    at: Key
    added: tuple[str, ...]
    removed: tuple[str, ...]


def accepted_set_changes(runs: Sequence[tuple[Key, MethodMatrix]]) -> tuple[SetChange[Key], ...]:
    """The runs (oldest first) at which a method joined or left the accepted set. A
    method's last definite verdict carries over runs that say nothing definite about it
    (a failed probe, an unknown cell): missing data is not a change."""
    accepted: dict[str, bool] = {}
    changes: list[SetChange[Key]] = []
    for key, matrix in runs:
        added: list[str] = []
        removed: list[str] = []
        for method in PLAIN_METHODS:
            cell = matrix.cell(method)
            if cell is None or cell.verdict not in _DEFINITE:
                continue
            now = cell.verdict is Verdict.ACCEPTED
            if accepted.get(method, now) != now:
                (added if now else removed).append(method)
            accepted[method] = now
        if added or removed:
            changes.append(SetChange(key, tuple(added), tuple(removed)))
    return tuple(changes)


def advertised_drift(
    matrices: Mapping[Key, MethodMatrix], header: Literal["allow", "allow_methods"]
) -> frozenset[Key]:
    """The keys whose Allow (or Access-Control-Allow-Methods) names another set of methods
    than some other key's; an absent header differs from a present one."""
    sets = {
        key: parse_method_list(value).methods if (value := getattr(m, header)) is not None else None
        for key, m in matrices.items()
    }
    return frozenset(
        key
        for key, mine in sets.items()
        if any(other != mine for k, other in sets.items() if k != key)
    )


def environment_drift(matrices: Mapping[str, MethodMatrix]) -> tuple[Finding, ...]:
    """One env_allow_drift finding when the accepted-method sets differ between envs."""
    differing = drifting_methods(matrices)
    if not differing:
        return ()
    sides = "; ".join(
        f"{name}: {format_methods(set(m.accepted), PLAIN_METHODS) or 'none'}"
        for name, m in matrices.items()
    )
    rule = RULES["env_allow_drift"]
    headers = tuple(
        (name, header, value)
        for name, matrix in matrices.items()
        for header, value in (
            ("allow", matrix.allow),
            ("access-control-allow-methods", matrix.allow_methods),
        )
        if value is not None
    )
    cells = [
        (f"{name}:{method}", cell)
        for method in differing
        for name, matrix in matrices.items()
        if (cell := matrix.cell(method)) is not None
    ]
    # A method the policy did not send has no status: saying "no response" would blame
    # the server for a request it never got.
    statuses = tuple((probe, cell.status) for probe, cell in cells if not _not_sent(cell))
    unsent = [probe for probe, cell in cells if _not_sent(cell)]
    detail = f"{NOT_SENT.capitalize()}: {', '.join(unsent)}; verdicts inferred." if unsent else ""
    return (
        Finding(
            rule=rule.id,
            severity=rule.severity,
            title=f"{', '.join(differing)} answered differently across environments ({sides})",
            explanation=rule.explanation,
            evidence=Evidence(
                methods=tuple(differing), statuses=statuses, headers=headers, detail=detail
            ),
            fix=fix_steps(rule.id, Stack.UNKNOWN),
        ),
    )


def regressions(before: MethodMatrix, after: MethodMatrix) -> tuple[Finding, ...]:
    """One method_regression finding listing every method whose verdict changed."""
    changes = compare(before, after)
    if not changes:
        return ()
    rule = RULES["method_regression"]
    described = "; ".join(
        f"{c.method} {c.before.value} ({c.before_status or NOT_SENT}) -> "
        f"{c.after.value} ({c.after_status or NOT_SENT})"
        for c in changes
    )
    lost = [c.method for c in changes if c.before is Verdict.ACCEPTED]
    return (
        Finding(
            rule=rule.id,
            severity=Severity.ERROR if lost else Severity.WARNING,
            title=f"Method verdicts changed since the previous run: {described}",
            explanation=rule.explanation,
            evidence=Evidence(
                methods=tuple(c.method for c in changes),
                statuses=tuple(
                    (f"after:{c.method}", c.after_status) for c in changes if c.after_status
                ),
            ),
            fix=fix_steps(rule.id, Stack.UNKNOWN),
        ),
    )
