"""gateway_forbids_method: a 403 that came from a proxy, gateway or WAF, not the app."""

from __future__ import annotations

from diagnoser.analysis.facts import Facts
from diagnoser.analysis.headers import parse_method_list
from diagnoser.analysis.layers import VERB_DENIED_CLUE, Layer, Stack, same_layer
from diagnoser.analysis.model import Basis, Finding, Verdict
from diagnoser.analysis.rules.common import header_evidence, join_methods, make_finding
from diagnoser.probing.model import PLAIN_METHODS, Observation

# What, in a web server's own configuration, forbids a method when its default error
# page answers it (the page shows the server itself decided, not the app behind it).
_SERVER_DIRECTIVES = {
    Stack.NGINX: "limit_except",
    Stack.APACHE: "<Limit>/<LimitExcept> with Require",
    Stack.IIS: "request filtering HTTP verbs",
}


def check(facts: Facts) -> list[Finding]:
    served_layers = [facts.layers[m] for m in facts.served_methods if m in facts.layers]
    advertised = _advertised_methods(facts)
    blocked: list[tuple[Observation, str, Layer]] = []
    for method in PLAIN_METHODS:
        # A phantom id's 403 is the same layer's rule for the route: a gateway forbids a
        # verb before any handler could look the id up.
        observation = facts.answered(method)
        if observation is None or observation.status not in (403, 404):
            continue
        layer = facts.layers[observation.probe]
        if observation.status == 404 and layer.clue != VERB_DENIED_CLUE:
            continue
        reason = _why_gateway(facts, observation, layer, served_layers, advertised)
        if reason:
            blocked.append((observation, reason, layer))
    if not blocked:
        return []
    methods = [o.method for o, _, _ in blocked]
    shown, reason, layer = blocked[0]
    unsent = _inferred_forbidden(facts)
    if unsent:
        methods += unsent
        reason += f"; {join_methods(unsent)}, not sent, inferred forbidden by the same rule"
    first, status = shown.probe, shown.status
    directive = _SERVER_DIRECTIVES.get(layer.stack) if layer.certain else None
    by = f"{layer.label}'s own configuration ({directive})" if directive else layer.label
    return [
        make_finding(
            facts,
            "gateway_forbids_method",
            title=f"{join_methods(methods)} forbidden ({status}) by {by}: {reason}",
            probes=[*(o.probe for o, _, _ in blocked), *facts.served_methods[:1]],
            methods=methods,
            headers=[
                *header_evidence(facts, first, "server", "via"),
                *(
                    header_evidence(facts, facts.served_methods[0], "server", "via")
                    if facts.served_methods
                    else []
                ),
            ],
            layer=f"{layer.label} ({layer.clue})",
            stack=layer.stack,
        )
    ]


def _inferred_forbidden(facts: Facts) -> list[str]:
    """Unsent verbs inferred forbidden because a web server's own 403 answered the made-up
    verb and OPTIONS alike (blanket.py): the same rule's doing, so the same cause."""
    made_up = facts.unknown
    layer = facts.layers.get(made_up.probe) if made_up is not None else None
    if made_up is None or made_up.status != 403 or layer is None:
        return []
    if not (layer.certain and layer.is_gateway):
        return []  # the application's own 403 (Django's CSRF check): not a gateway's
    return [
        cell.method
        for cell in facts.matrix.cells
        if cell.basis is Basis.INFERRED and cell.verdict is Verdict.FORBIDDEN
    ]


def _advertised_methods(facts: Facts) -> dict[str, str]:
    """method -> where the resource says it supports it."""
    advertised: dict[str, str] = {}
    for source in facts.allow_sources:
        for method in source.allow.methods:
            advertised.setdefault(method, f"Allow on the {source.status} to {source.probe}")
    for observation in facts.preflight.values():
        value = observation.header("access-control-allow-methods")
        if value and observation.status is not None and 200 <= observation.status < 300:
            for method in parse_method_list(value).methods:
                advertised.setdefault(method, "Access-Control-Allow-Methods")
    return advertised


def _why_gateway(
    facts: Facts,
    observation: Observation,
    layer: Layer,
    served_layers: list[Layer],
    advertised: dict[str, str],
) -> str:
    method = observation.method
    if layer.certain and not layer.is_gateway:
        return ""  # the application's own 403 (e.g. a CSRF check): authorisation, not a gateway
    if method in advertised:
        return f"{advertised[method]} lists {method}"
    if layer.is_gateway and layer.certain:
        return f"the answer is {layer.clue}"
    if served_layers and not any(same_layer(layer, served) for served in served_layers):
        return f"other methods are answered by {served_layers[0].label}, the 403 by {layer.label}"
    for served_method in facts.served_methods:
        served = facts.plain.get(served_method)
        if served is None:
            continue  # served by inference or on a phantom id: no headers of its own here
        for name in ("server", "via"):
            if observation.header(name) != served.header(name):
                return (
                    f"{name.title()} is '{observation.header(name)}' on the 403 but "
                    f"'{served.header(name)}' on {served_method}"
                )
    return ""
