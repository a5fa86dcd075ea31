"""URL patterns the web apps write alike: a prefix (a service, one of its environments,
endpoints or checks) and the pages below it, each named after its view."""

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, path


def under(prefix: str, pages: dict[str, Callable[..., Any]]) -> list[URLPattern]:
    return [path(prefix + suffix, view, name=view.__name__) for suffix, view in pages.items()]
