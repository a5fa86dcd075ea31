"""What a verdict and a status look like on a page: labels, hints and colour classes,
spelled here once."""

from dataclasses import dataclass

from diagnoser.analysis.model import Verdict


@dataclass(frozen=True)
class VerdictGloss:
    label: str  # the verdict in words
    hint: str  # a few words, for a title attribute
    answer: str  # what it means for the method that failed, for "why does M get S?"


# In the order a server decides: route, method, authorisation.
VERDICT_GLOSSARY: dict[Verdict, VerdictGloss] = {
    Verdict.ACCEPTED: VerdictGloss(
        "accepted",
        "the route handled the method",
        "The resource handles this method here: the failure is in the request you send "
        "(body, headers, credentials) or in a layer between you and this URL.",
    ),
    Verdict.REDIRECTED: VerdictGloss(
        "redirected",
        "redirected: the method was not handled at this URL",
        "The URL redirects instead of handling the method; clients that follow a 301/302 "
        "turn the method into GET. Call the final URL, or redirect with 307/308.",
    ),
    Verdict.AUTH_REQUIRED: VerdictGloss(
        "auth required",
        "credentials required: routing can't be judged",
        "Credentials are checked before routing: add them (extra headers) to see which "
        "methods the resource serves.",
    ),
    Verdict.REJECTED: VerdictGloss(
        "rejected",
        "not supported here (405/501)",
        "The route exists but does not support this method (405), or the server does not "
        "know the method at all (501). Allow names the methods it takes.",
    ),
    Verdict.NOT_FOUND: VerdictGloss(
        "not found",
        "404: no route, or the method fell through to none",
        "No route answers this method at this URL: the path is wrong, or the route is "
        "registered for other methods only and this one falls through to 404.",
    ),
    Verdict.FORBIDDEN: VerdictGloss(
        "forbidden",
        "403: a layer may be blocking the verb",
        "The route and method may be fine but the caller is not permitted, or a gateway or "
        "WAF blocks the verb: see which layer answered.",
    ),
    Verdict.ERROR: VerdictGloss(
        "error",
        "server error",
        "The server failed while handling the method (5xx) instead of refusing it with 405/501.",
    ),
    Verdict.FAILED: VerdictGloss(
        "failed",
        "no response",
        "No response arrived for this method: see the error on its row.",
    ),
    Verdict.UNKNOWN: VerdictGloss(
        "unknown",
        "not probed and nothing to infer from",
        "The safe policy did not send this method and nothing observed says what the "
        "resource does with it; diagnose with the full policy to send it.",
    ),
}


def verdict_label(verdict: Verdict | str) -> str:
    """ "not found" for Verdict.NOT_FOUND (or its stored value "not_found")."""
    return VERDICT_GLOSSARY[Verdict(verdict)].label


def status_class(status: int | None) -> str:
    """CSS class for a status code; 405 has its own because it is what we diagnose."""
    if status is None:
        return "sfail"
    if status == 405:
        return "s405"
    return f"s{min(max(status // 100, 2), 5)}xx"
