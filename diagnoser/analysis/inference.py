"""Verdicts for methods not sent to the URL: from phantom probes, Allow, or preflights.

A wrong inference is worse than none: a user who reads "PATCH: 405 (inferred)" fixes the
wrong thing. So each clue is cross-checked against the others (every Allow seen, the
made-up verb's answer, Access-Control-Allow-Methods) and against what the answering
stack is known to get wrong (tests/servers/OBSERVED.md has the real answers); when they
disagree the cell stays unknown and says why. blanket.py reads layers that refuse every
unsafe verb alike; routers.py tells an Allow a router built from one written by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from diagnoser.analysis.blanket import blanket_answer
from diagnoser.analysis.headers import MethodList, parse_method_list
from diagnoser.analysis.layers import Stack, identify
from diagnoser.analysis.model import Basis, MethodCell, Verdict
from diagnoser.analysis.routers import allow_builder, express_answered_options
from diagnoser.probing.model import (
    PREFLIGHT_METHODS,
    UNSAFE_METHODS,
    Observation,
    ProbePolicy,
    ProbeReport,
)

VerdictFor = Callable[[int | None], Verdict]

# Routers whose "no route serves this method" page names the method: a 404 carrying it is
# the router's, never a handler's "no such id" (Express/Connect finalhandler, Fastify).
_UNROUTED_BODY = re.compile(r"Cannot (?P<m>[A-Z]+) /|Route (?P<f>[A-Z]+):/\S* not found")

_FASTAPI_ALLOW = (
    "FastAPI and Starlette build Allow from the first route matching the path only, so a "
    "method another route of the same path serves (@app.get and @app.put on one path) is "
    "missing from it"
)
_FASTAPI_405 = re.compile(r"\{\"detail\":\"Method Not Allowed\"\}")
_EXPRESS_404 = "Express answers 404, not 405, for a method no route serves"


@dataclass(frozen=True)
class _Allow:
    probe: str
    status: int
    allow: MethodList

    def lists(self, method: str) -> bool:
        return self.allow.lists(method) or (method == "HEAD" and self.allow.lists("GET"))


class Inference:
    """Reads a report once; `cell(method)` answers for each method not sent to the URL."""

    def __init__(self, report: ProbeReport, *, verdict_for: VerdictFor) -> None:
        self._report = report
        self._verdict_for = verdict_for
        plain = {o.method: o for o in report.plain()}
        self._unknown = plain.get(report.unknown_method)
        self._preflight = {o.method: o for o in report.preflights()}
        self._phantom = {o.method: o for o in report.phantoms()}
        allows = [
            _Allow(o.probe, o.status, parse_method_list(value))
            for o in plain.values()
            if o.status is not None and (value := o.header("allow")) is not None
        ]
        # OPTIONS's 2xx states the resource's methods; 405s restate them.
        self._allows = sorted(
            allows, key=lambda a: (not (a.probe == "OPTIONS" and 200 <= a.status < 300), a.probe)
        )
        layers = [identify(o) for o in plain.values() if o.ok]
        self._stacks = {layer.stack for layer in layers}
        # An ASGI server's header (uvicorn) guesses Starlette; a framework's own error body
        # on another answer (Litestar, Quart's Werkzeug page) says which it really is.
        known = {layer.stack for layer in layers if layer.certain}
        if known and Stack.STARLETTE not in known:
            self._stacks.discard(Stack.STARLETTE)
        # FastAPI registers a route per decorator and never adds HEAD: its JSON 405 body,
        # or an ASGI Allow with GET but no HEAD, tells it from a Starlette Route(methods=).
        self._fastapi = Stack.STARLETTE in self._stacks and (
            any(_FASTAPI_405.match(o.body_excerpt) for o in plain.values())
            or any(a.allow.lists("GET") and not a.allow.lists("HEAD") for a in self._allows)
        )

    def cell(self, method: str) -> MethodCell:
        undecided = ""
        if method in self._phantom:
            cell, undecided = self._from_phantom(method)
            if cell is not None:
                return cell
        blind = self._method_blind()
        if blind is not None:
            status, said = blind
            return _inferred(method, self._verdict_for(status), said)
        blanket = blanket_answer(method, self._report)
        if blanket is not None:
            if blanket.verdict is None:
                return _unknown(method, blanket.said)
            return _inferred(method, blanket.verdict, blanket.said)
        if self._allows:
            return self._from_allow(method, undecided)
        cell = self._from_routed_preflights(method) or self._from_preflight(method)
        if cell is not None:
            return cell
        return _unknown(method, undecided or self._not_sent(method) + "; nothing to infer")

    def _method_blind(self) -> tuple[int, str] | None:
        """The status every method gets when what answers never looks at the method: GET,
        OPTIONS and the made-up verb (which no route serves) got the very same redirect
        or pre-routing refusal. A router that redirects only the methods it serves (a
        trailing-slash rule) answers the made-up verb otherwise, so it isn't taken for one."""
        plain = {o.method: o for o in self._report.plain()}
        first, options, made_up = (
            plain.get(m) for m in ("GET", "OPTIONS", self._report.unknown_method)
        )
        if first is None or options is None or made_up is None:
            return None
        if first.status is None or first.status not in _METHOD_BLIND:
            return None
        if not _fingerprint(first) == _fingerprint(options) == _fingerprint(made_up):
            return None
        to = f" to {first.header('location')}" if first.header("location") else ""
        return first.status, (
            f"GET, OPTIONS and the made-up verb {self._report.unknown_method} all got the "
            f"same {first.status}{to}: what answers here does not look at the method"
        )

    def _not_sent(self, method: str) -> str:
        if method not in UNSAFE_METHODS:
            return "not probed"
        policy = self._report.target.policy
        return f"not sent ({policy.value} policy)" if policy is not ProbePolicy.FULL else "not sent"

    def _from_phantom(self, method: str) -> tuple[MethodCell | None, str]:
        answer = self._phantom[method]
        where = f"{method} on a phantom id ({answer.url or 'the route template'})"
        if answer.status is None:
            return None, f"{where} failed: {answer.error or 'no answer'}"
        if answer.status != 404:
            said = f"{where} got {answer.status}"
            if 200 <= answer.status < 300:
                # A careful server refuses the failing If-Match; this one ran the handler,
                # on an id that names nothing, so there was nothing to change.
                said += " (the failing If-Match was ignored)"
            return _phantom(method, self._verdict_for(answer.status), answer, said), ""
        return self._phantom_404(method, answer, where)

    def _phantom_404(
        self, method: str, answer: Observation, where: str
    ) -> tuple[MethodCell | None, str]:
        """A 404 is the handler's "no such id" (the method is served) or the router's "no
        route for this method": the made-up verb and GET on the same URL tell which."""
        match = _UNROUTED_BODY.search(answer.body_excerpt)
        if match and method in (match.group("m"), match.group("f")):
            return _phantom(
                method, Verdict.NOT_FOUND, answer, f"{where} got the router's 404 '{match[0]}'"
            ), ""
        made_up = self._phantom.get(self._report.unknown_method)
        get = self._phantom.get("GET")
        if made_up is not None and made_up.status in (405, 501):
            # The router refuses methods it has no handler for with 405/501 here, so the
            # 404 came from a handler that found no such id: the method is served.
            return _phantom(
                method,
                Verdict.ACCEPTED,
                answer,
                f"{where} got its handler's 404 (no such id) while the made-up verb got "
                f"{made_up.status}: the route serves {method}",
            ), ""
        if get is not None and get.status is not None and 200 <= get.status < 300:
            # GET found the phantom resource "there", so 404 is not its absence.
            return _phantom(
                method,
                Verdict.NOT_FOUND,
                answer,
                f"{where} got 404 while GET on it got {get.status}: no route serves {method}",
            ), ""
        if made_up is not None and get is not None and made_up.status == 404 == get.status:
            mine, gets, made_ups = _signature(answer), _signature(get), _signature(made_up)
            # Only when GET's and the made-up verb's 404s differ can ours side with one.
            if gets != made_ups and mine in (gets, made_ups):
                verdict, why = (
                    (Verdict.ACCEPTED, "the same 404 as GET (no such id), not the made-up verb's")
                    if mine == gets
                    else (
                        Verdict.NOT_FOUND,
                        "the made-up verb's 404, not GET's: no route serves it",
                    )
                )
                return _phantom(method, verdict, answer, f"{where} got {why}"), ""
        return None, (
            f"{where} got 404, and neither the made-up verb nor GET on the same URL tells a "
            "missing id from a missing route"
        )

    def _from_allow(self, method: str, undecided: str) -> MethodCell:
        source = self._allows[0]
        said = f"{undecided}; " if undecided else ""
        said += f"Allow on the {source.status} answer to {source.probe}"
        listing = {a.lists(method) for a in self._allows}
        if len(listing) > 1:
            other = next(a for a in self._allows if a.lists(method) != source.lists(method))
            return _unknown(
                method,
                f"{said} and Allow on the {other.status} answer to {other.probe} disagree "
                f"about {method}",
            )
        gate = self._gate()
        if gate:
            return _unknown(method, f"{said} is beside the point: {gate}")
        if source.lists(method):
            if allow_builder(self._report.plain()):
                return _inferred(method, Verdict.ACCEPTED, said)
            if self._cors_lists(method):
                return _inferred(
                    method, Verdict.ACCEPTED, f"{said}, and Access-Control-Allow-Methods too"
                )
            return _unknown(
                method,
                f"{said} lists {method}, but no answer shows a router that builds Allow "
                "from its routes, and an Allow written by hand can name a method the "
                "handler refuses",
            )
        verdict, why = self._absent(method)
        if verdict is None:
            return _unknown(method, f"{said} omits {method}, but {why}")
        return _inferred(method, verdict, f"{said} omits {method}{why}")

    def _gate(self) -> str:
        """Why no Allow says what a method gets: something answers the made-up verb
        before any route refuses it (a gateway rule, an auth or CSRF check, a catch-all)."""
        made_up = self._unknown
        if made_up is None or made_up.status is None:
            return ""
        if made_up.status in (401, 403, 407):
            return (
                f"the made-up verb got {made_up.status}, so a layer answers methods before "
                "the route does (a gateway rule, an auth or CSRF check) and may answer "
                "listed methods so too"
            )
        if 200 <= made_up.status < 300:
            return (
                f"the made-up verb got {made_up.status}: a catch-all answers any method, "
                "whatever Allow says"
            )
        return ""

    def _absent(self, method: str) -> tuple[Verdict | None, str]:
        """What a method missing from Allow gets, with the reason when it is not the
        plain 405/501 (or None and why it can't be told)."""
        if self._fastapi:
            return None, _FASTAPI_ALLOW
        if Stack.EXPRESS in self._stacks:
            if self._express_options():
                return Verdict.NOT_FOUND, f": {_EXPRESS_404} ('Cannot {method} /…')"
            return None, f"{_EXPRESS_404}, unless the app answers it itself"
        made_up = self._unknown
        if made_up is None or made_up.status is None or made_up.status in (405, 501):
            return Verdict.REJECTED, ""
        if made_up.status == 400:
            trace = self._trace_refused()
            if trace:
                return Verdict.REJECTED, f": {trace}"
            return None, (
                "the made-up verb got 400 (refused by the HTTP parser) and TRACE's answer "
                "carries no Allow, so nothing shows how the app answers a method no route "
                "serves"
            )
        return None, (
            f"the made-up verb got {made_up.status}, not 405 or 501, so a method no route "
            "serves may get that too"
        )

    def _trace_refused(self) -> str:
        """TRACE is a method every parser knows and few routes serve: when the route
        refused it with 405/501 and its own Allow, that is how this app answers a method
        it does not serve. A 405 without Allow may be a front server's (nginx refuses
        TRACE itself, whatever the app behind it does), so it proves nothing."""
        trace = next((o for o in self._report.plain() if o.method == "TRACE"), None)
        if trace is None or trace.status not in (405, 501) or trace.header("allow") is None:
            return ""
        if any(a.probe == "TRACE" and a.lists("TRACE") for a in self._allows):
            return ""
        return (
            f"TRACE, which it does not list either, got {trace.status} with the same Allow "
            "(the made-up verb only reached the HTTP parser, which refused it with 400)"
        )

    def _express_options(self) -> bool:
        """OPTIONS was answered by Express's router itself, so no middleware of the app
        handles methods on its own here."""
        options = next((o for o in self._report.plain() if o.method == "OPTIONS"), None)
        return express_answered_options(options)

    def _from_routed_preflights(self, method: str) -> MethodCell | None:
        """Preflights that a route answers per method (hapi's CORS answers a preflight
        only for a method the path has a route for): when some pass and the others get
        exactly TRACE's refusal, a method whose preflight passed is routed, and one whose
        preflight got TRACE's answer is served no more than TRACE is."""
        trace = next((o for o in self._report.plain() if o.method == "TRACE"), None)
        mine = self._preflight.get(method)
        if trace is None or mine is None or mine.status is None:
            return None
        if trace.status is None or trace.status < 400 or trace.status in (401, 403, 407):
            return None  # TRACE not refused as a method (or refused for credentials)
        answers = [o for o in self._preflight.values() if o.status is not None]
        passed = [o for o in answers if o.status is not None and 200 <= o.status < 300]
        like_trace = [o for o in answers if _fingerprint(o) == _fingerprint(trace)]
        if not like_trace or len(passed) + len(like_trace) != len(answers):
            return None
        if passed:
            said = (
                f"the preflights for {', '.join(o.method for o in passed)} passed while the "
                f"others got the same {trace.status} as TRACE: the route answers preflights "
                "only for the methods it serves"
            )
        elif self._cors_answers_options():
            said = (
                "a CORS layer answers OPTIONS here (it asked for Access-Control-Request-"
                f"Method), yet every preflight got the same {trace.status} as TRACE: it "
                "answers preflights only for the methods a route serves"
            )
        else:
            return None  # no CORS at all: every preflight is just an unrouted OPTIONS
        if mine in passed:
            return _inferred(method, Verdict.ACCEPTED, said)
        return _inferred(method, self._verdict_for(trace.status), said)

    def _cors_lists(self, method: str) -> bool:
        """A passed preflight's Access-Control-Allow-Methods names the method too, and not
        as part of every verb (a CORS default): the server says so a second time."""
        for answer in self._preflight.values():
            if answer.status is None or not 200 <= answer.status < 300:
                continue
            listed = parse_method_list(answer.header("access-control-allow-methods") or "")
            if listed.wildcard or all(listed.lists(m) for m in PREFLIGHT_METHODS):
                continue
            if listed.lists(method):
                return True
        return False

    def _cors_answers_options(self) -> bool:
        """A plain OPTIONS was refused for lacking Access-Control-Request-Method (hapi's
        CORS): a CORS layer, not the router's not-found, handles OPTIONS here."""
        options = next((o for o in self._report.plain() if o.method == "OPTIONS"), None)
        return options is not None and "access-control-request-method" in (
            options.body_excerpt.lower()
        )

    def _from_preflight(self, method: str) -> MethodCell | None:
        answer = self._preflight.get(method)
        if answer is None or answer.status is None or not 200 <= answer.status < 300:
            return None
        advertised = parse_method_list(answer.header("access-control-allow-methods") or "")
        if not advertised.lists(method):
            return None
        said = "Access-Control-Allow-Methods on its preflight"
        if advertised.wildcard or all(advertised.lists(m) for m in PREFLIGHT_METHODS):
            # flask-cors and the cors npm package advertise every verb by default,
            # whatever the route serves.
            return _unknown(
                method,
                f"{said} lists every verb (a CORS default like flask-cors'), whatever the "
                "route serves",
            )
        refused = [
            m
            for m, o in self._preflight.items()
            if o.status is not None and not 200 <= o.status < 300
        ]
        if len(self._preflight) > 1 and not refused:
            # A CORS layer that passes every preflight answers from its own configuration,
            # not the route's (@fastify/cors lists POST, PUT and DELETE for a route that
            # serves only GET): only one that refuses some methods' preflights shows it
            # knows which methods the route serves.
            return _unknown(
                method,
                f"{said} lists {method}, but every preflight passed with a list of its own "
                "(a CORS layer's configured methods, not the route's)",
            )
        return _inferred(method, Verdict.ACCEPTED, said)


# Answers given before a route is chosen: redirects and refusals of the request itself
# (bad request, too large, URI or headers too long).
_METHOD_BLIND = frozenset({301, 302, 303, 307, 308, 400, 413, 414, 431})


def _fingerprint(observation: Observation) -> tuple[object, ...]:
    return (
        observation.status,
        observation.header("content-type"),
        observation.header("location"),
        observation.body_bytes,
    )


def _signature(observation: Observation) -> tuple[int | None, str | None]:
    return observation.status, observation.header("content-type")


def _phantom(method: str, verdict: Verdict, answer: Observation, source: str) -> MethodCell:
    return MethodCell(method, verdict, answer.status, False, source=source, basis=Basis.PHANTOM)


def _inferred(method: str, verdict: Verdict, source: str) -> MethodCell:
    return MethodCell(method, verdict, None, False, source=source, basis=Basis.INFERRED)


def _unknown(method: str, reason: str) -> MethodCell:
    return MethodCell(method, Verdict.UNKNOWN, None, False, source=reason, basis=Basis.INFERRED)
