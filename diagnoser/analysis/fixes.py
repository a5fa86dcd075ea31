"""Concrete fix steps per rule, specialised for the stack that answered.

A fix names the setting or code to change in the layer the evidence points at; the
generic step comes last so a reader on an unrecognised stack still knows what to do.
"""

from __future__ import annotations

from diagnoser.analysis.layers import Stack

_BY_STACK: dict[tuple[str, Stack], tuple[str, ...]] = {
    ("missing_allow_on_405", Stack.NGINX): (
        "nginx sends its built-in 405 without Allow (static files, limit_except, and "
        "unsupported methods). Add the header in the location: "
        '`add_header Allow "GET, HEAD" always;`',
        "Or let the application answer the methods it doesn't support: proxy them "
        "instead of rejecting them in nginx.",
    ),
    ("missing_allow_on_405", Stack.CADDY): (
        "Caddy's `respond` (and `error`) directives send no Allow: add "
        '`header Allow "GET, HEAD"` in the same matcher block, or let the application '
        "answer the method (`reverse_proxy`).",
    ),
    ("missing_allow_on_405", Stack.EXPRESS): (
        "Answer unsupported methods after the route's handlers: "
        "`app.route(path).get(h).post(h).all((req, res) => "
        "res.set('Allow', 'GET, HEAD, POST').sendStatus(405))`.",
    ),
    ("missing_allow_on_405", Stack.DJANGO): (
        "Return `HttpResponseNotAllowed(permitted_methods)` (it sets Allow) instead of a bare "
        "`HttpResponse(status=405)`; `@require_http_methods` and class-based views do it.",
    ),
    ("missing_allow_on_405", Stack.SPRING): (
        "Let Spring's HttpRequestMethodNotSupportedException reach DefaultHandlerExceptionResolver "
        "(it sets Allow); a custom @ExceptionHandler for it must copy "
        "`ex.getSupportedHttpMethods()` into the Allow header.",
    ),
    ("missing_allow_on_405", Stack.IIS): (
        "IIS's WebDAV module answers PUT/DELETE with 405: remove WebDAVModule and the "
        "WebDAV handler in web.config, or allow the verbs in the ExtensionlessUrlHandler.",
    ),
    ("allow_lists_rejected_method", Stack.NGINX): (
        "An `add_header Allow` line in nginx lists a method a deeper layer rejects: make "
        "the list match what the upstream serves, or drop it and let the upstream set Allow.",
    ),
    ("allowed_method_missing_from_allow", Stack.STARLETTE): (
        "FastAPI/Starlette registers `@app.get(path)` and `@app.post(path)` as separate "
        "routes and a 405 lists only the first route's methods. Declare one route with "
        "all methods (`@app.api_route(path, methods=[...])`) or add a catch-all that "
        "answers 405 with the full Allow.",
    ),
    ("allowed_method_missing_from_allow", Stack.LITESTAR): (
        "Litestar's automatic OPTIONS answer lists only part of the methods served on "
        "this path while its 405s list them all: answer OPTIONS with a handler of your "
        "own (`@route(path, http_method=HttpMethod.OPTIONS)`) that lists every method.",
    ),
    ("allowed_method_missing_from_allow", Stack.DJANGO): (
        "With `@require_http_methods`, list every method the view handles; with a "
        "class-based view, Allow comes from the handler methods it defines.",
    ),
    ("options_not_supported", Stack.DJANGO): (
        '`@require_http_methods([...])` rejects OPTIONS unless listed: add "OPTIONS" or '
        "use a class-based View (it answers OPTIONS with Allow), and install "
        "django-cors-headers for browser clients.",
    ),
    ("options_not_supported", Stack.STARLETTE): (
        "Add `CORSMiddleware(allow_origins=[...], allow_methods=[...])`: it answers "
        "preflights before routing. Plain OPTIONS without CORS headers still gets 405.",
    ),
    ("options_not_supported", Stack.NGINX): (
        "nginx rejects OPTIONS for static locations; answer it in the location: "
        '`if ($request_method = OPTIONS) { add_header Allow "GET, HEAD, OPTIONS"; '
        "return 204; }` or proxy it to the application.",
    ),
    ("options_not_supported", Stack.PYTHON_HTTP_SERVER): (
        "http.server's BaseHTTPRequestHandler answers 501 for any method without a "
        "`do_<METHOD>`: add `do_OPTIONS` that sends Allow.",
    ),
    ("preflight_method_not_allowed", Stack.STARLETTE): (
        "Add the method to `CORSMiddleware(allow_methods=[...])`.",
    ),
    ("preflight_method_not_allowed", Stack.FLASK): (
        "With flask-cors: `CORS(app, methods=[...], origins=[...])`; check the route's "
        "`methods=` too, since flask-cors only answers for routes that exist.",
    ),
    ("preflight_method_not_allowed", Stack.DJANGO): (
        "With django-cors-headers: add the method to CORS_ALLOW_METHODS and the origin to "
        "CORS_ALLOWED_ORIGINS; put CorsMiddleware above CommonMiddleware.",
    ),
    ("preflight_method_not_allowed", Stack.EXPRESS): (
        "With the cors package: `app.use(cors({ origin: [...], methods: [...] }))` before "
        "the routes, and `app.options('*', cors())` for preflights.",
    ),
    ("preflight_method_not_allowed", Stack.NGINX): (
        "If nginx answers preflights, add the method to "
        "`add_header Access-Control-Allow-Methods ... always;` in the location.",
    ),
    ("preflight_method_not_allowed", Stack.AWS_API_GATEWAY): (
        "Enable CORS on the resource in API Gateway (it creates the OPTIONS method) and "
        "redeploy the stage; for HTTP APIs, add the method to corsConfiguration.allowMethods.",
    ),
    ("cors_not_enabled", Stack.FLASK): (
        "Install flask-cors: `CORS(app, origins=[...], methods=[...])` (it answers "
        "preflights for routes that exist).",
    ),
    ("cors_not_enabled", Stack.DJANGO): (
        "Install django-cors-headers: CorsMiddleware above CommonMiddleware, the origin in "
        "CORS_ALLOWED_ORIGINS.",
    ),
    ("cors_not_enabled", Stack.STARLETTE): (
        "Add `CORSMiddleware(allow_origins=[...], allow_methods=[...], "
        "allow_headers=[...])`: it answers preflights before routing.",
    ),
    ("cors_not_enabled", Stack.LITESTAR): (
        "Pass `cors_config=CORSConfig(allow_origins=[...], allow_methods=[...])` to "
        "`Litestar(...)`: it answers preflights before routing.",
    ),
    ("cors_not_enabled", Stack.SANIC): (
        "Install sanic-ext and set `app.config.CORS_ORIGINS` (and CORS_METHODS): it "
        "answers OPTIONS and preflights.",
    ),
    ("cors_not_enabled", Stack.EXPRESS): (
        "Use the cors package: `app.use(cors({ origin: [...], methods: [...] }))` before "
        "the routes.",
    ),
    ("cors_not_enabled", Stack.NGINX): (
        "Answer preflights in the location (`if ($request_method = OPTIONS)` with "
        "`add_header Access-Control-Allow-Origin ... always;` and -Methods/-Headers), or "
        "enable CORS in the application behind nginx.",
    ),
    ("gateway_forbids_method", Stack.NGINX): (
        "Look for `limit_except` blocks and `if ($request_method ...)` rules in the "
        "matching location; `limit_except GET { deny all; }` forbids every other method. "
        "Add the method to the limit_except list.",
    ),
    ("gateway_forbids_method", Stack.AWS_API_GATEWAY): (
        "API Gateway answers 403 'Missing Authentication Token' for a method or path that "
        "has no integration: add the method to the resource and redeploy the stage.",
    ),
    ("gateway_forbids_method", Stack.AWS_WAF): (
        "Check the web ACL's rules for HTTP-method match statements and the sampled "
        "requests of the blocking rule.",
    ),
    ("gateway_forbids_method", Stack.CLOUDFLARE): (
        "Check WAF custom rules and managed rules for method conditions (Security > Events "
        "shows the rule that blocked the request, by its Ray ID).",
    ),
    ("gateway_forbids_method", Stack.APACHE): (
        "Look for `<Limit>`/`<LimitExcept>` blocks with `Require all denied` (or "
        "`Require` rules) in the matching <Directory>/<Location> and .htaccess: "
        "`<LimitExcept GET POST> Require all denied </LimitExcept>` forbids every other "
        "method. Add the method to the LimitExcept list (or drop it from <Limit>); check "
        "mod_security rules for the method too.",
    ),
    ("gateway_forbids_method", Stack.IIS): (
        "IIS request filtering denies the verb: in web.config, "
        '`<security><requestFiltering><verbs><add verb="..." allowed="false"/>` (or '
        '`allowUnlisted="false"` without the verb listed). Allow the verb there, and in '
        "the handler mapping's verb list.",
    ),
    ("redirect_changes_method", Stack.DJANGO): (
        "Django's CommonMiddleware (APPEND_SLASH) redirects to the URL with a trailing "
        "slash with 301: call the URL with the slash, or define the route without it.",
    ),
    ("redirect_changes_method", Stack.NGINX): (
        "Use `return 308 ...` (or 307) instead of 301/302 in the redirecting location, or "
        "point clients at the final URL.",
    ),
    ("redirect_changes_method", Stack.FLASK): (
        "Werkzeug redirects '/items' to '/items/' when the rule ends with a slash (308 in "
        "current versions): call the canonical URL or set `strict_slashes=False`.",
    ),
    ("method_falls_to_404", Stack.EXPRESS): (
        "Express answers unmatched methods with 404 'Cannot METHOD /path'. End each route "
        "with `.all((req, res) => res.set('Allow', '...').sendStatus(405))`.",
    ),
    ("method_falls_to_404", Stack.RAILS): (
        "Rails raises RoutingError (404) for unmatched verbs; add a constraint route that "
        "answers 405 with Allow for the resource's path.",
    ),
    ("head_not_supported", Stack.DJANGO): (
        '`@require_http_methods(["GET"])`/`@require_GET` reject HEAD: use `@require_safe` '
        'or list "HEAD".',
    ),
    ("head_not_supported", Stack.DJANGO_NINJA): (
        'Django Ninja answers HEAD only where declared: `@api.api_operation(["GET", "HEAD"], '
        "path)` on the GET operation.",
    ),
    ("head_not_supported", Stack.LITESTAR): (
        "Litestar answers HEAD only for a `@head(path)` handler: add one beside the `@get`.",
    ),
    ("head_not_supported", Stack.SANIC): (
        'Add "HEAD" to `methods=[...]` of the route (Sanic drops the body for HEAD).',
    ),
    ("head_not_supported", Stack.PYTHON_HTTP_SERVER): (
        "Add `do_HEAD` next to `do_GET` (send the same status and headers, no body).",
    ),
    ("trace_enabled", Stack.APACHE): ("Set `TraceEnable off`.",),
    ("trace_enabled", Stack.NGINX): (
        "nginx rejects TRACE itself; a 2xx comes from the upstream: disable it there.",
    ),
    ("trace_enabled", Stack.IIS): ("Deny the TRACE verb in Request Filtering.",),
    ("server_error_on_method", Stack.EXPRESS): (
        "A handler throws for this method: check the error log for the stack trace.",
    ),
}

