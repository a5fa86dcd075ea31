"""Rate limits on what costs a third party or invites guessing.

Each limit names the setting holding its rate ("400/10m") and is counted in Django's
cache per key: the user, the target host (whoever asks), or the client address. A
refusal says which limit ran out and when to try again.

On-demand probes are charged per request they will send, not per click: one "Probe now"
over three environments, or a drift check's "Run now" over 30 targets, costs what it
sends. django-ratelimit's get_usage counts one per call, so those limits use a counter of
our own with its window semantics (fixed windows, each key's edge shifted by a stable
jitter) that charges N at once; public share lookups, one each, stay on get_usage.
"""

import hashlib
import logging
import math
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from django_ratelimit.exceptions import Ratelimited

from diagnoser.probing.model import ProbePolicy
from diagnoser.probing.plan import plan_probes

log = logging.getLogger(__name__)

_UNITS = {"s": ("second", 1), "m": ("minute", 60), "h": ("hour", 3600), "d": ("day", 86400)}
# A counter outlives its window by this much, as django-ratelimit's do.
_EXPIRY_FUDGE = 5


@dataclass(frozen=True)
class Limit:
    group: str
    setting: str  # the settings name holding the rate, e.g. "400/10m"
    what: str  # completes "Limit reached: 400 requests per 10 minutes {what}"
    unit: str = ""  # what is counted, "requests"; "" for one per HTTP request

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
    "probe-requests-user",
    "DIAGNOSER_LIMIT_PROBES_PER_USER",
    "for on-demand probes by one user",
    "requests",
)
PROBES_PER_HOST = Limit(
    "probe-requests-host",
    "DIAGNOSER_LIMIT_PROBES_PER_HOST",
    "for on-demand probes of {key}, whoever asks (so this server can't flood a site)",
    "requests",
)
TEST_ALERTS_PER_USER = Limit(
    "test-alerts-user", "DIAGNOSER_LIMIT_TEST_ALERTS_PER_USER", "by one user", "test alerts"
)
TEST_ALERTS_PER_HOST = Limit(
    "test-alerts-host",
    "DIAGNOSER_LIMIT_TEST_ALERTS_PER_HOST",
    "to {key}, whoever asks",
    "test alerts",
)
SHARES_PER_IP = Limit(
    "shares-ip", "DIAGNOSER_LIMIT_SHARES_PER_IP", "for shared-link requests from one address"
)


def rate_split(rate: str) -> tuple[int, int]:
    """ "30/10m" -> (30, 600): the count and the window in seconds."""
    count, _, period = rate.partition("/")
    multiple = int(period[:-1] or 1)
    return int(count), multiple * _UNITS[period[-1]][1]


def rate_text(rate: str, unit: str = "") -> str:
    """ "30/10m" -> "30 per 10 minutes" ("30 requests per 10 minutes" with a unit)."""
    count, _, period = rate.partition("/")
    multiple, name = period[:-1], _UNITS[period[-1]][0]
    if count == "1":
        unit = unit.removesuffix("s")
    counted = f"{count} {unit}" if unit else count
    return f"{counted} per {multiple} {name}s" if multiple else f"{counted} per {name}"


def wait_text(seconds: int) -> str:
    """How long to wait, rounded up to a unit read at a glance."""
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 7200:
        return f"{math.ceil(seconds / 60)} minutes"
    return f"{math.ceil(seconds / 3600)} hours"


def host_of(url: str) -> str:
    """The host a URL points at, as the per-host limits count it."""
    return (urlsplit(url.strip()).hostname or "").rstrip(".").lower()


def probe_requests(targets: Iterable[tuple[str, str]]) -> Counter[str]:
    """How many requests probing each (url, policy) target sends, summed per host: the
    plan's length under the target's policy (13 for full, 8 for safe)."""
    per_host: Counter[str] = Counter()
    for url, policy in targets:
        per_host[host_of(url)] += len(plan_probes(ProbePolicy(policy)))
    return per_host


# --- Charging N against a limit ---


@dataclass(frozen=True)
class Charge:
    limit: Limit
    key: str  # what is counted: "user:7", a host name
    amount: int  # requests (or alerts) this action sends

    @property
    def shown_key(self) -> str:
        return self.key.removeprefix("user:")


def _window_end(value: str, period: int) -> int:
    """When the current window of `value` ends: django-ratelimit's _get_window, so both
    kinds of counter roll over alike (windows from the epoch, a per-key jitter)."""
    now = int(time.time())
    end = now - (now % period) + (zlib.crc32(value.encode()) % period)
    return end + period if end < now else end


def _cache_key(charge: Charge, rate: str, window: int) -> str:
    raw = f"{charge.limit.group}|{rate}|{charge.key}|{window}"
    return "diagnoser-limit:" + hashlib.sha256(raw.encode()).hexdigest()


