"""The connection pool: the default transport of ``AsyncClient``.

Connections are kept per origin (scheme, host, port) within ``Limits``. The bookkeeping is
``PoolState`` (sans-I/O); this shell connects, closes and waits. A request that went out on
a reused connection that the server had already closed (normal: servers close idle
keep-alive connections whenever they like) is sent again once on a new connection when its
method is idempotent (RFC 9110 §9.2.2) and its body can be replayed; otherwise the caller
gets a ``RemoteProtocolError`` saying so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._config import Limits
from .._exceptions import InvalidURL, PoolTimeout, RemoteProtocolError, UnsupportedProtocol
from .._http11_state import IDEMPOTENT_METHODS
from .._models import Request
from .._pool_state import Origin, PoolState
from ..concurrency.base import AsyncBackend, AsyncEvent
from .http11 import AsyncHTTP11Connection, StaleConnection
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
    ) -> None:
        self._backend = backend
        self.keepalive_expiry = limits.keepalive_expiry if limits.keepalive_expiry is not None \
            else float("inf")
        self._state: PoolState[AsyncHTTP11Connection, AsyncEvent] = PoolState(
            limits.max_connections, limits.max_keepalive_connections
        )
        self._lock = backend.create_lock()
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
        if url.scheme not in ("http", "https"):
            raise UnsupportedProtocol(
                f"request URL {str(url)!r} has an unsupported scheme {url.scheme!r}: "
                "only 'http' and 'https' are supported"
            )
        timeouts = request.extensions.get("timeout") or _NO_TIMEOUTS
        origin = url.origin
        if not origin[1]:
            raise InvalidURL(f"request URL {str(url)!r} has no host")
        retried = False
        while True:
            conn = await self._checkout(origin, timeouts)
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

    def _why_not_retry(self, request: Request) -> str | None:
        if not self._retries:
            return "retries are disabled"
        if request.method not in IDEMPOTENT_METHODS:
            return "its method is not idempotent"
        if not isinstance(request.stream, bytes):
            return "its body was a stream that cannot be replayed"
        return None

    async def _checkout(
        self, origin: Origin, timeouts: dict[str, Any]
    ) -> AsyncHTTP11Connection:
        """An idle connection to ``origin``, or a new one, waiting up to the pool timeout."""
        state = self._state
        pool_timeout = timeouts.get("pool")
        deadline = None if pool_timeout is None else time.monotonic() + pool_timeout
        while True:
            discard: list[AsyncHTTP11Connection] = []
            waiter: AsyncEvent | None = None
            with self._lock:  # nothing awaits inside: a plain critical section
                conn = state.take_idle(origin, time.monotonic(), discard)
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
                    conn = await self._connect(origin, timeouts)
                except BaseException:
                    self._forget()
                    raise
                self._active.add(conn)
                return conn
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

    async def _connect(self, origin: Origin, timeouts: dict[str, Any]) -> AsyncHTTP11Connection:
        scheme, host, port = origin
        ssl_context = None
        if scheme == "https":
            ssl_context = self._ssl_context() if callable(self._ssl_context) \
                else self._ssl_context
        host_str = host.decode("ascii")
        stream = await self._backend.connect_tcp(
            host_str,
            port,
            timeout=timeouts.get("connect"),
            ssl_context=ssl_context,
            server_hostname=host_str if ssl_context is not None else None,
            local_address=self._local_address,
        )
        return AsyncHTTP11Connection(stream, origin, self, self._parser_options)

    def checkin(self, conn: AsyncHTTP11Connection, reusable: bool) -> bool:
        """A connection's exchange is over: keep it idle if ``reusable`` and the limits
        allow. Returns True if the caller must close it. Never awaits."""
        if conn not in self._active:  # the pool was closed meanwhile: it no longer counts
            return True
        self._active.discard(conn)
        with self._lock:
            if reusable and not conn.closed and not self._closed:
                keep = self._state.put_idle(conn)
            else:
                self._state.forget()
                keep = False
            self._wake_one()
        return not keep

    async def _discard(self, conn: AsyncHTTP11Connection) -> None:
        """Close a checked-out connection after a failure; its slot is freed once. The
        bookkeeping comes first: closing may be interrupted (a trio cancellation raises at
        the checkpoint after the socket is closed)."""
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
            while self._state.waiters:
                self._wake_one()
        for conn in idle + active:
            await conn.aclose()

    async def __aenter__(self) -> AsyncConnectionPool:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()


async def _close_all(conns: list[AsyncHTTP11Connection]) -> None:
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
