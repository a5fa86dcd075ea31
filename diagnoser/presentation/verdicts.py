"""What a verdict and a status look like on a page: labels, hints and colour classes,
spelled here once."""

from dataclasses import dataclass

from diagnoser.analysis.model import Verdict


@dataclass(frozen=True)
class VerdictGloss:
    label: str  # the verdict in words
    hint: str  # a few words, for a title attribute


# In the order a server decides: route, method, authorisation.
VERDICT_GLOSSARY: dict[Verdict, VerdictGloss] = {
    Verdict.ACCEPTED: VerdictGloss("accepted", "the route handled the method"),
    Verdict.REDIRECTED: VerdictGloss(
        "redirected", "redirected: the method was not handled at this URL"
    ),
    Verdict.AUTH_REQUIRED: VerdictGloss(
        "auth required", "credentials required: routing can't be judged"
    ),
    Verdict.REJECTED: VerdictGloss("rejected", "not supported here (405/501)"),
    Verdict.NOT_FOUND: VerdictGloss(
        "not found", "404: no route, or the method fell through to none"
    ),
    Verdict.FORBIDDEN: VerdictGloss("forbidden", "403: a layer may be blocking the verb"),
    Verdict.ERROR: VerdictGloss("error", "server error"),
    Verdict.FAILED: VerdictGloss("failed", "no response"),
    Verdict.UNKNOWN: VerdictGloss("unknown", "not probed and nothing to infer from"),
}


def verdict_label(verdict: Verdict | str) -> str:
    """ "not found" for Verdict.NOT_FOUND (or its stored value "not_found")."""
    return VERDICT_GLOSSARY[Verdict(verdict)].label


# The matrix's status colours, keyed by what the answer means: a strip of runs has only
# the verdict of each. Unknown is "snone", the matrix's colour for no observation.
_VERDICT_CLASS: dict[Verdict, str] = {
    Verdict.ACCEPTED: "s2xx",
    Verdict.REDIRECTED: "s3xx",
    Verdict.AUTH_REQUIRED: "s4xx",
    Verdict.REJECTED: "s405",
    Verdict.NOT_FOUND: "s4xx",
    Verdict.FORBIDDEN: "s4xx",
    Verdict.ERROR: "s5xx",
    Verdict.FAILED: "sfail",
    Verdict.UNKNOWN: "snone",
}


def verdict_class(verdict: Verdict) -> str:
    """CSS class for a verdict, in the colours the matrix legend explains."""
    return _VERDICT_CLASS[verdict]


@dataclass(frozen=True)
class LegendEntry:
    css: str
    label: str  # the verdicts drawn in this colour, in words
    hint: str


def verdict_legend() -> list[LegendEntry]:
    """One entry per verdict colour, in the glossary's order, naming every verdict that
    shares it: the legend of anything coloured by verdict alone."""
    by_class: dict[str, list[Verdict]] = {}
    for verdict in VERDICT_GLOSSARY:
        by_class.setdefault(_VERDICT_CLASS[verdict], []).append(verdict)
    return [
        LegendEntry(
            css,
            ", ".join(VERDICT_GLOSSARY[v].label for v in verdicts),
            "; ".join(VERDICT_GLOSSARY[v].hint for v in verdicts),
        )
        for css, verdicts in by_class.items()
    ]


def status_class(status: int | None) -> str:
    """CSS class for a status code; 405 has its own because it is what we diagnose."""
    if status is None:
        return "sfail"
    if status == 405:
        return "s405"
    return f"s{min(max(status // 100, 2), 5)}xx"
