"""Rate limits on what costs a third party or invites guessing, counted by django-ratelimit.

Each limit names the setting holding its rate ("30/10m") and is counted in Django's
cache per key: the user, the target host (whoever asks), or the client address. A
refusal says which limit ran out and when to try again.
"""

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from django_ratelimit.exceptions import Ratelimited

_UNITS = {"s": ("second", 1), "m": ("minute", 60), "h": ("hour", 3600), "d": ("day", 86400)}

# A django-ratelimit key: "user", "ip", or a function of (group, request).
Key = str | Callable[[str, HttpRequest], str]


@dataclass(frozen=True)
class Limit:
    group: str
    setting: str  # the settings name holding the rate, e.g. "30/10m"
    what: str  # completes "Limit reached: 30 per 10 minutes {what}"

    @property
    def rate(self) -> str:
        return str(getattr(settings, self.setting))


@dataclass(frozen=True)
class Refusal:
    message: str
    retry_after: int  # seconds


class TooManyRequests(Ratelimited):
    """Raised where a view can't answer itself; django-ratelimit's middleware turns it
    into RATELIMIT_VIEW's 429."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


PROBES_PER_USER = Limit(
    "probes-user", "DIAGNOSER_LIMIT_PROBES_PER_USER", "for on-demand probes by one user"
)
PROBES_PER_HOST = Limit(
    "probes-host",
    "DIAGNOSER_LIMIT_PROBES_PER_HOST",
    "for on-demand probes of {key}, whoever asks (so this server can't flood a site)",
)
SHARES_PER_IP = Limit(
    "shares-ip", "DIAGNOSER_LIMIT_SHARES_PER_IP", "for shared-link requests from one address"
)


def rate_text(rate: str) -> str:
    """ "30/10m" -> "30 per 10 minutes"."""
    count, _, period = rate.partition("/")
    multiple, unit = period[:-1], _UNITS[period[-1]][0]
    return f"{count} per {multiple} {unit}s" if multiple else f"{count} per {unit}"


def wait_text(seconds: int) -> str:
    """How long to wait, rounded up to a unit read at a glance."""
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 7200:
        return f"{math.ceil(seconds / 60)} minutes"
    return f"{math.ceil(seconds / 3600)} hours"


def host_of(url: str) -> str:
    """The host a URL points at, as the per-host limit counts it."""
    return (urlsplit(url.strip()).hostname or "").rstrip(".")


def _usage(request: HttpRequest, limit: Limit, key: Key, *, increment: bool) -> Any:
    function_key = key if callable(key) or key in ("user", "ip") else (lambda _g, _r: key)
    return get_usage(
        request, group=limit.group, key=function_key, rate=limit.rate, increment=increment
    )


def _refusal(limit: Limit, key: Key, usage: dict[str, Any]) -> Refusal:
    if usage["limit"] == 0:  # django-ratelimit's answer when the cache can't count
        return Refusal("Rate limits can't be checked right now (the cache is down): retry.", 30)
    wait = max(int(usage["time_left"]), 1)
    what = limit.what.format(key=key)
    message = f"Limit reached: {rate_text(limit.rate)} {what}. Try again in {wait_text(wait)}."
    return Refusal(message, wait)


def limits_take(request: HttpRequest, keyed: Sequence[tuple[Limit, Key]]) -> Refusal | None:
    """Count this request against every (limit, key), or, if one of them is used up,
    against none, and say which."""
    for limit, key in keyed:
        usage = _usage(request, limit, key, increment=False)
        if usage is not None and usage["count"] >= usage["limit"]:
            return _refusal(limit, key, usage)
    for limit, key in keyed:
        _usage(request, limit, key, increment=True)
    return None


def probes_take(request: HttpRequest, *, urls: Iterable[str]) -> Refusal | None:
    """One on-demand probe of `urls` by this user: per user, and per host they point at."""
    hosts = sorted({host for host in map(host_of, urls) if host})
    return limits_take(
        request, [(PROBES_PER_USER, "user"), *((PROBES_PER_HOST, host) for host in hosts)]
    )


def shares_take(request: HttpRequest) -> None:
    """One public share-token lookup from this address; TooManyRequests past the limit."""
    refusal = limits_take(request, [(SHARES_PER_IP, "ip")])
    if refusal is not None:
        raise TooManyRequests(refusal)
