"""Alerts through Apprise, held to the outbound choke point.

Apprise's plugins make their own HTTP calls with module-level `requests.post(...)`. For
the plugins admitted here, that `requests` name is replaced by a stand-in whose calls go
through `outbound.exchange`: the SSRF guard on the address connected to, the total
deadline, the capped raw read, no redirects. The stand-in refuses any call made outside
`notify_once`, so nothing reaches the network unguarded, whoever calls the plugin.

Apprise (most of a second to import) is loaded on first use, only here (`apprise_bound`),
and bound before the first plugin is made. Schemes whose plugin is not admitted are
refused before Apprise sees the URL. Email speaks SMTP, not HTTP: a `mailto://` channel
is sent only to an SMTP host the operator lists.
"""

from __future__ import annotations

import contextvars
import importlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import requests

from .config import EngineConfig
from .outbound import exchange

# scheme -> the Apprise plugin module that sends it (all over HTTP, except email)
HTTP_PLUGINS = {
    "json": "custom_json",
    "jsons": "custom_json",
    "form": "custom_form",
    "forms": "custom_form",
    "slack": "slack",
    "workflow": "workflows",
    "workflows": "workflows",
    "discord": "discord",
    "pagerduty": "pagerduty",
    "ntfy": "ntfy",
    "ntfys": "ntfy",
    "mmost": "mattermost",
    "mmosts": "mattermost",
    "tgram": "telegram",
}
EMAIL_SCHEMES = frozenset({"mailto", "mailtos"})
SMTP_PORTS = frozenset({25, 465, 587})
KINDS = {
    "json": "Webhook (JSON)",
    "jsons": "Webhook (JSON)",
    "form": "Webhook (form)",
    "forms": "Webhook (form)",
    "slack": "Slack",
    "workflow": "Microsoft Teams",
    "workflows": "Microsoft Teams",
    "discord": "Discord",
    "pagerduty": "PagerDuty",
    "ntfy": "ntfy",
    "ntfys": "ntfy",
    "mmost": "Mattermost",
    "mmosts": "Mattermost",
    "tgram": "Telegram",
    "mailto": "Email",
    "mailtos": "Email",
}
# A reply an alert service sends is small; a larger one is cut, never read whole.
MAX_REPLY_BYTES = 16 * 1024


class ChannelRefused(ValueError):
    """The channel URL can't be sent through the guard; the message says what to do."""


@dataclass
class _Sending:
    config: EngineConfig
    errors: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


_sending: contextvars.ContextVar[_Sending | None] = contextvars.ContextVar(
    "diagnoser_notify_sending", default=None
)


class _GuardedRequests(ModuleType):
    """What an admitted plugin sees as `requests`: the real module's names (exceptions,
    codes), with every call that would send going through the choke point."""

    def __init__(self) -> None:
        super().__init__("requests")

    def __getattr__(self, name: str) -> Any:
        if name in {"Session", "session"}:
            raise AttributeError("sessions are not available to alert plugins")
        return getattr(requests, name)

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        sending = _sending.get()
        if sending is None:
            raise requests.ConnectionError("refused: an alert plugin sent outside notify_once")
        # Built by requests itself (params, form or JSON body, auth): only sending is ours.
        prepared = requests.Request(
            method.upper(),
            url,
            params=kwargs.get("params"),
            data=kwargs.get("data"),
            json=kwargs.get("json"),
            files=kwargs.get("files"),
            headers=kwargs.get("headers"),
            auth=kwargs.get("auth"),
        ).prepare()
        sent = exchange(
            method=prepared.method or method.upper(),
            url=prepared.url or url,
            config=sending.config,
            data=prepared.body,
            headers=prepared.headers,
            max_bytes=MAX_REPLY_BYTES,
        )
        if sent.response is None:
            sending.errors.append(sent.error)
            raise requests.ConnectionError(sent.error)
        sending.statuses.append(sent.response.status_code)
        response = sent.response
        response._content = sent.body
        response._content_consumed = True  # type: ignore[attr-defined]
        return response

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", url, **kwargs)


