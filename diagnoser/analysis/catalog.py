"""The rule catalog: stable ids, default severities and the explanation each cites.

Ids are a public interface (JSON output, stored findings, links): extend, never rename.
"""

from __future__ import annotations

from dataclasses import dataclass

from diagnoser.analysis.model import Severity


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    explanation: str
    # A note says what our own probing did (e.g. a guarded PUT the server performed):
    # worth telling, but not a problem of the resource, so it is never counted as a finding.
    note: bool = False
    # When the severity depends on the target (cors_not_enabled: error with a declared
    # origin), the words the rule table uses for it.
    severity_words: str = ""

    @property
    def severity_text(self) -> str:
        if self.severity_words:
            return self.severity_words
        return "note" if self.note else self.severity.value


_RULES = (
    Rule(
        "resource_not_found",
        Severity.ERROR,
        "every method gets 404: no route matches the URL",
        "A 404 to every method means no route matches this URL at all (RFC 9110 15.5.5), so "
        "nothing about methods can be judged yet. Servers check the URL before the method: "
        "fix the path first.",
    ),
    Rule(
        "credentials_required",
        Severity.INFO,
        "every method gets 401: methods can't be judged without credentials",
        "An authentication layer answers 401 before routing (RFC 9110 15.5.2), so the method "
        "matrix says nothing about the resource itself.",
    ),
    Rule(
        "missing_allow_on_405",
        Severity.ERROR,
        "a 405 response has no Allow header",
        "RFC 9110 15.5.6: the origin server MUST generate an Allow header field in a 405 "
        "response containing a list of the target resource's currently supported methods. "
        "Without it clients and people can only guess which method to use.",
    ),
    Rule(
        "allow_lists_rejected_method",
        Severity.ERROR,
        "Allow names a method that is rejected",
        "Allow (RFC 9110 10.2.1) advertises the methods the resource supports. Listing a "
        "method that is then answered 405 or 501 sends clients into the very error they "
        "are trying to avoid.",
    ),
    Rule(
        "allowed_method_missing_from_allow",
        Severity.WARNING,
        "a served method is missing from Allow",
        "Allow (RFC 9110 10.2.1) should list every method the resource supports. A method "
        "that is served but not listed is invisible to clients and tools that trust Allow, "
        "and usually means the 405 is produced by a different route or layer than the one "
        "serving the method.",
    ),
    Rule(
        "inconsistent_allow",
        Severity.WARNING,
        "Allow differs between responses of one resource"
        " (lists that differ only by HEAD or OPTIONS are consistent)",
        "Allow describes the resource, not the request (RFC 9110 10.2.1): every response "
        "that carries it should list the same methods. Different lists mean different "
        "routes or layers answer for the same URL.",
    ),
    Rule(
        "allow_header_malformed",
        Severity.WARNING,
        "Allow is malformed",
        "Allow is a comma-separated list of method tokens (RFC 9110 10.2.1, 5.6.1). Method "
        "names are case-sensitive (RFC 9110 9.1): 'get' is not GET. Strict clients drop "
        "what they cannot parse.",
    ),
    Rule(
        "options_not_supported",
        Severity.ERROR,
        (
            "OPTIONS is not supported and preflights fail for a served method (info when "
            "real preflights pass or no preflighted method is served; folded into "
            "`cors_not_enabled` when there is no CORS at all)"
        ),
        "OPTIONS asks what the resource supports (RFC 9110 9.3.7) and is how browsers "
        "preflight cross-origin PUT, PATCH, DELETE and JSON POST requests. A 404, 405, 501 "
        "or 5xx to OPTIONS breaks those calls from browsers.",
    ),
    Rule(
        "preflight_method_not_allowed",
        Severity.ERROR,
        "the CORS preflight refuses a method the resource serves",
        "Browsers send a preflight (OPTIONS with Origin and Access-Control-Request-Method) "
        "before a cross-origin PUT, PATCH, DELETE or JSON POST and only send the request "
        "when the answer is 2xx and Access-Control-Allow-Methods names the method (Fetch "
        "standard, CORS protocol). Otherwise the browser blocks the call, even though "
        "the server would serve it.",
    ),
    Rule(
        "preflight_header_not_allowed",
        Severity.ERROR,
        "the CORS preflight refuses a request header the call needs",
        "A preflight asks with Access-Control-Request-Headers; the browser sends the "
        "request only if Access-Control-Allow-Headers names every one of them (or is '*' "
        "without credentials). Content-Type: application/json is not CORS-safelisted, so "
        "every JSON POST/PUT/PATCH needs it allowed (Fetch standard, CORS-preflight fetch).",
    ),
    Rule(
        "preflight_allows_rejected_method",
        Severity.INFO,
        "Access-Control-Allow-Methods lists a method the resource rejects",
        "The preflight answer invites browsers to send a method the resource then answers "
        "405 or 404. Usually a global CORS setting; harmless for security, but it hides "
        "the real error until the actual request.",
    ),
    Rule(
        "preflight_missing_allow_origin",
        Severity.ERROR,
        (
            "the CORS preflight answer (2xx, or a CORS layer's refusal) lacks "
            "Access-Control-Allow-Origin for the origin"
        ),
        "A preflight passes only if Access-Control-Allow-Origin matches the requesting "
        "origin (or is '*' for requests without credentials), per the Fetch standard's "
        "CORS check. Without it the browser blocks the request.",
    ),
    Rule(
        "cors_wildcard_with_credentials",
        Severity.ERROR,
        "Access-Control-Allow-Origin: * together with Allow-Credentials: true",
        "Browsers refuse credentialed responses whose Access-Control-Allow-Origin is '*' "
        "(Fetch standard, CORS check), so cookie- or auth-carrying calls fail anyway.",
    ),
    Rule(
        "cors_reflects_any_origin",
        Severity.WARNING,
        "CORS reflects any Origin back, with credentials",
        "The server echoed a made-up Origin into Access-Control-Allow-Origin and allows "
        "credentials: any web site can make authenticated calls with a visitor's cookies.",
    ),
    Rule(
        "cors_not_enabled",
        Severity.INFO,
        (
            "no answer carries any Access-Control-* header: one finding, never split into "
            "per-header symptoms"
        ),
        "No response carried Access-Control-* headers: the server does no CORS at all for "
        "this origin. Fine for an API only servers call (then it is info); when an origin is "
        "declared for the target, a browser app there can't read answers nor send PUT, "
        "PATCH, DELETE or JSON POST (Fetch standard, CORS protocol), so it is an error. One "
        "cause: the failing preflights, missing Allow-Origin and OPTIONS answers are its "
        "evidence, not findings of their own.",
        severity_words="error with a declared origin, else info",
    ),
    Rule(
        "head_not_supported",
        Severity.WARNING,
        "GET is served but HEAD is rejected",
        "RFC 9110 9.1: all general-purpose servers MUST support GET and HEAD, and HEAD must "
        "be answered like GET without the content (9.3.2). Caches, link checkers and "
        "monitors use HEAD.",
    ),
    Rule(
        "head_get_mismatch",
        Severity.WARNING,
        "HEAD is answered differently from GET",
        "RFC 9110 9.3.2: HEAD is identical to GET except that the server MUST NOT send "
        "content; the status and header fields should be the ones GET would send.",
    ),
    Rule(
        "trace_enabled",
        Severity.WARNING,
        "TRACE is enabled",
        "TRACE echoes the request back (RFC 9110 9.3.8). Left enabled it can reveal headers "
        "added by proxies and has been used for cross-site tracing; almost no API needs it.",
    ),
    Rule(
        "unknown_method_not_501",
        Severity.INFO,
        "a made-up method is not answered 501",
        "RFC 9110 15.6.2: 501 Not Implemented is the answer when the server does not "
        "recognise the method; 405 says the method is known but not allowed here. A 2xx "
        "means the server ignores the method and serves the request as if it were GET.",
    ),
    Rule(
        "method_falls_to_404",
        Severity.WARNING,
        "some methods get 404 on a resource that serves others",
        "The resource exists (other methods are served), so an unsupported method should "
        "get 405 with Allow (RFC 9110 15.5.6), not 404, which tells clients the URL is "
        "wrong. Common with routers that match on method and path together.",
    ),
    Rule(
        "gateway_forbids_method",
        Severity.WARNING,
        (
            "a gateway, proxy, WAF or the web server's own configuration forbids a method "
            "(403 without Allow; IIS 404.6): names the directive (nginx `limit_except`, "
            "Apache `<Limit>`/`<LimitExcept>` with `Require`, IIS request filtering "
            "verbs); under the safe policy it also names the unsent verbs inferred "
            "forbidden by the same rule"
        ),
        "A 403 (RFC 9110 15.5.4) from a layer in front of the application, for a method "
        "the resource advertises, or in the web server's own default error page means the "
        "method never reached the app: a server or proxy rule blocks it (nginx "
        "limit_except, Apache <Limit>/<LimitExcept> with Require, IIS request filtering "
        "verbs, an API gateway method list, a WAF verb filter).",
    ),
    Rule(
        "redirect_changes_method",
        Severity.ERROR,
        "an unsafe method is redirected with 301/302/303",
        "RFC 9110 15.4.2-15.4.4: on 301 and 302 user agents may, and commonly do, change "
        "POST to GET; 303 always does. The request body is lost and the call ends up as a "
        "GET (or a 405) at the new URL. Use 307/308, or call the final URL directly.",
    ),
    Rule(
        "server_error_on_method",
        Severity.WARNING,
        "a method gets a 5xx instead of 405/501",
        "An unsupported method should be answered 405 or 501 (RFC 9110 15.5.6, 15.6.2). A "
        "5xx means the handler crashed on it: clients can't tell an outage from a "
        "wrong method, and monitors page people for it.",
    ),
    Rule(
        "precondition_ignored",
        Severity.INFO,
        (
            "an unsafe probe with a failing If-Match precondition was accepted: the probe "
            "may have changed data"
        ),
        "Unsafe probes carry If-Match with an ETag no resource has; a server that evaluates "
        "preconditions answers 412 (RFC 9110 13.1.1). A 2xx means the precondition was "
        "ignored and the probe may have changed data. Use the 'safe' probe policy for "
        "this target. This is about our probe, not the resource: a note, never a finding.",
        note=True,
    ),
    Rule(
        "env_allow_drift",
        Severity.WARNING,
        "accepted methods differ between environments",
        "The same endpoint accepts different methods in different environments: a client "
        "tested against one environment will get 405 (or 404/403) in another.",
    ),
    Rule(
        "method_regression",
        Severity.ERROR,
        "a method's verdict changed since the previous run",
        "A method that was accepted is now rejected (or the reverse) in the same "
        "environment: a deploy, gateway or routing change altered the API's surface.",
    ),
    Rule(
        "probe_failed",
        Severity.ERROR,
        "probes got no response",
        "Without a response there is nothing to diagnose; the error kind says whether the "
        "name, the connection, TLS or the time limit failed.",
    ),
    Rule(
        "rejected_before_routing",
        Severity.ERROR,
        (
            "every method gets the same pre-routing answer (400, 413, 414, 431, a WAF "
            "page): the request never reached a route"
        ),
        "A server parses and screens a request before it routes it: a malformed request "
        "(400), a body, URL or header block over its limits (413, 414, 431; RFC 9110 "
        "15.5.14-15, RFC 6585 5) or a WAF block page. When every method gets the same such "
        "answer, the request never reached a route and the matrix says nothing about "
        "methods: fix what the answer names first.",
    ),
)
_CONTRACT_RULES = (
    Rule(
        "contract_method_missing",
        Severity.ERROR,
        "a method the contract declares is rejected by the route (405, 501, or the 404 "
        "the made-up verb gets)",
        "The endpoint's contract (its OpenAPI document, or the methods typed in) declares "
        "this method, and clients generated from the document call it: the route rejects "
        "it, so those clients fail. Either the deployment is behind the document or the "
        "document promises what was never built.",
    ),
    Rule(
        "undocumented_method_served",
        Severity.WARNING,
        "a method is served that the contract does not declare (HEAD follows GET; OPTIONS "
        "is not required)",
        "A method the document does not declare is served anyway: nobody reviewed it as "
        "part of the API, generated clients don't know it, and it may be a handler left "
        "enabled by a framework default (a generic view's PUT, a catch-all route).",
    ),
    Rule(
        "undeclared_method_not_rejected",
        Severity.WARNING,
        "a method outside the contract gets 404, 3xx or 5xx instead of 405/501",
        "A method the resource does not support should be answered 405 with Allow (RFC "
        "9110 15.5.6) or 501 if the server does not know it (15.6.2). Another status "
        "hides from clients that the method, not the URL, is wrong.",
    ),
    Rule(
        "contract_allow_mismatch",
        Severity.WARNING,
        "a 405's Allow differs from the declared methods (HEAD and OPTIONS aside)",
        "Allow (RFC 9110 10.2.1) lists the methods the resource supports; the contract "
        "lists the methods it should. When they differ, either the route serves what the "
        "document omits or the document promises what the route refuses.",
    ),
)
_ALL: tuple[Rule, ...] = (*_RULES, *_CONTRACT_RULES)

RULES: dict[str, Rule] = {rule.id: rule for rule in _ALL}
NOTE_RULES: frozenset[str] = frozenset(rule.id for rule in _ALL if rule.note)
RULE_ORDER: dict[str, int] = {rule.id: index for index, rule in enumerate(_ALL)}