_GENERIC: dict[str, tuple[str, ...]] = {
    "resource_not_found": (
        "Check the path, the API prefix or version (/v1/...), and a trailing slash.",
        "Compare with the routes the application registers (e.g. `manage.py show_urls`, "
        "`flask routes`, the OpenAPI document).",
    ),
    "credentials_required": (
        "Add the credentials the API expects to the target's headers "
        "(they are stored encrypted and never shown).",
    ),
    "missing_allow_on_405": ("Send `Allow: <methods the resource supports>` with every 405.",),
    "allow_lists_rejected_method": (
        "Make Allow list only methods the resource serves, or implement the listed method.",
    ),
    "allowed_method_missing_from_allow": (
        "Add the served method to the Allow header, or generate Allow from the router's "
        "real method list for this path.",
    ),
    "inconsistent_allow": (
        "Generate Allow in one place (the router) so 405 and OPTIONS answers agree.",
    ),
    "allow_header_malformed": (
        "Send upper-case method names, each once, separated by commas: `Allow: GET, HEAD, POST`.",
    ),
    "options_not_supported": (
        "Answer OPTIONS with 204 (or 200) and Allow; for browsers, answer preflights with "
        "Access-Control-Allow-Origin and Access-Control-Allow-Methods.",
    ),
    "preflight_method_not_allowed": (
        "Answer the preflight with 2xx, Access-Control-Allow-Origin for the origin and "
        "Access-Control-Allow-Methods listing the method.",
    ),
    "preflight_header_not_allowed": (
        "Add the header names to the CORS configuration's allowed headers "
        "(Access-Control-Allow-Headers), at least Content-Type for JSON bodies.",
    ),
    "preflight_allows_rejected_method": (
        "Narrow Access-Control-Allow-Methods to what the resource serves, or accept it as "
        "a global CORS setting.",
    ),
    "preflight_missing_allow_origin": (
        "Add the origin to the CORS configuration's allowed origins and answer with "
        "`Access-Control-Allow-Origin: <origin>` and `Vary: Origin`.",
    ),
    "cors_wildcard_with_credentials": (
        "Echo the specific allowed origin instead of '*', or drop "
        "Access-Control-Allow-Credentials.",
    ),
    "cors_reflects_any_origin": (
        "Check the Origin against an allowlist before echoing it; never reflect arbitrary "
        "origins together with Access-Control-Allow-Credentials: true.",
    ),
    "cors_not_enabled": (
        "If a browser app on another origin calls this API, enable CORS for that origin "
        "(answer preflights with 2xx, Access-Control-Allow-Origin, -Methods and -Headers); "
        "set the target's CORS origin so diagnoser checks it.",
    ),
    "head_not_supported": ("Route HEAD to the GET handler and drop the body.",),
    "head_get_mismatch": (
        "Let the framework derive HEAD from GET (most do), and never write a body for HEAD.",
    ),
    "trace_enabled": ("Disable TRACE in the server or gateway.",),
    "unknown_method_not_501": (
        "Answer methods the server does not implement with 501; a catch-all handler "
        "should check the method before serving.",
    ),
    "method_falls_to_404": ("Answer methods the resource doesn't support with 405 and Allow.",),
    "gateway_forbids_method": (
        "Find the proxy, gateway or WAF rule that blocks the method (the layer named in the "
        "evidence) and allow the method there, or stop advertising it.",
    ),
    "redirect_changes_method": (
        "Call the Location URL directly, or make the server redirect with 307/308, which "
        "keep the method and body.",
    ),
    "server_error_on_method": (
        "Find the exception in the server log for this method and return 405 with Allow.",
    ),
    "precondition_ignored": (
        "Switch this target to the 'safe' probe policy, and check whether the probe "
        "created or changed data.",
    ),
    "env_allow_drift": (
        "Compare the deployed versions, routes and gateway configuration of the "
        "environments; deploy the missing change or document the difference.",
    ),
    "method_regression": (
        "Look at what was deployed or reconfigured between the two runs (app release, "
        "gateway or WAF change) and restore the method or announce its removal.",
    ),
    "probe_failed": ("See the error: fix the URL, DNS, network path or time limits.",),
    "rejected_before_routing": (
        "Fix what the answer names before judging methods: the matrix shows the server's "
        "screening, not the resource's routes.",
    ),
    "contract_method_missing": (
        "Deploy the handler for the declared method in this environment, or, if the method "
        "was dropped on purpose, remove it from the OpenAPI document and re-import it so "
        "generated clients stop calling it.",
    ),
    "undocumented_method_served": (
        "If the method is meant to be public, declare it in the OpenAPI document and "
        "re-import; if not, stop routing it (restrict the view's methods, drop the "
        "framework's generic handler) so it gets 405.",
    ),
    "undeclared_method_not_rejected": (
        "Make the router answer methods it does not serve with 405 and an Allow header "
        "(or 501 for methods it does not know) instead of falling through to 404, "
        "redirecting or crashing.",
    ),
    "contract_allow_mismatch": (
        "Make the route serve exactly the declared methods (Allow follows the handlers "
        "registered), or correct the OpenAPI document and re-import it.",
    ),
}


def fix_steps(rule: str, stack: Stack, *specific: str) -> tuple[str, ...]:
    """Steps for this rule: the evidence-specific ones, the stack's, then the generic."""
    return (*specific, *_BY_STACK.get((rule, stack), ()), *_GENERIC.get(rule, ()))