def _cache() -> Any:
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]


CACHE_DOWN = Refusal("Rate limits can't be checked right now (the cache is down): retry.", 30)


def _charge(charge: Charge) -> tuple[Refusal | None, str | None]:
    """Add the charge to its counter: (None, the counter's key) when it fits, else the
    refusal (and nothing added). Adding first and taking back what overflows keeps the
    limit under concurrent requests: Redis adds atomically, so no two can both fit into
    the last room."""
    rate = charge.limit.rate
    count, period = rate_split(rate)
    what = charge.limit.what.format(key=charge.shown_key)
    if charge.amount > count:
        return Refusal(
            f"Too much at once: this sends {charge.amount} {charge.limit.unit or 'requests'}, "
            f"more than the limit of {rate_text(rate, charge.limit.unit)} {what}. "
            "Probe fewer targets at a time (schedules are not limited).",
            period,
        ), None
    window = _window_end(charge.key, period)
    key = _cache_key(charge, rate, window)
    cache = _cache()
    try:
        cache.add(key, 0, period + _EXPIRY_FUDGE)
        try:
            total = cache.incr(key, charge.amount)
        except ValueError:  # expired between add and incr: a new window begins
            cache.add(key, charge.amount, period + _EXPIRY_FUDGE)
            total = charge.amount
    except Exception:  # any backend failure: fail closed, limits must hold
        log.exception("rate limit %s could not be counted", charge.limit.group)
        return CACHE_DOWN, None
    if total <= count:
        return None, key
    _refund(key, charge.amount)
    wait = max(window - int(time.time()), 1)
    left = max(count - (total - charge.amount), 0)
    return Refusal(
        f"Limit reached: {rate_text(rate, charge.limit.unit)} {what}; this needs "
        f"{charge.amount} and {left} {'is' if left == 1 else 'are'} left. "
        f"Try again in {wait_text(wait)}.",
        wait,
    ), None


def _refund(key: str, amount: int) -> None:
    try:
        _cache().decr(key, amount)
    except Exception:  # gone or unreachable: nothing left to take back
        log.warning("could not take back %s from rate limit counter %s", amount, key)


def charges_take(charges: Sequence[Charge]) -> Refusal | None:
    """Charge every counter, or, if one of them has no room, none, and say which."""
    taken: list[tuple[str, int]] = []
    for charge in charges:
        refusal, key = _charge(charge)
        if refusal is not None:
            for earlier, amount in taken:
                _refund(earlier, amount)
            return refusal
        assert key is not None
        taken.append((key, charge.amount))
    return None


def _user_key(request: HttpRequest) -> str:
    return f"user:{request.user.pk}"


def probes_take(request: HttpRequest, *, targets: Iterable[tuple[str, str]]) -> Refusal | None:
    """An on-demand probe of (url, policy) targets by this user, charged per request it
    sends: to the user, and to each host what goes to that host."""
    per_host = probe_requests(targets)
    return charges_take(
        [
            Charge(PROBES_PER_USER, _user_key(request), sum(per_host.values())),
            *(Charge(PROBES_PER_HOST, host, n) for host, n in sorted(per_host.items()) if host),
        ]
    )


def webhook_tests_take(request: HttpRequest, *, url: str) -> Refusal | None:
    """One test alert POSTed to `url` by this user: per user, and per webhook host."""
    host = host_of(url)
    return charges_take(
        [
            Charge(TEST_ALERTS_PER_USER, _user_key(request), 1),
            *([Charge(TEST_ALERTS_PER_HOST, host, 1)] if host else []),
        ]
    )


# --- One per HTTP request, on django-ratelimit ---


def _shares_refusal(usage: dict[str, Any]) -> Refusal:
    if usage["limit"] == 0:  # django-ratelimit's answer when the cache can't count
        return CACHE_DOWN
    wait = max(int(usage["time_left"]), 1)
    message = (
        f"Limit reached: {rate_text(SHARES_PER_IP.rate)} {SHARES_PER_IP.what}. "
        f"Try again in {wait_text(wait)}."
    )
    return Refusal(message, wait)


def shares_take(request: HttpRequest) -> None:
    """One public share-token lookup from this address; TooManyRequests past the limit."""
    usage = get_usage(
        request, group=SHARES_PER_IP.group, key="ip", rate=SHARES_PER_IP.rate, increment=False
    )
    if usage is not None and usage["count"] >= usage["limit"]:
        raise TooManyRequests(_shares_refusal(usage))
    get_usage(request, group=SHARES_PER_IP.group, key="ip", rate=SHARES_PER_IP.rate, increment=True)
