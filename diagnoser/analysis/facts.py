"""What a report says, read once: per-method verdicts, Allow lists, layers, CORS.

Rules take these facts instead of re-reading raw observations, so every rule agrees on
what "served", "rejected" or "the Allow header" means.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from diagnoser.analysis.headers import MethodList, parse_method_list
from diagnoser.analysis.inference import Inference
from diagnoser.analysis.layers import Layer, Stack, identify
from diagnoser.analysis.model import Basis, MethodCell, MethodMatrix, Verdict
from diagnoser.probing.model import (
    DEFAULT_ORIGIN,
    PLAIN_METHODS,
    Observation,
    ProbeReport,
)

# Statuses that mean the route handled the method and objected to what we sent: an empty
# body (400, 411, 415, 422), our deliberately failing precondition (412, 428), a
# conflict (409) or a size limit (413). The method itself is supported.
_HANDLED_CLIENT_ERRORS = frozenset({400, 402, 406, 409, 410, 411, 412, 413, 415, 422, 428})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def verdict_for(status: int | None) -> Verdict:
    if status is None:
        return Verdict.FAILED
    if status in (405, 501):
        return Verdict.REJECTED
    if status == 404:
        return Verdict.NOT_FOUND
    if status == 403:
        return Verdict.FORBIDDEN
    if status in (401, 407):
        return Verdict.AUTH_REQUIRED
    if status in _REDIRECTS:
        return Verdict.REDIRECTED
    if status >= 500:
        return Verdict.ERROR
    if 200 <= status < 300 or status in _HANDLED_CLIENT_ERRORS or 300 <= status < 400:
        return Verdict.ACCEPTED
    return Verdict.UNKNOWN  # 429 and other answers that say nothing about the method


def same_answer(a: Observation, b: Observation) -> bool:
    """Two responses look like the same handler's answer (used for catch-all checks)."""
    if a.status != b.status:
        return False
    if a.header("content-type") != b.header("content-type"):
        return False
    if "HEAD" in (a.method, b.method):
        return True  # HEAD has no body to compare
    return a.body_bytes == b.body_bytes


@dataclass(frozen=True)
class AllowSource:
    probe: str
    status: int
    allow: MethodList


@dataclass(frozen=True)
class Facts:
    report: ProbeReport
    plain: dict[str, Observation]  # method -> plain observation
    preflight: dict[str, Observation]  # requested method -> preflight observation
    # method -> its answer on a phantom id of the route template (safe policy only)
    phantom: dict[str, Observation]
    unknown: Observation | None
    allow_sources: tuple[AllowSource, ...]
    matrix: MethodMatrix
    layers: dict[str, Layer]  # probe name -> layer that answered
    stack: Stack  # the application's stack, best guess, for fix steps
    origin: str
    origin_chosen: bool  # the user named the origin, so CORS failures matter to them
    cors_seen: bool  # some response carried Access-Control-* headers

    def verdict(self, method: str) -> Verdict:
        cell = self.matrix.cell(method)
        return cell.verdict if cell else Verdict.UNKNOWN

    def observed(self, method: str) -> bool:
        cell = self.matrix.cell(method)
        return bool(cell and cell.observed)

    def answered(self, method: str) -> Observation | None:
        """The answer a method's cell rests on: sent to the URL itself or to a phantom id
        of its route template. A phantom's answer shows the route's routing (which method
        is refused, by whom, with which headers) as well as the URL's own would, so rules
        read it as evidence; inferred cells have no answer of their own."""
        cell = self.matrix.cell(method)
        if cell is None or cell.basis is Basis.INFERRED:
            return None
        return self.plain.get(method) if cell.observed else self.phantom.get(method)

    def probe_for(self, method: str) -> str:
        """The probe behind a method's cell ("PATCH" or "phantom:PATCH")."""
        answer = self.answered(method)
        return answer.probe if answer is not None else method

    def served(self, method: str) -> bool:
        """The method reached a handler and is not just a catch-all answer."""
        cell = self.matrix.cell(method)
        return bool(cell and cell.verdict is Verdict.ACCEPTED and not cell.note)

    @property
    def served_methods(self) -> list[str]:
        return [m for m in PLAIN_METHODS if self.served(m)]

    @property
    def advertised_allow(self) -> AllowSource | None:
        """The Allow the resource states: OPTIONS's answer first, then any 405's."""
        for source in self.allow_sources:
            if source.probe == "OPTIONS" and 200 <= source.status < 300:
                return source
        return self.allow_sources[0] if self.allow_sources else None


