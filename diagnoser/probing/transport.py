"""The one way out: every outbound request (probes, and later webhooks) goes through here.

`guarded_session()` returns a requests Session whose connections resolve the host
themselves, refuse the whole answer if any address is refused by the SSRF guard, connect
to the vetted IP literal (no second lookup, so DNS rebinding has nothing to race) and
check the peer again once connected. The session takes no proxy or netrc settings from
the environment, keeps no cookies, never follows redirects and sends only to URLs that
`validate_target_url` accepts (http or https, no credentials in the URL).
"""

from __future__ import annotations

import socket
import sys
from http.client import RemoteDisconnected
from http.cookiejar import DefaultCookiePolicy
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
)
from urllib3.util.retry import Retry

from .config import EngineConfig
from .deadline import current_watch
from .guard import AddressPolicy, BlockedAddress
from .urls import DEFAULT_PORTS, validate_target_url

__all__ = ["BlockedAddress", "check_destination", "guarded_session", "resolve"]


def resolve(host: str, port: int) -> list[str]:
    """The IP addresses `host` resolves to, in the resolver's order, without repeats.

    Module-level so tests can patch this one point instead of the DNS.
    """
    seen: dict[str, None] = {}
    for _family, _type, _proto, _name, sockaddr in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    ):
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


def check_destination(url: str, policy: AddressPolicy) -> bool:
    """Raise BlockedAddress if the host of `url` (valid, as `validate_target_url` returns
    it) resolves to any address `policy` refuses; False if it does not resolve now.

    For URLs a user saves to be requested later (webhooks, base URLs), so they hear at
    once that it points inside. Nothing is connected to. A name that does not resolve now
    passes: every request checks again.
    """
    parts = urlsplit(url)
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    try:
        addresses = resolve(parts.hostname or "", port)
    except (OSError, UnicodeError):
        return False
    for ip in addresses:
        policy.check(ip, port, host=parts.hostname)
    return True


def _open_socket(
    ip: str,
    port: int,
    timeout: float | None,
    options: list[tuple[int, int, int | bytes]] | None,
    source_address: tuple[str, int] | None,
) -> socket.socket:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        for level, name, value in options or ():
            sock.setsockopt(level, name, value)
        sock.settimeout(timeout)
        if source_address:
            sock.bind(source_address)
        sock.connect((ip, port))
    except BaseException:
        sock.close()
        raise
    return sock


class _GuardedConnectionMixin:
    """Overrides urllib3's `_new_conn` to connect only to addresses the guard admits."""

    address_policy: ClassVar[AddressPolicy] = AddressPolicy()

    # Provided by urllib3's HTTPConnection.
    _dns_host: str
    host: str
    port: int
    timeout: float | None
    socket_options: Any
    source_address: tuple[str, int] | None
    sock: socket.socket | None

    peer_address: str | None = None
    _watch_sock: socket.socket | None = None

    def _new_conn(self) -> socket.socket:
        try:
            addresses = resolve(self._dns_host, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc  # type: ignore[arg-type]
        if not addresses:
            error = socket.gaierror(socket.EAI_NONAME, "no addresses")
            raise NameResolutionError(self.host, self, error)  # type: ignore[arg-type]
        # Every address, not just the first: the resolver (or an attacker's DNS) decides
        # the order, and urllib3 would fall back to the next one on a failed connect.
        for ip in addresses:
            self.address_policy.check(ip, self.port, host=self.host)
        watch = current_watch()
        timeout = self.timeout
        if watch is not None:
            remaining = watch.remaining()
            if remaining <= 0:
                raise ConnectTimeoutError(self, "the deadline passed before connecting")
            timeout = remaining if timeout is None else min(timeout, remaining)
        sock = self._connect_any(addresses, timeout)
        try:
            peer = str(sock.getpeername()[0])
            self.address_policy.check(peer, self.port, host=self.host)
        except BaseException:
            sock.close()
            raise
        sys.audit("http.client.connect", self, self.host, self.port)
        self._set_watch_sock(sock.dup())
        self.peer_address = peer
        if watch is not None:
            watch.attach(self._watch_sock, peer)  # type: ignore[arg-type]
        return sock

    def _connect_any(self, addresses: list[str], timeout: float | None) -> socket.socket:
        last_error: OSError | None = None
        for ip in addresses:
            try:
                return _open_socket(
                    ip, self.port, timeout, self.socket_options, self.source_address
                )
            except OSError as exc:
                last_error = exc
        if isinstance(last_error, TimeoutError):
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out. (connect timeout={timeout})"
            ) from last_error
        raise NewConnectionError(
            self,  # type: ignore[arg-type]
            f"Failed to establish a new connection: {last_error}",
        ) from last_error

    def request(self, *args: Any, **kwargs: Any) -> None:
        # A connection reused from the pool must report to this request's deadline.
        if self.sock is not None and self._watch_sock is not None:
            watch = current_watch()
            if watch is not None:
                watch.attach(self._watch_sock, self.peer_address)
        super().request(*args, **kwargs)  # type: ignore[misc]

    def close(self) -> None:
        super().close()  # type: ignore[misc]
        self._set_watch_sock(None)

    def _set_watch_sock(self, sock: socket.socket | None) -> None:
        old, self._watch_sock = self._watch_sock, sock
        if old is None:
            return
        # The response may still be reading through a closed connection (http.client
        # hands the socket to a "Connection: close" response): let its deadline keep
        # the duplicate until the request is over.
        watch = current_watch()
        if watch is None or not watch.adopt(old):
            old.close()


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class StaleConnectionRetry(Retry):
    """Send again, once, a request whose kept-alive connection the server had closed.

    Servers close an idle or refused connection without saying `Connection: close`
    (Fastify after its 400 to an unknown verb); the next request on it dies before any
    answer and recorded "no response" for a method the server would have answered. Only
    that failure is retried, and only for idempotent methods (RFC 9110 9.2.2): a timeout
    or a POST is never sent twice.
    """

    def increment(  # type: ignore[override]
        self, method: str | None = None, url: str | None = None, **kwargs: Any
    ) -> Retry:
        error = kwargs.get("error")
        if not _closed_by_peer(error) or not self._is_method_retryable(method or ""):
            pool = kwargs.get("_pool")
            raise MaxRetryError(pool, url or "", error) from error  # type: ignore[arg-type]
        return super().increment(method, url, **kwargs)


