"""The routes of the browser UI and of sharing, enumerated from the URLconf, so a route
added later is walked by every test that uses them."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

NAMESPACES = ("web", "sharing", "api")
# Open to anyone by design: the login form and a share link's snapshot and exports.
PUBLIC = {"web:login", "sharing:public", "sharing:public_export_md", "sharing:public_export_json"}


@dataclass(frozen=True)
class Route:
    name: str  # "web:service"
    params: tuple[str, ...]  # the URL's parameters, e.g. ("service_id",)

    def __str__(self) -> str:
        return self.name

    def url(self, ids: dict[str, Any]) -> str:
        return reverse(self.name, kwargs={param: ids[param] for param in self.params})


def _walk(resolver: URLResolver, namespace: str | None) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and namespace in NAMESPACES:
            assert entry.name, f"{entry.pattern} in {namespace} has no name: name it"
            params = tuple(getattr(entry.pattern, "converters", {}))
            yield Route(f"{namespace}:{entry.name}", params)


_ALL = sorted(_walk(get_resolver(), None), key=str)
# The browser's routes (session login, CSRF) and the HTTP API's (a bearer token, no cookies).
ROUTES = [route for route in _ALL if not route.name.startswith("api:")]
API_ROUTES = [route for route in _ALL if route.name.startswith("api:")]
