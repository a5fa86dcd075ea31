"""Typed readers for settings that come from environment variables.

Each helper fails loudly with ImproperlyConfigured on a value it cannot use, so a
typo in a deployment shows up at start-up instead of as odd behaviour later.
"""

import ipaddress
import os
import re
from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured

N = TypeVar("N", int, float)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def _env_number(name: str, default: N, parse: Callable[[str], N], what: str, minimum: N) -> N:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = parse(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {what}, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    return _env_number(name, default, int, "an integer", minimum)


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    return _env_number(name, default, float, "a number", minimum)


def env_list(name: str, default: str = "") -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for item in env_list(name):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must be comma-separated CIDRs like 10.0.0.0/8, got {item!r}"
            ) from None
    return networks


_RATE = re.compile(r"(\d+)/(\d*)([smhd])")


def env_rate(name: str, default: str) -> str:
    """A rate limit in django-ratelimit's form: "30/10m" is 30 per 10 minutes (s, m, h, d)."""
    raw = os.environ.get(name, default).strip()
    match = _RATE.fullmatch(raw)
    if match is None or int(match.group(1)) < 1 or match.group(2) == "0":
        raise ImproperlyConfigured(
            f"{name} must be a rate like 30/10m (count per period: s, m, h or d), got {raw!r}"
        )
    return raw
