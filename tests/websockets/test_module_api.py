"""``fasthttpx.websockets``: HTTPX-WS's ``connect_ws`` / ``aconnect_ws`` spelling over
``Client.websocket`` / ``AsyncClient.websocket``, with a given client or one of its own."""

from __future__ import annotations

import asyncio

import pytest

import fasthttpx
from fasthttpx.websockets import (
    AsyncWebSocketSession,
    HTTPXWSException,
    WebSocketSession,
    aconnect_ws,
    connect_ws,
)
from tests.kit.ws_server import WebSocketsServer, close_with, echo


def test_connect_ws_with_and_without_a_client() -> None:
    with WebSocketsServer(echo, subprotocols=["chat"]) as server:
        with connect_ws(server.url, subprotocols=["chat"]) as ws:
            assert isinstance(ws, WebSocketSession) and ws.subprotocol == "chat"
            ws.send_text("own client")
            assert ws.receive_text() == "own client"
        with fasthttpx.Client() as client:
            with connect_ws(server.url, client, subprotocols=["chat"],
                            max_message_size_bytes=None) as ws:
                ws.send_bytes(b"x" * 200_000)
                assert ws.receive_bytes() == b"x" * 200_000
            assert not client.is_closed  # a given client stays open
    assert server.closes == [(1000, ""), (1000, "")]


def test_aconnect_ws_with_and_without_a_client() -> None:
    with WebSocketsServer(close_with(4001, "bye")) as server:

        async def main() -> None:
            async with aconnect_ws(server.url) as ws:
                assert isinstance(ws, AsyncWebSocketSession)
                with pytest.raises(HTTPXWSException) as caught:  # our WebSocketError
                    await ws.receive_text()
                assert isinstance(caught.value, fasthttpx.WebSocketDisconnect)
                assert caught.value.code == 4001
            async with fasthttpx.AsyncClient() as client:
                async with aconnect_ws(server.url, client) as ws:
                    with pytest.raises(fasthttpx.WebSocketDisconnect):
                        await ws.receive_text()
                assert not client.is_closed

        asyncio.run(main())
