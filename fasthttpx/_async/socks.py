"""Reaching an origin through a SOCKS5 proxy (RFC 1928): TCP to the proxy, the handshake,
then the stream is a tunnel to the target.

The handshake's decisions (what to send, how long each answer is, what a refusal means) are
``_proxy.Socks5Handshake``'s; this shell only moves its bytes. For ``socks5://`` the target's
name is resolved here (the backend's ``resolve``) and its address sent; ``socks5h://`` sends
the name for the proxy to resolve. The pool puts TLS (https://) and a connection on top.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from .._exceptions import NetworkError, ProxyError
from .._proxy import Route, Socks5Handshake
from ..concurrency.base import AsyncBackend, AsyncNetworkStream
from .http11 import READ_SIZE, Timeouts
from .tunnel import connect_proxy

__all__ = ["open_socks_tunnel"]


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def open_socks_tunnel(
    backend: AsyncBackend,
    route: Route,
    host: str,
    port: int,
    timeouts: Timeouts,
    options: Mapping[str, Any],
) -> AsyncNetworkStream:
    """A stream through the SOCKS5 proxy of ``route`` to ``host:port``. A refusal, a close
    or a garbled answer during the handshake is a ``ProxyError`` naming the step."""
    target = host
    if route.proxy.url.scheme == "socks5" and not _is_address(host):
        target = await backend.resolve(host, port, timeout=timeouts.get("connect"))
    handshake = Socks5Handshake(route.proxy.url, (target, port), route.proxy.raw_auth)
    stream = await connect_proxy(backend, route, timeouts, options)
    try:
        try:
            await stream.write(handshake.start(), timeouts.get("write"))
            while not handshake.done:
                data = await stream.read(READ_SIZE, timeouts.get("read"))
                reply = handshake.receive(data)
                if reply:
                    await stream.write(reply, timeouts.get("write"))
        except NetworkError as exc:
            raise ProxyError(
                f"SOCKS5 proxy {route.proxy.url}, {handshake.step} step: {exc}"
            ) from exc
    except BaseException:
        await stream.aclose()
        raise
    return stream