def _closed_by_peer(error: BaseException | None) -> bool:
    """Whether the connection was closed under the request (urllib3 wraps the socket's
    error in ProtocolError's arguments, not as its cause)."""
    seen: list[BaseException] = []
    while error is not None and error not in seen:
        if isinstance(error, RemoteDisconnected | ConnectionResetError | BrokenPipeError):
            return True
        seen.append(error)
        wrapped = [arg for arg in error.args if isinstance(arg, BaseException)]
        error = wrapped[0] if wrapped else error.__cause__ or error.__context__
    return False


_RETRY_STALE = StaleConnectionRetry(
    total=1,
    connect=0,
    read=1,
    status=0,
    other=0,
    redirect=False,
    raise_on_status=False,
    allowed_methods=frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"}),
)


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose pools use the guarded connection classes."""

    def __init__(self, policy: AddressPolicy, pool_maxsize: int, pool_connections: int) -> None:
        self._policy = policy
        super().__init__(
            pool_connections=pool_connections,
            pool_maxsize=pool_maxsize,
            max_retries=_RETRY_STALE,
        )

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        http_conn = type(
            "GuardedHTTPConnection", (GuardedHTTPConnection,), {"address_policy": self._policy}
        )
        https_conn = type(
            "GuardedHTTPSConnection", (GuardedHTTPSConnection,), {"address_policy": self._policy}
        )
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type(
                "GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}
            ),
        }

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # A proxy would connect on our behalf to addresses the guard never sees.
        raise BlockedAddress(f"requests through a proxy ({proxy}) are not allowed")


class GuardedSession(requests.Session):
    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        # The engine validates its targets itself; anything else sent this way (webhook
        # URLs, possibly stored before they were validated) gets the same rules. Raises
        # InvalidTarget, whose message says what to change.
        validate_target_url(request.url or "")
        return super().send(request, **kwargs)

    def get_redirect_target(self, resp: requests.Response) -> None:
        # Redirects are answers to record, never to follow: the next hop could be anywhere.
        return None


def guarded_session(config: EngineConfig) -> requests.Session:
    """A Session that can only reach what `config`'s address policy admits."""
    session = GuardedSession()
    session.trust_env = False
    session.max_redirects = 0
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    session.headers.clear()
    session.headers.update(
        {"User-Agent": config.user_agent, "Accept-Encoding": "identity", "Accept": "*/*"}
    )
    adapter = GuardedAdapter(
        config.address_policy,
        pool_maxsize=max(config.per_host_concurrency, 10),
        pool_connections=max(config.max_workers, 10),
    )
    session.adapters.clear()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
