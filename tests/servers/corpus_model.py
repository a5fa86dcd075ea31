"""The vocabulary of corpus.py: one Case per URL, built from a compact Spec.

See corpus.py for what each field means; this module only holds the machinery, so the
data file stays data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ORIGIN = "https://app.example"
VERBS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
# What our own probing did is a note, never a finding (issue 9, point 3).
ALWAYS_SILENT = frozenset({"precondition_ignored"})
# Rules that have nothing to say about a correctly configured stack.
CORRECT_SILENT = frozenset(
    {
        "resource_not_found",
        "rejected_before_routing",
        "missing_allow_on_405",
        "allow_lists_rejected_method",
        "allowed_method_missing_from_allow",
        "inconsistent_allow",
        "allow_header_malformed",
        "options_not_supported",
        "head_not_supported",
        "head_get_mismatch",
        "method_falls_to_404",
        "gateway_forbids_method",
        "redirect_changes_method",
        "server_error_on_method",
        "preflight_method_not_allowed",
        "preflight_header_not_allowed",
        "preflight_missing_allow_origin",
        "cors_wildcard_with_credentials",
        "cors_reflects_any_origin",
        "probe_failed",
    }
)


@dataclass(frozen=True)
class Case:
    stack: str
    path: str
    matrix: dict[str, int]
    findings: frozenset[str]
    cors: str
    with_origin: frozenset[str]
    causes: dict[str, str | None]
    origin_causes: dict[str, str | None]
    silent: frozenset[str]
    why: str = ""

    def expected(self, *, origin: bool) -> frozenset[str]:
        extra = self.with_origin | ({"cors_not_enabled"} if self.cors == "none" else set())
        return self.findings | extra if origin else self.findings

    def silences(self, *, origin: bool) -> frozenset[str]:
        silent = self.silent
        if not origin or self.cors != "none":
            silent |= {"cors_not_enabled"}
        return silent - self.expected(origin=origin)

    def cause(self, method: str, *, origin: bool) -> tuple[bool, str | None]:
        """(whether a cause is expected for the method, the cause)."""
        if origin and method in self.origin_causes:
            return True, self.origin_causes[method]
        if method in self.causes:
            return True, self.causes[method]
        return False, None


@dataclass
class Spec:
    matrix: str
    findings: str = ""
    cors: str = "none"
    with_origin: str = ""
    causes: str = "GET=- PATCH=method_not_supported"
    origin_causes: str = ""
    silent: str = ""
    correct: bool = False
    why: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def parse_causes(text: str) -> dict[str, str | None]:
    pairs = (item.split("=", 1) for item in text.split())
    return {method: (None if cause == "-" else cause) for method, cause in pairs}


def build_case(stack: str, path: str, spec: Spec) -> Case:
    findings = frozenset(spec.findings.split())
    silent = frozenset(spec.silent.split())
    if spec.correct:
        silent |= CORRECT_SILENT
    matrix = dict(zip(VERBS, (int(s) for s in spec.matrix.split()), strict=True))
    origin_causes = parse_causes(spec.origin_causes)
    # A served POST from a page on ORIGIN: it works where CORS is set up, and fails in
    # the browser for want of CORS where there is none at all.
    if 200 <= matrix["POST"] < 300 and spec.cors in ("none", "ok"):
        origin_causes.setdefault("POST", "cors_not_enabled" if spec.cors == "none" else None)
    return Case(
        stack=stack,
        path=path,
        matrix=matrix,
        findings=findings,
        cors=spec.cors,
        with_origin=frozenset(spec.with_origin.split()),
        causes=parse_causes(spec.causes),
        origin_causes=origin_causes,
        silent=(silent - findings),
        why=spec.why,
    )


# A route that serves what it should and refuses the rest with 405 + a right Allow.
def correct(matrix: str, **kw: str) -> Spec:
    return Spec(matrix=matrix, correct=True, **kw)  # type: ignore[arg-type]
