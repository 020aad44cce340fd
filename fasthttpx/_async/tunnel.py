"""Reaching an origin through an HTTP proxy: TCP to the proxy, and ``CONNECT`` tunnels.

Apart from the pool because it is a protocol exchange of its own (one request, one answer,
then TLS inside the stream) that the pool only calls: it returns a network stream to the
origin, and the pool puts a connection on top of it like on any other stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    backend: AsyncBackend, route: Route, timeouts: Timeouts, local_address: str | None
) -> AsyncNetworkStream:
    """TCP to the proxy; a failure names the proxy."""
    try:
        return await backend.connect_tcp(
            route.proxy_host,
            route.proxy_port,
            timeout=timeouts.get("connect"),
            local_address=local_address,
        )
    except ConnectError as exc:
        raise ConnectError(f"cannot connect to the proxy {route.proxy.url}: {exc}") from exc


async def open_tunnel(
    backend: AsyncBackend,
    route: Route,
    ssl_context: ssl.SSLContext,
    host: str,
    timeouts: Timeouts,
    local_address: str | None,
    parser_options: dict[str, int] | None,
) -> AsyncNetworkStream:
    """CONNECT through the proxy (RFC 9110 §9.3.6), then TLS with the target inside the
    tunnel. A 2xx answer to CONNECT has no body (RFC 9112 §6.3); anything else is a
    ``ProxyError`` and the connection is closed."""
    stream = await connect_proxy(backend, route, timeouts, local_address)
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
        return await stream.start_tls(
            ssl_context, server_hostname=host, timeout=timeouts.get("connect")
        )
    except BaseException:
        await stream.aclose()
        raise
