"""The connection pool: the default transport of ``AsyncClient``.

Connections are kept per origin (scheme, host, port) within ``Limits``. The bookkeeping is
``PoolState`` (sans-I/O); this shell connects, closes and waits. A request that went out on
a reused connection that the server had already closed (normal: servers close idle
keep-alive connections whenever they like) is sent again once on a new connection when its
method is idempotent (RFC 9110 §9.2.2) and its body can be replayed; otherwise the caller
gets a ``RemoteProtocolError`` saying so.

HTTP/2 (``http2=True``): after the TLS handshake, ALPN (RFC 7301) says which protocol the
server picked; over cleartext ``http://``, HTTP/2 is used with prior knowledge (RFC 9113
§3.3) only when HTTP/1.1 is switched off (``http1=False``). An HTTP/2 connection is shared:
requests take streams on it up to the server's SETTINGS_MAX_CONCURRENT_STREAMS, then open
another connection or wait, within ``Limits``. Clients without ``http2`` never enter that
code: ``_checkout`` tests one boolean before its HTTP/1.1 path.

Proxies (``proxy=``, or the environment's; the rules are in ``_proxy.py``): a client without
any never looks at them beyond one test per request. With a router, each origin's route is
looked up once and cached (``route_cache_size`` origins, then the cache starts over), and it
gives the pool key the request is sent under: ``http://`` requests share the connections to
their forward proxy (keyed by the proxy), ``https://`` requests get tunnels through
``CONNECT`` keyed by their own origin, so a tunnel is reused for its origin only.
``_connect`` opens what the key calls for; a non-2xx answer to CONNECT is a ``ProxyError``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._config import Limits
from .._events import InformationalResponse, ResponseHead
from .._exceptions import (
    ConnectError,
    InvalidURL,
    PoolTimeout,
    ProxyError,
    RemoteProtocolError,
    UnsupportedProtocol,
)
from .._http11_state import IDEMPOTENT_METHODS
from .._implementation import ResponseParser
from .._models import Request
from .._pool_state import MultiplexState, Origin, PoolState
from .._proxy import FORWARD_SCHEME, ProxyRouter, Route
from ..concurrency.base import AsyncBackend, AsyncEvent, AsyncNetworkStream
from .http2 import AsyncHTTP2Connection
from .http11 import READ_SIZE, AsyncHTTP11Connection, StaleConnection
from .response import AsyncResponse

if TYPE_CHECKING:
    import ssl

__all__ = ["AsyncConnectionPool"]

logger = logging.getLogger("fasthttpx")

DEFAULT_PARSER_OPTIONS: dict[str, int] = {
    "max_line_size": 65536,
    "max_header_count": 100,
    "max_headers_size": 262144,
    "max_chunk_line_size": 4096,
}

#: Origins whose route (direct or which proxy) a pool remembers before starting over.
DEFAULT_ROUTE_CACHE_SIZE = 1024


class AsyncConnectionPool:
    """Opens, reuses and closes connections; sends each request on one of them."""

    def __init__(
        self,
        *,
        backend: AsyncBackend,
        limits: Limits,
        ssl_context: Callable[[], ssl.SSLContext] | ssl.SSLContext | None = None,
        http1: bool = True,
        http2: bool = False,
        retries: bool = True,
        local_address: str | None = None,
        parser_options: dict[str, int] | None = None,
        http2_options: dict[str, int] | None = None,
        proxy: ProxyRouter | None = None,
        route_cache_size: int = DEFAULT_ROUTE_CACHE_SIZE,
    ) -> None:
        self._backend = backend
        self.keepalive_expiry = limits.keepalive_expiry if limits.keepalive_expiry is not None \
            else float("inf")
        self._state: PoolState[AsyncHTTP11Connection, AsyncEvent] = PoolState(
            limits.max_connections, limits.max_keepalive_connections
        )
        self._lock = backend.create_lock()
        #: On one event loop the per-request sections need no lock (``AsyncBackend``).
        self._lock_free: bool = getattr(backend, "single_threaded", False)
        self._ssl_context = ssl_context
        self._http1 = http1
        self._http2 = http2
        self._retries = retries
        self._local_address = local_address
        # None: the parser's own defaults (the same limits), constructed without keywords.
        if parser_options:
            unknown = set(parser_options) - set(DEFAULT_PARSER_OPTIONS)
            if unknown:
                raise TypeError(f"unknown HTTP/1.1 parser limits: {sorted(unknown)}")
            parser_options = {**DEFAULT_PARSER_OPTIONS, **parser_options}
        self._parser_options = parser_options if parser_options != DEFAULT_PARSER_OPTIONS \
            else None
        self._active: set[AsyncHTTP11Connection] = set()
        self._closed = False
        self.connections_opened = 0  # attempts, for tests and statistics
        #: Shared HTTP/2 connections; ``http2_options`` overrides ``HTTP2State``'s limits.
        self._mux: MultiplexState[AsyncHTTP2Connection, AsyncEvent] = MultiplexState()
        self._http2_options = http2_options
        #: Origins whose server picked HTTP/1.1 by ALPN: no need to wait for a shared one.
        self._http1_origins: set[Origin] = set()
        #: Proxies: None (the common case) or the router; routes cached per origin as the
        #: pool key to use, and the forward routes by their pool key (one per proxy).
        self._proxies = proxy
        self._route_keys: dict[Origin, Origin] = {}
        self._route_cache_size = route_cache_size
        self._forward_routes: dict[Origin, Route] = {}

    @property
    def connection_count(self) -> int:
        """Connections open or being opened (idle or in use)."""
        return self._state.total

    @property
    def idle_count(self) -> int:
        return self._state.idle_count

    async def handle_async_request(self, request: Request) -> AsyncResponse:
        """Send ``request`` on a pooled connection; return once the response head arrived."""
        if self._closed:
            raise RuntimeError("the client has been closed")
        url = request.url
        origin = url.origin
        if origin[0] not in ("http", "https"):
            raise UnsupportedProtocol(
                f"request URL {str(url)!r} has an unsupported scheme {url.scheme!r}: "
                "only 'http' and 'https' are supported"
            )
        if not origin[1]:
            raise InvalidURL(f"request URL {str(url)!r} has no host")
        timeouts = request.extensions.get("timeout") or _NO_TIMEOUTS
        if self._proxies:
            origin = self._route_keys.get(origin) or self._route(origin)
        retried = False
        while True:
            # The common checkout first, without a coroutine: the warmest idle HTTP/1.1
            # connection when it is usable as it stands; else the whole way (``_checkout``).
            idle = None
            if not retried and not self._http2:
                if self._lock_free:
                    idle = self._state.take_usable_idle(origin, time.monotonic())
                else:
                    with self._lock:
                        idle = self._state.take_usable_idle(origin, time.monotonic())
            if idle is not None:
                self._active.add(idle)
                conn: AsyncHTTP11Connection | AsyncHTTP2Connection = idle
            else:
                conn = await self._checkout(origin, timeouts, fresh=retried)
            try:
                return await conn.handle_async_request(request, timeouts)
            except StaleConnection as exc:
                await self._discard(conn)
                reason = self._why_not_retry(request) if not retried else "it was retried once"
                if reason is None:
                    retried = True
                    logger.debug("retrying %s %s on a new connection: %s",
                                 request.method, url, exc)
                    continue
                raise RemoteProtocolError(
                    f"the server closed a kept-alive connection before responding ({exc}); "
                    f"the {request.method} request was not retried because {reason}",
                    request=request,
                ) from exc
            except BaseException:
                await self._discard(conn)
                raise

    def _route(self, origin: Origin) -> Origin:
        """The pool key of ``origin``'s connections (itself, unless a forward proxy carries
        it), remembered for the next request to that origin."""
        assert self._proxies is not None
        route = self._proxies.route(origin)
        key = origin
        if route is not None and not route.tunnel:
            key = route.key
            self._forward_routes.setdefault(key, route)
        if len(self._route_keys) >= self._route_cache_size:
            self._route_keys.clear()
        self._route_keys[origin] = key
        return key

    def _why_not_retry(self, request: Request) -> str | None:
        if not self._retries:
            return "retries are disabled"
        if request.method not in IDEMPOTENT_METHODS:
            return "its method is not idempotent"
        if not isinstance(request.stream, bytes):
            return "its body was a stream that cannot be replayed"
        return None

    async def _checkout(
        self, origin: Origin, timeouts: dict[str, Any], fresh: bool = False
    ) -> AsyncHTTP11Connection | AsyncHTTP2Connection:
        """An idle connection to ``origin``, or a new one, waiting up to the pool timeout.
        ``fresh`` (a retry after a stale connection): never an idle one, which could be stale
        in the same way."""
        if self._http2:
            return await self._checkout_shared(origin, timeouts, fresh)
        state = self._state
        pool_timeout = timeouts.get("pool")
        deadline = None if pool_timeout is None else time.monotonic() + pool_timeout
        while True:
            discard: list[AsyncHTTP11Connection] = []
            waiter: AsyncEvent | None = None
            with self._lock:  # nothing awaits inside: a plain critical section
                conn = None if fresh else state.take_idle(origin, time.monotonic(), discard)
                if conn is None:
                    if state.reserve_new(time.monotonic(), discard):
                        pass
                    else:
                        waiter = self._backend.create_event()
                        state.waiters.append(waiter)
            if conn is not None:
                self._active.add(conn)  # before any await: a cancellation must not lose it
            try:
                if discard:
                    await _close_all(discard)
            except BaseException:
                if conn is not None:
                    await self._discard(conn)
                elif waiter is None:
                    self._forget()
                raise
            if conn is not None:
                return conn
            if waiter is None:
                try:
                    new = await self._connect(origin, timeouts)
                except BaseException:
                    self._forget()
                    raise
                self._active.add(new)  # type: ignore[arg-type]  # HTTP/1.1 without http2
                return new
            remaining = None if deadline is None else deadline - time.monotonic()
            woken = False
            try:
                woken = remaining is None or remaining > 0
                woken = woken and await waiter.wait(remaining)
            finally:
                if not woken:
                    self._drop_waiter(waiter)
            if not woken:
                raise PoolTimeout(
                    f"no connection became available within {pool_timeout} s "
                    f"(max_connections={state.max_connections})"
                )

    async def _checkout_shared(
        self, origin: Origin, timeouts: dict[str, Any], fresh: bool = False
    ) -> AsyncHTTP11Connection | AsyncHTTP2Connection:
        """``_checkout`` when HTTP/2 is enabled: a stream on a shared connection first; while
        a connection that may become shared is being opened, wait to see what it becomes.
        ``fresh`` as in ``_checkout``: no idle HTTP/1.1 connection (a failed shared one
        takes no new streams anyway)."""
        state = self._state
        mux = self._mux
        pool_timeout = timeouts.get("pool")
        deadline = None if pool_timeout is None else time.monotonic() + pool_timeout
        may_share = (origin[0] == "https" or not self._http1) \
            and origin not in self._http1_origins
        while True:
            discard: list[Any] = []
            waiter: AsyncEvent | None = None
            conn: AsyncHTTP11Connection | AsyncHTTP2Connection | None = None
            opening = False
            with self._lock:  # nothing awaits inside
                now = time.monotonic()
                conn = mux.take_stream(origin, now, discard)
                for _ in discard:
                    state.forget()
                if conn is None:
                    opening_waiters = mux.opening.get(origin)
                    if opening_waiters is not None:
                        waiter = self._backend.create_event()
                        opening_waiters.append(waiter)
                    else:
                        conn = None if fresh else state.take_idle(origin, now, discard)
                        if conn is None:
                            if state.reserve_new(now, discard):
                                if may_share:
                                    mux.opening[origin] = []
                                    opening = True
                            else:
                                waiter = self._backend.create_event()
                                state.waiters.append(waiter)
                        else:
                            self._active.add(conn)
            try:
                if discard:
                    await _close_all(discard)
            except BaseException:
                if conn is not None:
                    await self._discard(conn)
                elif waiter is None:
                    self._opened(origin, opening, None)
                raise
            if conn is not None:
                return conn
            if waiter is None:
                try:
                    conn = await self._connect(origin, timeouts)
                except BaseException:
                    self._opened(origin, opening, None)
                    raise
                self._opened(origin, opening, conn)
                return conn
            remaining = None if deadline is None else deadline - time.monotonic()
            woken = False
            try:
                woken = remaining is None or remaining > 0
                woken = woken and await waiter.wait(remaining)
            finally:
                if not woken:
                    with self._lock:
                        waiting = mux.opening.get(origin)
                        if waiting is not None and waiter in waiting:
                            waiting.remove(waiter)
                    self._drop_waiter(waiter)
            if not woken:
                raise PoolTimeout(
                    f"no connection became available within {pool_timeout} s "
                    f"(max_connections={state.max_connections})"
                )

    def _opened(
        self, origin: Origin, opening: bool,
        conn: AsyncHTTP11Connection | AsyncHTTP2Connection | None,
    ) -> None:
        """A connection attempt ended (``conn`` None: it failed): count it, and wake the
        requests that waited to see whether it would be shared."""
        with self._lock:
            if conn is None:
                self._state.forget()
                self._wake_one()
            elif type(conn) is AsyncHTTP2Connection:
                self._mux.add(conn)
            else:
                self._active.add(conn)  # type: ignore[arg-type]
            if opening:
                for event in self._mux.opening.pop(origin, ()):
                    event.set()

    def release_stream(self, conn: AsyncHTTP2Connection) -> bool:
        """One stream of a shared connection is over. Returns True if the caller must close
        the connection (it takes no new streams and has none left). Never awaits."""
        with self._lock:
            close = self._mux.release(conn, time.monotonic(), self.keepalive_expiry)
            if close:
                self._state.forget()
            self._wake_one()
        return close

    def _drop_waiter(self, waiter: AsyncEvent) -> None:
        with self._lock:
            try:
                self._state.waiters.remove(waiter)
            except ValueError:
                # Already woken: pass the wake-up on so that no capacity goes unnoticed.
                self._wake_one()

    def _wake_one(self) -> None:
        if self._state.waiters:
            self._state.waiters.popleft().set()

    async def _connect(
        self, origin: Origin, timeouts: dict[str, Any]
    ) -> AsyncHTTP11Connection | AsyncHTTP2Connection:
        """A new connection for the pool key ``origin``: direct, through a tunnel, or to a
        forward proxy (then always HTTP/1.1: the proxy is the peer)."""
        self.connections_opened += 1
        route: Route | None = None
        if self._proxies:
            if origin[0] == FORWARD_SCHEME:
                forward = self._forward_routes[origin]
                stream = await self._connect_proxy(forward, timeouts)
                return AsyncHTTP11Connection(
                    stream, origin, self, self._parser_options, forward
                )
            if origin[0] == "https":
                route = self._proxies.route(origin)
        scheme, host, port = origin
        ssl_context = None
        if scheme == "https":
            ssl_context = self._ssl_context() if callable(self._ssl_context) \
                else self._ssl_context
        host_str = host.decode("ascii")
        if route is not None:
            assert ssl_context is not None  # only https:// origins are tunnelled
            stream = await self._open_tunnel(route, ssl_context, host_str, timeouts)
        else:
            stream = await self._backend.connect_tcp(
                host_str,
                port,
                timeout=timeouts.get("connect"),
                ssl_context=ssl_context,
                server_hostname=host_str if ssl_context is not None else None,
                local_address=self._local_address,
            )
        if self._http2:
            if ssl_context is not None:
                use_http2 = stream.get_extra_info("alpn_protocol") == "h2"  # RFC 7301
            else:
                use_http2 = not self._http1  # prior knowledge, RFC 9113 §3.3
            if use_http2:
                conn = AsyncHTTP2Connection(
                    stream, origin, self, self._backend, self._http2_options
                )
                try:
                    await conn.start(timeouts.get("write"))
                except BaseException:
                    await stream.aclose()
                    raise
                return conn
            if not self._http1:
                await stream.aclose()
                raise ConnectError(
                    f"{host_str}:{port} did not agree to HTTP/2 by ALPN, and HTTP/1.1 is "
                    "disabled (http1=False)"
                )
            if ssl_context is not None:
                self._http1_origins.add(origin)
        return AsyncHTTP11Connection(stream, origin, self, self._parser_options)

    async def _connect_proxy(self, route: Route, timeouts: dict[str, Any]) -> AsyncNetworkStream:
        """TCP to the proxy; a failure names the proxy."""
        try:
            return await self._backend.connect_tcp(
                route.proxy_host,
                route.proxy_port,
                timeout=timeouts.get("connect"),
                local_address=self._local_address,
            )
        except ConnectError as exc:
            raise ConnectError(f"cannot connect to the proxy {route.proxy.url}: {exc}") from exc

    async def _open_tunnel(
        self, route: Route, ssl_context: ssl.SSLContext, host: str, timeouts: dict[str, Any]
    ) -> AsyncNetworkStream:
        """CONNECT through the proxy (RFC 9110 §9.3.6), then TLS with the target inside the
        tunnel. A 2xx answer to CONNECT has no body (RFC 9112 §6.3); anything else is a
        ``ProxyError`` and the connection is closed."""
        stream = await self._connect_proxy(route, timeouts)
        try:
            await stream.write(route.connect_head, timeouts.get("write"))
            options = self._parser_options
            parser = ResponseParser(b"CONNECT", **options) if options \
                else ResponseParser(b"CONNECT")
            head: ResponseHead | None = None
            while head is None:
                data = await stream.read(READ_SIZE, timeouts.get("read"))
                for event in parser.feed(data) if data else parser.feed_eof():
                    if type(event) is ResponseHead:
                        head = event
                    elif type(event) is InformationalResponse:
                        continue
            authority = route.connect_head.split(b" ", 2)[1].decode("ascii")
            if not 200 <= head.status_code < 300:
                reason = head.reason.decode("latin-1")
                raise ProxyError(
                    f"the proxy {route.proxy.url} refused to open a tunnel to {authority}: "
                    f"{head.status_code} {reason}".rstrip()
                )
            if parser.unused_data:
                raise ProxyError(
                    f"the proxy {route.proxy.url} sent bytes after its answer to CONNECT "
                    f"{authority}, before the TLS handshake"
                )
            return await stream.start_tls(
                ssl_context, server_hostname=host, timeout=timeouts.get("connect")
            )
        except BaseException:
            await stream.aclose()
            raise

    def checkin(self, conn: AsyncHTTP11Connection, reusable: bool) -> bool:
        """A connection's exchange is over: keep it idle if ``reusable`` and the limits
        allow. Returns True if the caller must close it. Never awaits."""
        try:
            self._active.remove(conn)
        except KeyError:  # the pool was closed meanwhile: it no longer counts
            return True
        if self._lock_free:
            return not self._keep(conn, reusable)
        with self._lock:
            return not self._keep(conn, reusable)

    def _keep(self, conn: AsyncHTTP11Connection, reusable: bool) -> bool:
        """``checkin``'s bookkeeping, under the pool lock where one is needed."""
        if reusable and not conn.closed and not self._closed:
            keep = self._state.put_idle(conn)
        else:
            self._state.forget()
            keep = False
        if self._state.waiters:
            self._wake_one()
        return keep

    async def _discard(self, conn: AsyncHTTP11Connection | AsyncHTTP2Connection) -> None:
        """Close a checked-out connection after a failure; its slot is freed once. The
        bookkeeping comes first: closing may be interrupted (a trio cancellation raises at
        the checkpoint after the socket is closed)."""
        if type(conn) is AsyncHTTP2Connection:
            return  # a failed stream is not a failed connection: the stream released itself
        if conn in self._active:
            self._active.discard(conn)
            self._forget()
        await conn.aclose()

    def _forget(self) -> None:
        with self._lock:
            self._state.forget()
            self._wake_one()

    async def aclose(self) -> None:
        """Close every connection, idle or in use."""
        self._closed = True
        with self._lock:
            idle = self._state.take_all_idle()
            active = list(self._active)
            self._active.clear()
            self._state.total -= len(active)
            shared = self._mux.take_all()
            self._state.total -= len(shared)
            while self._state.waiters:
                self._wake_one()
            for waiting in self._mux.opening.values():
                for event in waiting:
                    event.set()
        await _close_all([*idle, *active, *shared])

    async def __aenter__(self) -> AsyncConnectionPool:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()


async def _close_all(conns: list[Any]) -> None:
    """Close every one even if closing one raises (or is cancelled); re-raise the first."""
    error: BaseException | None = None
    for conn in conns:
        try:
            await conn.aclose()
        except BaseException as exc:
            error = error or exc
    if error is not None:
        raise error


_NO_TIMEOUTS: dict[str, Any] = {"connect": None, "read": None, "write": None, "pool": None}
