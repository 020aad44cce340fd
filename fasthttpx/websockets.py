"""httpx-ws's module-level spelling of a WebSocket session, for code written against it
(``from httpx_ws import aconnect_ws`` becomes ``from fasthttpx.websockets import aconnect_ws``).

Why: ``client.websocket(url)`` is the API (httpx2's); HTTPX-WS and httpx2's ``websockets``
module also offer ``connect_ws(url, client)`` / ``aconnect_ws(url, client)``, where the
client is optional. These are thin wrappers over ``Client.websocket`` /
``AsyncClient.websocket`` (same arguments, same session and errors); without a client one is
made for the session and closed with it. ``HTTPXWSException`` is our ``WebSocketError``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from ._async.client import AsyncClient
from ._async.websocket import AsyncWebSocketSession, JSONMode
from ._exceptions import (
    WebSocketDisconnect,
    WebSocketError,
    WebSocketInvalidTypeReceived,
    WebSocketNetworkError,
    WebSocketUpgradeError,
)
from ._sync.client import Client
from ._sync.websocket import WebSocketSession
from ._urls import URL

__all__ = [
    "AsyncWebSocketSession", "HTTPXWSException", "JSONMode", "WebSocketDisconnect",
    "WebSocketInvalidTypeReceived", "WebSocketNetworkError", "WebSocketSession",
    "WebSocketUpgradeError", "aconnect_ws", "connect_ws",
]

HTTPXWSException = WebSocketError


@contextmanager
def connect_ws(url: URL | str, client: Client | None = None,
               **kwargs: Any) -> Iterator[WebSocketSession]:
    """``with connect_ws(url, client) as ws:`` — ``client.websocket(url, **kwargs)``."""
    if client is not None:
        with client.websocket(url, **kwargs) as session:
            yield session
        return
    with Client() as own, own.websocket(url, **kwargs) as session:
        yield session


@asynccontextmanager
async def aconnect_ws(url: URL | str, client: AsyncClient | None = None,
                      **kwargs: Any) -> AsyncIterator[AsyncWebSocketSession]:
    """``async with aconnect_ws(url, client) as ws:`` — ``client.websocket(url, **kwargs)``."""
    if client is not None:
        async with client.websocket(url, **kwargs) as session:
            yield session
        return
    async with AsyncClient() as own, own.websocket(url, **kwargs) as session:
        yield session
