"""Reaching an origin through an HTTP proxy: TCP to the proxy, and ``CONNECT`` tunnels.

To an ``https://`` proxy the connection itself is TLS (server name: the proxy's host,
ALPN ``http/1.1``: the proxy is spoken to in HTTP/1.1); a tunnel to an ``https://`` origin
then runs a second TLS session inside the first one (the backend's ``start_tls`` on a
stream that already speaks TLS).

Apart from the pool because it is a protocol exchange of its own (one request, one answer,
then TLS inside the stream) that the pool only calls: it returns a network stream to the
origin, and the pool puts a connection on top of it like on any other stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._events import ResponseHead
from .._exceptions import ConnectError, ProxyError
from .._implementation import ResponseParser
from .._proxy import Route
from ..concurrency.base import AsyncBackend, AsyncNetworkStream
from .http11 import READ_SIZE, Timeouts

if TYPE_CHECKING:
    import ssl

__all__ = ["connect_proxy", "open_tunnel"]


async def connect_proxy(
    backend: AsyncBackend,
    route: Route,
    timeouts: Timeouts,
    options: Mapping[str, Any],
    proxy_ssl_context: ssl.SSLContext | None = None,
) -> AsyncNetworkStream:
    """TCP to the proxy (``options``: the pool's ``local_address``, ``socket_options``),
    and TLS with it when its URL is ``https://`` (``proxy_ssl_context``); a failure names
    the proxy."""
    https = proxy_ssl_context is not None
    try:
        stream = await backend.connect_tcp(
            route.proxy_host,
            route.proxy_port,
            timeout=timeouts.get("connect"),
            ssl_context=proxy_ssl_context,
            server_hostname=route.proxy_host if https else None,
            **options,
        )
    except ConnectError as exc:
        raise ConnectError(f"cannot connect to the proxy {route.proxy.url}: {exc}") from exc
    if https:
        protocol = stream.get_extra_info("alpn_protocol")
        if protocol not in (None, "http/1.1"):
            await stream.aclose()
            raise ProxyError(
                f"the proxy {route.proxy.url} chose {protocol!r} by ALPN; proxies are "
                "spoken to in HTTP/1.1"
            )
    return stream


async def open_tunnel(
    backend: AsyncBackend,
    route: Route,
    ssl_context: ssl.SSLContext | None,
    host: str,
    timeouts: Timeouts,
    options: Mapping[str, Any],
    parser_options: dict[str, int] | None,
    proxy_ssl_context: ssl.SSLContext | None = None,
) -> AsyncNetworkStream:
    """CONNECT through the proxy (RFC 9110 §9.3.6), then TLS with the target inside the
    tunnel (none when ``ssl_context`` is None: a WebSocket to an ``http://`` target). A 2xx
    answer to CONNECT has no body (RFC 9112 §6.3); anything else is a ``ProxyError`` and the
    connection is closed."""
    stream = await connect_proxy(backend, route, timeouts, options, proxy_ssl_context)
    try:
        await stream.write(route.connect_head, timeouts.get("write"))
        parser = ResponseParser(b"CONNECT", **parser_options) if parser_options \
            else ResponseParser(b"CONNECT")
        head: ResponseHead | None = None
        while head is None:
            data = await stream.read(READ_SIZE, timeouts.get("read"))
            for event in parser.feed(data) if data else parser.feed_eof():
                if type(event) is ResponseHead:
                    head = event  # 1xx answers before it are consumed
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
        if ssl_context is None:
            return stream
        return await stream.start_tls(
            ssl_context, server_hostname=host, timeout=timeouts.get("connect")
        )
    except BaseException:
        await stream.aclose()
        raise