def read_facts(report: ProbeReport) -> Facts:
    plain = {o.method: o for o in report.plain()}
    preflight = {o.method: o for o in report.preflights()}
    phantom = {o.method: o for o in report.phantoms()}
    unknown = plain.get(report.unknown_method)
    allow_sources = tuple(
        AllowSource(o.probe, o.status, parse_method_list(allow))
        for o in report.plain()
        if o.status is not None and (allow := o.header("allow")) is not None
    )
    layers = {o.probe: identify(o) for o in report.observations if o.ok}
    origin = report.target.origin or DEFAULT_ORIGIN
    cors_seen = any(
        name.startswith("access-control-") for o in report.observations for name, _ in o.headers
    )
    matrix = _build_matrix(report, plain, preflight, unknown, allow_sources)
    return Facts(
        report=report,
        plain=plain,
        preflight=preflight,
        phantom=phantom,
        unknown=unknown,
        allow_sources=allow_sources,
        matrix=matrix,
        layers=layers,
        stack=_application_stack(layers),
        origin=origin,
        origin_chosen=report.target.origin is not None,
        cors_seen=cors_seen,
    )


def method_matrix(report: ProbeReport) -> MethodMatrix:
    return read_facts(report).matrix


def _build_matrix(
    report: ProbeReport,
    plain: dict[str, Observation],
    preflight: dict[str, Observation],
    unknown: Observation | None,
    allow_sources: tuple[AllowSource, ...],
) -> MethodMatrix:
    catch_all = unknown if unknown and unknown.status and 200 <= unknown.status < 300 else None
    inference = Inference(report, verdict_for=verdict_for)
    cells = []
    for method in (*PLAIN_METHODS, report.unknown_method):
        observation = plain.get(method)
        if observation is not None:
            note = ""
            # GET is what a catch-all serves, so GET and HEAD are the real thing; other
            # methods answered exactly like the made-up verb may never reach a handler.
            if (
                catch_all is not None
                and method not in ("GET", "HEAD", report.unknown_method)
                and same_answer(observation, catch_all)
            ):
                note = (
                    f"same answer as the made-up verb {report.unknown_method}: "
                    "may be a catch-all, not a handler for this method"
                )
            verdict = verdict_for(observation.status)
            if method == report.unknown_method and observation.status == 400:
                # Node's parser, among others, refuses methods it doesn't know with 400.
                verdict = Verdict.REJECTED
            cells.append(MethodCell(method, verdict, observation.status, True, note=note))
        else:
            cells.append(inference.cell(method))
    options_allow = next(
        (s for s in allow_sources if s.probe == "OPTIONS" and 200 <= s.status < 300), None
    )
    any_allow = options_allow or (allow_sources[0] if allow_sources else None)
    allow_methods = next(
        (v for o in preflight.values() if (v := o.header("access-control-allow-methods"))),
        None,
    )
    return MethodMatrix(
        cells=tuple(cells),
        allow=any_allow.allow.raw if any_allow else None,
        allow_methods=allow_methods,
    )


def _application_stack(layers: dict[str, Layer]) -> Stack:
    """The app's framework if any response shows it, else the most common layer.

    A layer known by its own error body outranks one guessed from a Server header: an
    ASGI server's header (uvicorn) says nothing of the framework (Litestar, Quart, ...)."""
    known = [layer.stack for layer in layers.values() if layer.stack is not Stack.UNKNOWN]
    certain = Counter(layer.stack for layer in layers.values() if layer.certain)
    counts = Counter(known)
    ranked = sorted(counts, key=lambda stack: (-certain[stack], -counts[stack]))
    apps = [stack for stack in ranked if stack not in _GATEWAY_ONLY]
    if apps:
        return apps[0]
    return counts.most_common(1)[0][0] if counts else Stack.UNKNOWN


_GATEWAY_ONLY = frozenset(
    {
        Stack.CLOUDFLARE,
        Stack.CLOUDFRONT,
        Stack.AWS_WAF,
        Stack.AWS_ALB,
        Stack.VARNISH,
        Stack.ENVOY,
        Stack.KONG,
        Stack.TRAEFIK,
        Stack.HAPROXY,
    }
)
