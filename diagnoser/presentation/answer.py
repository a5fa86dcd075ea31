"""The answer panel every diagnosis page leads with: verdict, the one cause, the layer
that answered, the sentence, the stack's fix and the curl line.

Built from an analysis Answer or from the `answer` object of a diagnosis document (a
shared snapshot or the Diagnose page's scrubbed document), so one partial
(templates/presentation/_answer.html) draws it everywhere. Every code it shows carries
its meaning for a title attribute here, so no template decides wording.
"""

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from diagnoser.analysis.answer import NOT_SUPPORTED
from diagnoser.analysis.catalog import RULES
from diagnoser.analysis.facts import verdict_for
from diagnoser.analysis.model import Answer, Verdict
from diagnoser.presentation.verdicts import VERDICT_GLOSSARY, verdict_class

# Verdicts of an answer that are no method's verdict: the overall answer's.
_OVERALL_VERDICTS = {
    "ok": ("ok", "no warning or error: the resource answers methods as RFC 9110 asks"),
    "unknown": ("unknown", "nothing observed tells the answer"),
}
_NOT_SUPPORTED_HINT = (
    "the route does not serve this method and says so correctly (405 or 501 with a right "
    "Allow): nothing is broken, the method is just not there"
)


@dataclass(frozen=True)
class AnswerPanel:
    method: str | None
    question: str
    verdict: str  # "ok", "problem" or a method verdict's words
    verdict_hint: str
    verdict_css: str
    status: str
    status_hint: str
    status_css: str
    cause: str | None  # a rule id, method_not_supported, or None when the method works
    cause_hint: str
    cause_href: str  # "#<anchor>-<rule>" when the finding is on the page, else ""
    layer: str
    sentence: str
    fix: str
    reproduce: str


def _status_hint(status: int | None) -> str:
    if status is None:
        return ""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return f"{status}: a status code RFC 9110 does not define"
    return f"{status} {phrase}"


def _verdict(verdict: str, cause: str | None) -> tuple[str, str, str]:
    """(words, hint, css class) of the answer's verdict."""
    if verdict in _OVERALL_VERDICTS:
        words, hint = _OVERALL_VERDICTS[verdict]
        css = "sev-ok" if verdict == "ok" and cause is None else "sev-todo"
        return words, hint, css
    try:
        gloss = VERDICT_GLOSSARY[Verdict(verdict)]
    except ValueError:
        return verdict, "", "sev-todo"
    works = Verdict(verdict) is Verdict.ACCEPTED and cause is None
    css = "sev-ok" if works else "sev-todo" if cause == NOT_SUPPORTED else "sev-error"
    return gloss.label, gloss.hint, css


def _status_css(verdict: str, status: int | None) -> str:
    """The status in its verdict's colour, as in the matrix and the strips."""
    if status is None:
        return ""
    try:
        return verdict_class(Verdict(verdict))
    except ValueError:  # an overall verdict ("ok"): the status tells the method's
        return verdict_class(verdict_for(status))


def _cause_hint(cause: str | None) -> str:
    if cause is None:
        return ""
    if cause == NOT_SUPPORTED:
        return _NOT_SUPPORTED_HINT
    rule = RULES.get(cause)
    return f"Rule {cause}: {rule.summary}" if rule else f"Rule {cause}"


def _question(method: str | None, status: int | None, verdict: str, *, overall: bool) -> str:
    if method is None:
        return "The answer"
    if status is not None:
        question = f"Why does {method} get {status}?"
    elif verdict == Verdict.FAILED.value:
        question = f"Why does {method} fail?"
    else:
        question = f"What happens to {method}?"
    # Nobody asked about this method: it is where the most severe cause shows.
    return f"The most severe cause: {question[0].lower()}{question[1:]}" if overall else question


def answer_panel(
    answer: Answer | Mapping[str, Any],
    *,
    finding_rules: Iterable[str] = (),
    anchor: str = "finding",
    question: str = "",
    overall: bool = False,
) -> AnswerPanel:
    """finding_rules: the rules of the findings shown below, so the cause links to its
    finding only when it is there; anchor: the prefix of those findings' element ids;
    overall: the answer is the diagnosis' most severe cause, not for an asked method."""
    data = dataclasses.asdict(answer) if isinstance(answer, Answer) else dict(answer)
    method, status, cause = data["method"], data["status"], data["cause"]
    verdict, verdict_hint, verdict_css = _verdict(data["verdict"], cause)
    return AnswerPanel(
        method=method,
        question=question or _question(method, status, data["verdict"], overall=overall),
        verdict=verdict,
        verdict_hint=verdict_hint,
        verdict_css=verdict_css,
        status="" if status is None else str(status),
        status_hint=_status_hint(status),
        status_css=_status_css(data["verdict"], status),
        cause=cause,
        cause_hint=_cause_hint(cause),
        cause_href=f"#{anchor}-{cause}" if cause and cause in set(finding_rules) else "",
        layer=data["layer"] or "",
        sentence=data["sentence"],
        fix=data["fix"],
        reproduce=data["reproduce"],
    )