_GUARDED = _GuardedRequests()


_binding = threading.Lock()
_bound: list[str] = []  # the plugin modules bound so far


def _bind(modules: Iterable[str]) -> None:
    for name in set(modules):
        module = importlib.import_module(f"apprise.plugins.{name}")
        module.requests = _GUARDED  # type: ignore[attr-defined]


def apprise_bound() -> Any:
    """The apprise package, its admitted plugins' `requests` bound to the stand-in."""
    with _binding:
        apprise = importlib.import_module("apprise")
        if not _bound:
            _bind(HTTP_PLUGINS.values())
            _bound.extend(sorted(set(HTTP_PLUGINS.values())))
        return apprise


def channel_kind(url: str) -> str:
    """What a channel URL sends to, in words ("Slack"); "" when not admitted."""
    return KINDS.get(urlsplit(url).scheme.lower(), "")


def _plugin(url: str, *, smtp_hosts: frozenset[str]) -> Any:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in HTTP_PLUGINS and scheme not in EMAIL_SCHEMES:
        admitted = ", ".join(sorted({*HTTP_PLUGINS, *EMAIL_SCHEMES}))
        raise ChannelRefused(
            f"{scheme or 'no'}:// is not a channel this server sends: use one of {admitted} "
            "(json:// for a generic webhook)"
        )
    plugin = apprise_bound().Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        raise ChannelRefused(
            f"Apprise can't read this {scheme}:// URL: check it against the Apprise wiki "
            f"page for {scheme}:// (https://github.com/caronc/apprise/wiki)"
        )
    if scheme in EMAIL_SCHEMES:
        host = (getattr(plugin, "smtp_host", "") or "").lower()
        if host not in smtp_hosts:
            raise ChannelRefused(
                f"email goes out through SMTP host {host or '(none)'}, which the operator has "
                "not listed: ask them to add it to DIAGNOSER_ALERT_SMTP_HOSTS, or use a chat "
                "or webhook channel"
            )
        # SMTP does not pass the HTTP choke point: the operator's host list is its guard,
        # and only its mail ports, so a listed host's other services stay out of reach.
        port = getattr(plugin, "port", None)
        if port is not None and port not in SMTP_PORTS:
            raise ChannelRefused(
                f"port {port} is not a mail port: use {', '.join(map(str, sorted(SMTP_PORTS)))}"
                " (or none, for the default)"
            )
    return plugin


def channel_check(url: str, *, smtp_hosts: frozenset[str]) -> None:
    """Raise ChannelRefused unless `url` is a channel notify_once can send."""
    _plugin(url, smtp_hosts=smtp_hosts)


@dataclass(frozen=True)
class NotifyResult:
    ok: bool
    error: str  # "" when delivered; else one line saying what went wrong and what to check
    status: int | None  # the last HTTP status the service answered, when there was one


def notify_once(
    *, url: str, title: str, body: str, config: EngineConfig, smtp_hosts: frozenset[str]
) -> NotifyResult:
    """Send one alert through Apprise in this thread, every HTTP call it makes guarded.
    Never raises for what the network or the service did."""
    try:
        plugin = _plugin(url, smtp_hosts=smtp_hosts)
    except ChannelRefused as refused:
        return NotifyResult(False, str(refused), None)
    sending = _Sending(config)
    token = _sending.set(sending)
    try:
        delivered = bool(plugin.notify(body=body or title, title=title))
    except Exception as error:  # a plugin's bug must not kill the task that retries it
        sending.errors.append(f"{type(error).__name__}: {error}")
        delivered = False
    finally:
        _sending.reset(token)
    status = sending.statuses[-1] if sending.statuses else None
    if delivered:
        return NotifyResult(True, "", status)
    if sending.errors:
        return NotifyResult(False, sending.errors[-1], status)
    if status is not None:
        return NotifyResult(
            False,
            f"HTTP {status} from {urlsplit(url).scheme}:// service: check the channel URL "
            "(token, webhook id) is still valid",
            status,
        )
    return NotifyResult(False, "Apprise could not send it: check the channel URL", status)
