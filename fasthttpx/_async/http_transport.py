"""``AsyncHTTPTransport``: the connection pool as a transport, with HTTPX's arguments.

``AsyncClient(transport=AsyncHTTPTransport(retries=2, http2=True))``, or in ``mounts``; a
client's own transport is one too (``client._transport``, as in HTTPX), made by
``_for_client`` from the client's options. ``retries`` differs in meaning between the two
projects, so it takes both: an int (HTTPX: how many times a failed *connection attempt* is
retried, the first time at once, then after 0.5 s, 1 s, 2 s...; nothing was sent, so any
request may be retried) and ``retry_stale`` (ours, default True: an idempotent request whose
reused keep-alive connection turns out closed is resent once). Only a transport with connect
retries puts its retry loop in front of the pool's ``handle_async_request`` (an attribute of
that instance): any other sends straight to the pool, with no call in between.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .._config import DEFAULT_LIMITS, CertTypes, Limits, ProxyTypes
from .._exceptions import ConnectError, ConnectTimeout
from .._models import Request
from .._proxy import build_router
from .._response import Response
from .._transport_base import RETRY_BACKOFF, AsyncBaseTransport, LazySSLContext, retry_count
from ..concurrency.asyncio import default_backend
from ..concurrency.base import AsyncBackend, SocketOption
from .connection_pool import AsyncConnectionPool

if TYPE_CHECKING:
    import ssl

__all__ = ["AsyncHTTPTransport"]


class AsyncHTTPTransport(AsyncConnectionPool, AsyncBaseTransport):
    """The connection pool as a transport (see the module docstring for ``retries``).
    ``proxy``: a URL or ``Proxy`` that carries every request of this transport (as in
    ``mounts={"https://": AsyncHTTPTransport(proxy=...)}``). ``uds``: connect to this Unix
    domain socket instead of the URL's host (which still gives ``Host`` and, for https://,
    the TLS server name); not with ``proxy``. ``local_address``: the IP address to connect
    from. ``socket_options``: ``(level, option, value)`` tuples set on every new socket once
    connected (``[(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]``). ``backend``: by default,
    as for the client (for an async transport: the library running when it is created).
    ``ssl_context`` / ``proxy_ssl_context``: a function that returns the TLS context for the
    origins / for an https:// proxy, called on first use, in place of the one ``verify``,
    ``cert`` and ``trust_env`` describe (the httpx adapters build it as their library
    does); ``http1_ssl_context``, with ``http2``: the same for the connections an upgrade
    request (a WebSocket handshake) opens to an https:// origin, whose ALPN must offer
    http/1.1 only (given ``ssl_context`` and not this, they use ``ssl_context``)."""

    def __init__(
        self,
        verify: ssl.SSLContext | str | bool = True,
        cert: CertTypes | None = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: Limits = DEFAULT_LIMITS,
        proxy: ProxyTypes | None = None,
        uds: str | None = None,
        local_address: str | None = None,
        retries: int = 0,
        socket_options: Sequence[SocketOption] | None = None,
        *,
        retry_stale: bool = True,
        http1_parser_limits: dict[str, int] | None = None,
        backend: AsyncBackend | None = None,
        ssl_context: Callable[[], ssl.SSLContext] | None = None,
        proxy_ssl_context: Callable[[], ssl.SSLContext] | ssl.SSLContext | None = None,
        http1_ssl_context: Callable[[], ssl.SSLContext] | ssl.SSLContext | None = None,
    ) -> None:
        self.retries = retry_count(retries)
        # One lazily built context with ALPN http/1.1 only, for the proxy and upgrades alike.
        http1_only = LazySSLContext(verify, cert, trust_env, True, False)
        if http1_ssl_context is None and http2 and http1 and ssl_context is None:
            http1_ssl_context = http1_only
        super().__init__(
            backend=backend if backend is not None else default_backend(),
            limits=limits,
            ssl_context=ssl_context if ssl_context is not None
            else LazySSLContext(verify, cert, trust_env, http1, http2),
            http1=http1,
            http2=http2,
            retries=retry_stale,
            local_address=local_address,
            parser_options=http1_parser_limits,
            proxy=build_router(proxy, False) if proxy is not None else None,
            uds=uds,
            socket_options=socket_options,
            proxy_ssl_context=proxy_ssl_context if proxy_ssl_context is not None
            else http1_only if proxy is not None
            else None,
            http1_ssl_context=http1_ssl_context,
        )
        if self.retries:
            self.handle_async_request = self._send_with_connect_retries  # type: ignore[method-assign]

    @classmethod
    def _for_client(cls, **pool_options: Any) -> AsyncHTTPTransport:
        """The transport a client makes for itself, from its own options (``pool_options``
        are the pool's: the client's lazily built TLS context, its proxy router...)."""
        self = cls.__new__(cls)
        self.retries = 0
        AsyncConnectionPool.__init__(self, **pool_options)
        return self

    async def _send_with_connect_retries(self, request: Request) -> Response:
        retries = self.retries
        delay = 0.0
        while True:
            try:
                return await AsyncConnectionPool.handle_async_request(self, request)
            except (ConnectError, ConnectTimeout):
                if retries <= 0:
                    raise
            retries -= 1
            if delay:
                await self._backend.sleep(delay)
            delay = delay * 2 if delay else RETRY_BACKOFF
