"""The analysis vocabulary: findings, method verdicts and checklist steps."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.StrEnum):
    ERROR = "error"  # breaks clients or violates a MUST of RFC 9110
    WARNING = "warning"  # likely a bug or a risk
    INFO = "info"  # worth knowing

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


class Verdict(enum.StrEnum):
    """What the resource does with one method, as far as the probes tell."""

    ACCEPTED = "accepted"  # the route handled the method (2xx, 3xx, 400, 401, 409, 412, 422...)
    REDIRECTED = "redirected"  # 3xx: the method was not handled at this URL
    AUTH_REQUIRED = "auth_required"  # 401/407: routing can't be judged without credentials
    REJECTED = "rejected"  # 405 or 501: the method is not supported here
    NOT_FOUND = "not_found"  # 404 (route may not exist, or the method fell through)
    FORBIDDEN = "forbidden"  # 403 (a layer may be blocking the verb)
    ERROR = "error"  # 5xx other than 501
    FAILED = "failed"  # no response (timeout, refused, blocked...)
    UNKNOWN = "unknown"  # not probed and nothing to infer from


@dataclass(frozen=True)
class Evidence:
    """Facts a finding rests on, for people and for the JSON interface."""

    methods: tuple[str, ...] = ()
    # probe name -> status (None when the probe failed)
    statuses: tuple[tuple[str, int | None], ...] = ()
    # (probe name, header name, value) triples
    headers: tuple[tuple[str, str, str], ...] = ()
    # which layer answered, e.g. "nginx/1.22.1" or "Via: 1.1 varnish"
    layer: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Finding:
    rule: str  # stable id from the rule catalog
    severity: Severity
    title: str  # one line, specific to the evidence
    explanation: str  # why this matters, citing RFC 9110 where it applies
    evidence: Evidence
    fix: tuple[str, ...]  # concrete steps for the evidence at hand
    reproduce: tuple[str, ...] = ()  # curl lines, secrets redacted


class Basis(enum.StrEnum):
    """What a matrix cell rests on; pages show it beside the verdict."""

    OBSERVED = "observed"  # the method was sent to the URL itself
    # Sent to the route template filled with an id that cannot exist: the route's answer,
    # not the sample resource's (DESIGN.md "Probing safely").
    PHANTOM = "phantom"
    INFERRED = "inferred"  # not sent: read from Allow, preflights or the stack's behaviour


@dataclass(frozen=True)
class MethodCell:
    """One method's row in the matrix: what the probe saw, or what we inferred."""

    method: str
    verdict: Verdict
    status: int | None
    # True only when the method was sent to the URL itself; rules read the observation
    # behind such a cell. Phantom and inferred cells are False.
    observed: bool
    source: str = ""  # for cells not observed: what the verdict came from, or why unknown
    note: str = ""  # a caveat, e.g. "same answer as the unknown verb: catch-all"
    # Derived from `observed` when not given, so older callers and stored matrices read on.
    basis: Basis | None = None

    def __post_init__(self) -> None:
        if self.basis is None:
            object.__setattr__(self, "basis", Basis.OBSERVED if self.observed else Basis.INFERRED)
        elif self.observed != (self.basis is Basis.OBSERVED):
            raise ValueError("MethodCell.observed must say whether basis is OBSERVED")


@dataclass(frozen=True)
class MethodMatrix:
    """Per-method verdicts for one target, the unit drift compares."""

    cells: tuple[MethodCell, ...]
    allow: str | None = None  # the Allow value the resource advertises (OPTIONS or 405)
    allow_methods: str | None = None  # Access-Control-Allow-Methods from the preflights

    def cell(self, method: str) -> MethodCell | None:
        for cell in self.cells:
            if cell.method == method:
                return cell
        return None

    @property
    def accepted(self) -> frozenset[str]:
        return frozenset(c.method for c in self.cells if c.verdict is Verdict.ACCEPTED)


@dataclass(frozen=True)
class ChecklistStep:
    title: str
    detail: str
    commands: tuple[str, ...] = ()
    rule: str | None = None  # the finding this step comes from, None for generic steps
    severity: Severity | None = None
    # "problem": the observations show something to fix here; "ok": they show this check
    # passes; "todo": they can't tell, a person has to look.
    state: str = "todo"


@dataclass(frozen=True)
class Answer:
    """The answer to "why does my M fail?", for one method or the worst cause.

    cause is a rule id, "method_not_supported" when the route does not serve the method
    and says so correctly (405 or 501 with a right Allow), or None when the method works.
    """

    method: str | None
    verdict: str
    status: int | None
    cause: str | None
    layer: str | None  # the layer that answered, e.g. "Werkzeug/3.1.9 Python/3.11.7"
    sentence: str
    fix: str
    reproduce: str  # a curl line, secrets redacted


@dataclass(frozen=True)
class Diagnosis:
    """Everything analysis says about one probe report."""

    matrix: MethodMatrix
    findings: tuple[Finding, ...]  # root causes only, most severe first
    checklist: tuple[ChecklistStep, ...] = field(default=())
    # What our own probing did (rules marked note in the catalog): shown, never counted.
    notes: tuple[Finding, ...] = field(default=())
    # One answer per matrix method, then the answer without a method (the worst cause).
    answers: tuple[Answer, ...] = field(default=())
    answer: Answer | None = None
