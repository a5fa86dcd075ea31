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


# The one colour table of probe answers, keyed by what the answer means and never by its
# status range: matrix cells, status strips and the answer panel all colour through it,
# and verdict_legend() explains it. Six colours: accepted, rejected (405/501), missing
# (no route here: 404, or redirected away), forbidden (a layer turned it away: 403, 401),
# error (5xx, or no response) and unknown.
_VERDICT_CLASS: dict[Verdict, str] = {
    Verdict.ACCEPTED: "v-accepted",
    Verdict.REDIRECTED: "v-missing",
    Verdict.AUTH_REQUIRED: "v-forbidden",
    Verdict.REJECTED: "v-rejected",
    Verdict.NOT_FOUND: "v-missing",
    Verdict.FORBIDDEN: "v-forbidden",
    Verdict.ERROR: "v-error",
    Verdict.FAILED: "v-error",
    Verdict.UNKNOWN: "v-unknown",
}
# The made-up verb refused with 405/501: the answer RFC 9110 asks for, so calm, not a
# rejection; the matrix legend adds it to the verdict legend.
RIGHT_ANSWER_CLASS = "v-right"


def verdict_class(verdict: Verdict) -> str:
    """CSS class for a verdict, in the colours verdict_legend() explains."""
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
    """CSS class for a bare status code that is no probe's answer (a webhook delivery);
    probe answers are coloured by verdict_class."""
    if status is None:
        return "sfail"
    if status == 405:
        return "s405"
    return f"s{min(max(status // 100, 2), 5)}xx"
