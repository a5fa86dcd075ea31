"""The answer's words for the stack that answered: where in that stack's code or
configuration a method is declared, so the fix names the line to change."""

from __future__ import annotations

from diagnoser.analysis.layers import Stack


def not_supported(stack: Stack, method: str, allow: str | None, status: int) -> tuple[str, str]:
    """(sentence, fix) for a route that does not serve `method` and says so correctly."""
    listed = f" (Allow: {allow})" if allow else ""
    lower = method.lower()
    by_stack: dict[Stack, tuple[str, str]] = {
        Stack.FLASK: (
            f"{method} is not in this route's methods{listed}: add it to the route's methods=[…]",
            f'Add "{method}" to `@app.route(path, methods=[...])` (or the blueprint\'s '
            f'route) and handle `request.method == "{method}"` in the view.',
        ),
        Stack.DJANGO: (
            f"The Django view does not handle {method}{listed}: it is not in "
            "`@require_http_methods([...])`, or the class-based View has no "
            f"`{lower}()` method (or `http_method_names` leaves it out)",
            f'Add "{method}" to `@require_http_methods([...])`, or define `def {lower}(self, '
            f"request, *args, **kwargs)` on the View and keep '{lower}' in http_method_names.",
        ),
        Stack.STARLETTE: (
            f"No FastAPI/Starlette route for this path declares {method}{listed}",
            f"Add `@app.{lower}(path)` (or `@router.{lower}(path)`), or put "
            f'"{method}" in `methods=[...]` of the Route / `@app.api_route`.',
        ),
        Stack.DJANGO_NINJA: (
            f"No Django Ninja operation on this path declares {method}{listed}",
            f"Add an `@api.{lower}(path)` (or `@router.{lower}(path)`) operation, or list "
            f'"{method}" in `@api.api_operation([...], path)`.',
        ),
        Stack.LITESTAR: (
            f"No Litestar route handler for this path declares {method}{listed}",
            f"Add a `@{lower}(path)` handler (or put HttpMethod.{method} in "
            "`http_method=[...]` of `@route(path)`) and register it with the app or router.",
        ),
        Stack.SANIC: (
            f"{method} is not in this Sanic route's methods{listed}",
            f'Add "{method}" to `methods=[...]` of `@app.route(path)`, or add an '
            f"`@app.{lower}(path)` handler.",
        ),
        Stack.EXPRESS: (
            f"No Express handler for {method} is registered on this path{listed}",
            f"Register it: `app.{lower}(path, handler)` or `router.route(path).{lower}(handler)`.",
        ),
        Stack.SPRING: (
            f"No Spring handler method maps {method} on this path{listed}",
            f"Add `@{method.title()}Mapping(path)` or `@RequestMapping(path, "
            f"method = RequestMethod.{method})` to a controller method.",
        ),
        Stack.NGINX: (
            f"nginx answers {method} with {status} itself{listed}: this location is served "
            "by nginx (static files or a limit_except), not by the application",
            f"Proxy the location to the application (`proxy_pass`), or add {method} to "
            "its `limit_except` list.",
        ),
        Stack.APACHE: (
            f"Apache answers {method} with {status} itself{listed}",
            f"Check `<LimitExcept>`/`<Limit>` blocks for the location and add {method}, or "
            "route the method to the application (ProxyPass / the handler).",
        ),
        Stack.CADDY: (
            f"Caddy answers {method} with {status} itself{listed}: no handler of this site "
            "takes the method here (a `respond` for a method matcher, or a file_server)",
            f"Send {method} to the application (`reverse_proxy` in the matching `handle` "
            "block), or drop it from the method matcher that answers it.",
        ),
        Stack.LIGHTTPD: (
            f"lighttpd answers {method} with {status} itself{listed}: it serves this path as "
            "static files, and only mod_webdav or a backend takes other methods",
            "Route the path to the application (`proxy.server` or `fastcgi.server` for it), "
            "or enable mod_webdav there if the files themselves should change.",
        ),
        Stack.PYTHON_HTTP_SERVER: (
            f"The http.server handler has no `do_{method}`{listed}",
            f"Add a `do_{method}(self)` method to the BaseHTTPRequestHandler subclass.",
        ),
        Stack.ASPNET: (
            f"No ASP.NET endpoint maps {method} on this path{listed}",
            f"Add `[Http{method.title()}]` to an action, or `app.Map{method.title()}(...)`.",
        ),
    }
    generic = (
        f"The route does not serve {method}{listed}: the server says so with {status}",
        f"Call it with a method the route serves, or add {method} to the route in the application.",
    )
    return by_stack.get(stack, generic)


def gateway_forbids(
    stack: Stack, method: str, layer: str, status: int | None
) -> tuple[str, str] | None:
    """(sentence, fix) when a web server's own configuration forbids the method."""
    code = status or 403
    by_stack: dict[Stack, tuple[str, str]] = {
        Stack.NGINX: (
            f"nginx forbids {method} ({code}) with a `limit_except` block in this location; "
            "the application never sees it",
            f"Add {method} to `limit_except GET ... {{ deny all; }}` in the matching location.",
        ),
        Stack.APACHE: (
            f"Apache forbids {method} ({code}) with `<LimitExcept>`/`<Limit>` and `Require` "
            "in its configuration; the application never sees it",
            f"Add {method} to the `<LimitExcept ...>` list (or drop it from `<Limit>`) in the "
            "matching <Directory>/<Location> or .htaccess.",
        ),
        Stack.IIS: (
            f"IIS request filtering denies the verb {method} ({code}); the application "
            "never sees it",
            f'Allow it in web.config: `<requestFiltering><verbs><add verb="{method}" '
            'allowed="true"/>` and in the handler mapping\'s verbs.',
        ),
    }
    return by_stack.get(stack)
