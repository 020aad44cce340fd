"""The connection pool: the default transport of ``AsyncClient``.

Connections are kept per origin (scheme, host, port) within ``Limits``. Every decision (which
connection a request gets, who waits, what is kept) is ``PoolState``'s (sans-I/O); this shell
connects, closes, waits and locks. The pool lends a connection for one exchange and gets it
back through a lease it owns: when the whole response arrived with its head, right as the
connection returns it; else when the body (wrapped in ``AsyncLeasedBody``) ends or is closed.
Connections never see the pool: they record whether they can be reused, and until when.

A request that went out on a reused connection that the server had already closed (normal:
servers close idle keep-alive connections whenever they like) is sent again once on a new
connection when its method is idempotent (RFC 9110 §9.2.2) and its body can be replayed;
otherwise the caller gets a ``RemoteProtocolError`` saying so. The same holds when stray
bytes (not the start of a response) arrive on a reused connection instead of the response
(issue 17: the last keep-alive race, see ``http11.py``).

HTTP/2 (``http2=True``): after the TLS handshake, ALPN (RFC 7301) says which protocol the
server picked; over cleartext ``http://``, HTTP/2 is used with prior knowledge (RFC 9113
§3.3) only when HTTP/1.1 is switched off (``http1=False``). An HTTP/2 connection is shared:
requests take streams on it up to the server's SETTINGS_MAX_CONCURRENT_STREAMS, then open
another connection or wait, within ``Limits``.

A request switching protocols (``upgrade`` extension: a WebSocket handshake, RFC 6455 over
HTTP/1.1; RFC 8441's extended CONNECT is not spoken) never goes on an HTTP/2 connection: on
a pool that offers h2, one to an ``https://`` origin goes under a pool key of its own
(``UPGRADE_SCHEME``), on connections whose ALPN offers http/1.1 only (``http1_ssl_context``).
Ordinary requests never wait for those nor reuse them, and the upgraded connection leaves
the pool on 101 anyway (``http11.py``); one that was not upgraded (a 4xx answer) is kept
for the next upgrade to its origin.

Proxies (``proxy=``, or the environment's; the rules are in ``_proxy.py``): a client without
any never looks at them beyond one test per request. With a router, each origin's route is
looked up once and cached (``route_cache_size`` origins, then the cache starts over), and it
gives the pool key the request is sent under: ``http://`` requests share the connections to
their forward proxy (keyed by the proxy), ``https://`` requests get tunnels through
``CONNECT`` (``tunnel.py``) keyed by their own origin, so a tunnel is reused for its origin
only; so does a request switching protocols (``upgrade`` extension: a WebSocket handshake) to
an ``http://`` origin. SOCKS5 proxies (``socks.py``) tunnel every origin that way; an
``https://`` proxy adds TLS with the proxy underneath either kind of route.

Connection options, paid for only when given: ``uds`` sends every direct connection to a
Unix domain socket (the URL still names the host), ``local_address`` binds the client side,
``socket_options`` are set on each new socket (these two on proxy connections too).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast

from .._config import Limits
from .._exceptions import (
    ConnectError,
    LocalProtocolError,
    PoolTimeout,
    RemoteProtocolError,
    UnsupportedProtocol,
)
from .._http11_state import IDEMPOTENT_METHODS
from .._models import Request
from .._pool_state import Origin, PoolState
from .._proxy import FORWARD_SCHEME, ProxyRouter, Route
from .._response import Response
from .._streams import AsyncTransportBody, ByteStream
from ..concurrency.base import AsyncBackend, AsyncEvent, AsyncNetworkStream, SocketOption
from .body import AsyncBodyStream, close_iterator
from .http2 import AsyncHTTP2Connection
from .http11 import AsyncHTTP11Connection, StaleConnection, Timeouts
from .socks import open_socks_tunnel
from .tunnel import connect_proxy, open_tunnel

if TYPE_CHECKING:
    import ssl

__all__ = ["AsyncConnectionPool", "AsyncLeasedBody"]

logger = logging.getLogger("fasthttpx")

DEFAULT_PARSER_OPTIONS: dict[str, int] = {
    "max_line_size": 65536,
    "max_header_count": 100,
    "max_headers_size": 262144,
    "max_chunk_line_size": 4096,
}

#: Origins whose route (direct or which proxy) a pool remembers before starting over.
DEFAULT_ROUTE_CACHE_SIZE = 1024

Connection = AsyncHTTP11Connection | AsyncHTTP2Connection

#: The scheme of the pool key of upgrade requests to an https:// origin on a pool that
#: offers h2: their connections speak HTTP/1.1 only (see the module docstring).
UPGRADE_SCHEME = "https+http1"


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
        uds: str | None = None,
        socket_options: Sequence[SocketOption] | None = None,
        proxy_ssl_context: Callable[[], ssl.SSLContext] | ssl.SSLContext | None = None,
        http1_ssl_context: Callable[[], ssl.SSLContext] | ssl.SSLContext | None = None,
    ) -> None:
        self._backend = backend
        #: Seconds an idle connection stays reusable, handed to each connection.
        self._keepalive_expiry = limits.keepalive_expiry \
            if limits.keepalive_expiry is not None else float("inf")
        self._state: PoolState[AsyncHTTP11Connection, AsyncHTTP2Connection, AsyncEvent] = \
            PoolState(limits.max_connections, limits.max_keepalive_connections,
                      backend.create_event, http2=http2, http1=http1)
        self._lock = backend.create_lock()
        #: On one event loop the per-request sections need no lock (``AsyncBackend``).
        self._lock_free: bool = getattr(backend, "single_threaded", False)
        self._ssl_context = ssl_context
        self._http1 = http1
        self._http2 = http2
        self._retries = retries
        self._local_address = local_address
        #: ``uds``: every direct connection goes to this Unix socket (the URL still names
        #: the host, for ``Host`` and TLS); ``socket_options`` reach the backend only when
        #: given, as a keyword in ``_connect_options`` (see ``AsyncBackend.connect_tcp``).
        if uds is not None and proxy is not None:
            raise ValueError(
                "uds= and proxy= cannot be combined: a request goes either to the Unix "
                "socket or to the proxy"
            )
        self._uds = uds
        self._connect_options: dict[str, Any] = {"local_address": local_address}
        self._socket_options: dict[str, Any] = {}
        if socket_options:
            options = list(socket_options)
            for option in options:
                if not isinstance(option, tuple) or len(option) not in (3, 4):
                    raise TypeError(
                        "socket_options must be (level, option, value) or "
                        f"(level, option, None, length) tuples, not {option!r}"
                    )
            self._socket_options = {"socket_options": options}
            self._connect_options.update(self._socket_options)
        # None: the parser's own defaults (the same limits), constructed without keywords.
        if parser_options:
            unknown = set(parser_options) - set(DEFAULT_PARSER_OPTIONS)
            if unknown:
                raise TypeError(f"unknown HTTP/1.1 parser limits: {sorted(unknown)}")
            parser_options = {**DEFAULT_PARSER_OPTIONS, **parser_options}
        self._parser_options = parser_options if parser_options != DEFAULT_PARSER_OPTIONS \
            else None
        self._closed = False
        self.connections_opened = 0  # attempts, for tests and statistics
        #: ``http2_options`` overrides ``HTTP2State``'s limits.
        self._http2_options = http2_options
        #: Proxies: None (the common case) or the router; routes cached per origin as the
        #: pool key to use, and the forward routes by their pool key (one per proxy).
        self._proxies = proxy
        self._route_keys: dict[Origin, Origin] = {}
        self._route_cache_size = route_cache_size
        self._forward_routes: dict[Origin, Route] = {}
        #: TLS with an https:// proxy: this context (ALPN http/1.1 only), else the pool's.
        self._proxy_ssl_context = proxy_ssl_context
        #: TLS of the connections of upgrade requests on a pool that offers h2: this context
        #: (ALPN http/1.1 only), else the pool's (the server must then not pick h2).
        self._http1_ssl_context = http1_ssl_context if http1_ssl_context is not None \
            else ssl_context
        #: A request may go under another pool key than its origin's: through a proxy, or
        #: an upgrade request on a pool that offers h2 (``_pool_key``). One test per request.
        self._rekeys = proxy is not None or http2

    @property
    def connection_count(self) -> int:
        """Connections open or being opened (idle or in use)."""
        return self._state.total

    @property
    def idle_count(self) -> int:
        return self._state.idle_count

    async def handle_async_request(self, request: Request) -> Response:
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
            raise LocalProtocolError(f"request URL {str(url)!r} has no host to send it to")
        timeouts: Timeouts = request.extensions.get("timeout") or _NO_TIMEOUTS
        if self._rekeys:
            origin = self._pool_key(origin, request.extensions)
        state = self._state
        retried = False
        while True:
            # The common checkout first, without a coroutine: the warmest idle HTTP/1.1
            # connection when it is usable as it stands; else the whole way (``_checkout``).
            conn: Connection | None = None
            if not retried and not self._http2:
                if self._lock_free:
                    conn = state.take_usable_idle(origin, time.monotonic())
                else:
                    with self._lock:
                        conn = state.take_usable_idle(origin, time.monotonic())
            if conn is None:
                conn = await self._checkout(
                    origin, timeouts, retried, request.extensions.get("sni_hostname")
                )
            try:
                response = await conn.handle_async_request(request, timeouts)
            except StaleConnection as exc:
                await self._discard(conn)
                reason = self._why_not_retry(request) if not retried else "it was retried once"
                if reason is None:
                    retried = True
                    logger.debug("retrying %s %s on a new connection: %s (%s)",
                                 request.method, url, exc.what, exc)
                    continue
                raise RemoteProtocolError(
                    f"{exc.what} ({exc}); "
                    f"the {request.method} request was not retried because {reason}",
                    request=request,
                ) from exc
            except BaseException:
                await self._discard(conn)
                raise
            if type(conn) is AsyncHTTP11Connection and not conn.in_exchange:
                # The whole response came with its head: the connection is back at once
                # (no await before the bookkeeping, so a cancellation cannot lose it).
                if self._lock_free:
                    kept = state.checkin(conn)
                else:
                    with self._lock:
                        kept = state.checkin(conn)
                if not kept:
                    await conn.aclose()
            else:
                self._lease(response, conn)
            return response

    def _pool_key(self, origin: Origin, extensions: dict[str, Any]) -> Origin:
        """The pool key a request to ``origin`` is sent under: its proxy's (a forward route),
        else its origin; an upgrade request never shares an HTTP/2 connection."""
        key = origin
        if self._proxies:
            key = self._route_keys.get(origin) or self._route(origin)
            if key[0] == FORWARD_SCHEME and "upgrade" in extensions:
                key = origin  # switching protocols: a tunnel of its own (see ``_connect``)
        if self._http2 and "upgrade" in extensions:
            if not self._http1:
                raise UnsupportedProtocol(
                    "a request switching protocols (a WebSocket handshake) needs HTTP/1.1, "
                    "which this client does not speak (http1=False)"
                )
            if key[0] == "https":
                key = (UPGRADE_SCHEME, key[1], key[2])
        return key

    def _lease(self, response: Response, conn: Connection) -> None:
        """The response's body is still arriving: the connection comes back when it ends."""
        response.wrap_body(lambda body: AsyncLeasedBody(body, self, conn))

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
        if not isinstance(request.body, (bytes, ByteStream)):
            return "its body was a stream that cannot be replayed"
        return None

    async def _checkout(
        self, origin: Origin, timeouts: Timeouts, fresh: bool, sni_hostname: str | None = None
    ) -> Connection:
        """Do what ``PoolState.checkout`` decides until it yields a connection: close what it
        drops, open a new connection, or wait (up to the pool timeout) and ask again.
        ``fresh`` (a retry after a stale connection): never an idle connection.
        ``sni_hostname`` (the request's extension, as HTTPX's): the TLS server name of a
        connection opened for it, instead of the URL's host."""
        state = self._state
        pool_timeout = timeouts.get("pool")
        deadline = None if pool_timeout is None else time.monotonic() + pool_timeout
        while True:
            if self._closed:  # closed while this request waited (``close_all`` woke it)
                raise RuntimeError("the client has been closed")
            with self._lock:  # nothing awaits inside: a plain critical section
                action = state.checkout(origin, time.monotonic(), fresh)
            conn, waiter = action.conn, action.waiter
            if action.close:
                try:
                    await _close_all(action.close)
                except BaseException:
                    if conn is not None:
                        await self._discard(conn)
                    elif waiter is not None:
                        with self._lock:
                            state.drop_waiter(origin, waiter)
                    else:
                        with self._lock:
                            state.connect_failed(origin, action.opening)
                    raise
            if conn is not None:
                return conn
            if waiter is None:
                return await self._open(origin, timeouts, action.opening, sni_hostname)
            remaining = None if deadline is None else deadline - time.monotonic()
            woken = False
            try:
                woken = remaining is None or remaining > 0
                woken = woken and await waiter.wait(remaining)
            finally:
                if not woken:
                    with self._lock:
                        state.drop_waiter(origin, waiter)
            if not woken:
                raise PoolTimeout(
                    f"no connection became available within {pool_timeout} s "
                    f"(max_connections={state.max_connections})"
                )

    async def _open(
        self, origin: Origin, timeouts: Timeouts, opening: bool, sni_hostname: str | None
    ) -> Connection:
        """Open the connection ``checkout`` counted, and report how it went."""
        state = self._state
        try:
            conn = await self._connect(origin, timeouts, sni_hostname)
        except BaseException:
            with self._lock:
                state.connect_failed(origin, opening)
            raise
        with self._lock:
            closed = state.closed
            if closed:  # closed while connecting: the pool would never close this one
                state.connect_failed(origin, opening)
            elif type(conn) is AsyncHTTP2Connection:
                state.connected_shared(origin, conn, opening)
            else:
                assert type(conn) is AsyncHTTP11Connection
                state.connected(origin, conn, opening)
        if closed:
            await conn.aclose()
            raise RuntimeError("the client has been closed")
        return conn

    async def _connect(
        self, origin: Origin, timeouts: Timeouts, sni_hostname: str | None = None
    ) -> Connection:
        """A new connection for the pool key ``origin``: direct, through a tunnel, or to a
        forward proxy (then always HTTP/1.1: the proxy is the peer). TLS names the server
        ``sni_hostname`` when given (and checks the certificate against it), else the host."""
        self.connections_opened += 1
        route: Route | None = None
        key = origin  # what the connection is pooled under
        upgrade = origin[0] == UPGRADE_SCHEME  # HTTP/1.1 only, whatever the pool offers
        if upgrade:
            origin = ("https", origin[1], origin[2])
        if self._proxies:
            if origin[0] == FORWARD_SCHEME:
                forward = self._forward_routes[origin]
                stream = await connect_proxy(
                    self._backend, forward, timeouts, self._connect_options,
                    self._proxy_context(forward),
                )
                return AsyncHTTP11Connection(
                    stream, origin, self._parser_options, self._keepalive_expiry, forward
                )
            route = self._proxies.route(origin)  # https:// or any target of a SOCKS proxy
            if route is not None and not route.tunnel:
                route = route.as_tunnel()  # an http:// upgrade request (``handle_async_request``)
        scheme, host, port = origin
        ssl_context = None
        if scheme == "https":
            context = self._http1_ssl_context if upgrade else self._ssl_context
            ssl_context = context() if callable(context) else context
        host_str = host.decode("ascii")
        tls_name = sni_hostname or host_str
        if route is not None and route.socks:
            stream = await open_socks_tunnel(
                self._backend, route, host_str, port, timeouts, self._connect_options
            )
            if ssl_context is not None:
                stream = await _start_tls(stream, ssl_context, tls_name, timeouts)
        elif route is not None:
            stream = await open_tunnel(
                self._backend, route, ssl_context, tls_name, timeouts, self._connect_options,
                self._parser_options, self._proxy_context(route),
            )
        elif self._uds is not None:
            stream = await self._connect_uds(self._uds, ssl_context, tls_name, timeouts)
        else:
            stream = await self._backend.connect_tcp(
                host_str,
                port,
                timeout=timeouts.get("connect"),
                ssl_context=ssl_context,
                server_hostname=tls_name if ssl_context is not None else None,
                **self._connect_options,
            )
        if upgrade:
            if stream.get_extra_info("alpn_protocol") == "h2":  # a context that offers it
                await stream.aclose()
                raise ConnectError(
                    f"{host_str}:{port} chose HTTP/2 by ALPN for a request switching "
                    "protocols (a WebSocket handshake), which needs HTTP/1.1: the TLS "
                    "context given offers h2 (give one whose ALPN offers http/1.1 only)"
                )
        elif self._http2:
            if ssl_context is not None:
                use_http2 = stream.get_extra_info("alpn_protocol") == "h2"  # RFC 7301
            else:
                use_http2 = not self._http1  # prior knowledge, RFC 9113 §3.3
            if use_http2:
                conn = AsyncHTTP2Connection(
                    stream, origin, self._backend, self._keepalive_expiry, self._http2_options
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
                with self._lock:
                    self._state.server_chose_http1(origin)
        return AsyncHTTP11Connection(
            stream, key, self._parser_options, self._keepalive_expiry
        )

    def _proxy_context(self, route: Route) -> ssl.SSLContext | None:
        """The TLS context for ``route``'s proxy: None unless its URL is https://."""
        if route.proxy.url.scheme != "https":
            return None
        context = self._proxy_ssl_context
        if context is None:
            context = self._ssl_context
        context = context() if callable(context) else context
        assert context is not None, "a pool with an https:// proxy has a TLS context"
        return context

    async def _connect_uds(
        self, path: str, ssl_context: ssl.SSLContext | None, host: str, timeouts: Timeouts
    ) -> AsyncNetworkStream:
        """A stream to the Unix socket ``path``; for ``https://``, TLS with ``host`` inside
        it (the server's certificate must still name the URL's host)."""
        timeout = timeouts.get("connect")
        stream = await self._backend.connect_unix_socket(
            path, timeout=timeout, **self._socket_options
        )
        if ssl_context is None:
            return stream
        return await _start_tls(stream, ssl_context, host, timeouts)

    def _give_back(self, conn: Connection) -> bool:
        """The lease on ``conn`` is over (its response body ended or was given up). Returns
        whether the pool keeps it; if not, the caller closes it. Never awaits."""
        state = self._state
        if type(conn) is AsyncHTTP2Connection:
            with self._lock:
                return state.release_stream(conn)
        assert type(conn) is AsyncHTTP11Connection
        if self._lock_free:
            return state.checkin(conn)
        with self._lock:
            return state.checkin(conn)

    def _close_later(self, conn: Connection) -> None:
        with self._lock:
            self._state.close_later(conn)

    async def _discard(self, conn: Connection) -> None:
        """A request on ``conn`` failed. An HTTP/1.1 connection is closed, its slot freed
        first (closing may be interrupted: a trio cancellation raises at the checkpoint
        after the socket is closed); a shared one only loses the stream."""
        if type(conn) is AsyncHTTP2Connection:
            if not self._give_back(conn):
                await conn.aclose()
            return
        assert type(conn) is AsyncHTTP11Connection
        with self._lock:
            self._state.discard(conn)
        await conn.aclose()

    async def aclose(self) -> None:
        """Close every connection, idle or in use."""
        self._closed = True
        with self._lock:
            conns = self._state.close_all()
        await _close_all(conns)

    async def __aenter__(self) -> AsyncConnectionPool:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()


class _ConnectionBody(AsyncBodyStream, Protocol):
    """The body of a response as a connection hands it out: ``done`` turns true when the
    exchange is over (ended, failed or given up)."""

    done: bool


class AsyncLeasedBody(AsyncTransportBody):
    """The pool's lease on the connection under a response whose body is still arriving.

    Reading and iterating pass through to the connection's body; when that body is done
    (read to its end, failed, or closed unread) the connection goes back to the pool, which
    keeps it or closes it. When the body ends while pieces remain to be handed on, the
    connection goes back first, so that a caller who stops after the last piece has not
    kept it out of the pool."""

    __slots__ = ("_body", "_pool", "_conn", "_returned")

    def __init__(self, body: AsyncBodyStream, pool: AsyncConnectionPool, conn: Connection):
        self._body = cast(_ConnectionBody, body)  # the body of one of the pool's connections
        self._pool = pool
        self._conn = conn
        self._returned = False

    def take_complete(self) -> bytes | None:
        data = self._body.take_complete()
        if data is not None and not self._returned:
            self._returned = True
            pool = self._pool
            if not pool._give_back(self._conn):
                pool._close_later(self._conn)  # rare (a GOAWAY raced us): cannot await here
        return data

    async def read_all(self) -> bytes:
        try:
            return await self._body.read_all()
        finally:
            await self._end()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        body = self._body
        pieces = body.__aiter__()
        try:
            async for piece in pieces:
                if body.done and not self._returned:
                    await self._end()
                yield piece
        finally:
            await close_iterator(pieces)
            await self._end()

    async def aclose(self) -> None:
        await self._end()

    async def _end(self) -> None:
        """Hand the connection back: a body not done is given up first; the bookkeeping
        happens even if that is interrupted, and before the connection is closed."""
        if self._returned:
            return
        self._returned = True
        try:
            if not self._body.done:
                await self._body.aclose()
        finally:
            conn = self._conn
            if not self._pool._give_back(conn):
                await conn.aclose()


async def _start_tls(
    stream: AsyncNetworkStream, ssl_context: ssl.SSLContext, host: str, timeouts: Timeouts
) -> AsyncNetworkStream:
    """TLS with ``host`` on a stream opened some other way (Unix socket, SOCKS tunnel);
    the stream is closed if the handshake fails."""
    try:
        return await stream.start_tls(ssl_context, host, timeouts.get("connect"))
    except BaseException:
        await stream.aclose()
        raise


async def _close_all(conns: list[Connection]) -> None:
    """Close every one even if closing one raises (or is cancelled); re-raise the first."""
    error: BaseException | None = None
    for conn in conns:
        try:
            await conn.aclose()
        except BaseException as exc:
            error = error or exc
    if error is not None:
        raise error


_NO_TIMEOUTS: Timeouts = {"connect": None, "read": None, "write": None, "pool": None}
