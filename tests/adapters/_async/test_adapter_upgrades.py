"""Switching protocols through the adapters: a ``GET`` with an ``Upgrade`` field goes out on an
HTTP/1.1 connection of its own, and a 101 answer hands that connection over in the
``network_stream`` response extension with httpcore's interface and exceptions, which is what
httpx2's ``client.websocket()`` (and httpx-ws for httpx) reads and writes. The sessions run
against the ``websockets`` library's server; the raw stream against scripted answers."""

from __future__ import annotations

import importlib
import time
from typing import Any

import pytest

from tests.adapters.conftest import Lib, load_lib
from tests.adapters.helpers import shouting, switch_then_reset, switch_then_wait_eof
from tests.kit.raw_server import make_response, respond_with
from tests.kit.ws_server import WebSocketsServer, close_with, echo, send_first

UPGRADE = {"Connection": "Upgrade", "Upgrade": "shout"}


def core_module(lib: Lib) -> Any:
    """The library's own network package, whose exceptions its WebSocket code catches."""
    return importlib.import_module("httpcore2" if lib.name == "httpx2" else "httpcore")


async def test_101_hands_the_connection_over_as_httpcore_does(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    received: list[bytes] = []
    server = raw_server(shouting(received))
    async with lib.adapter.AsyncClient() as client:
        request = client.build_request("GET", server.url, headers=UPGRADE)
        response = await client.send(request, stream=True)
        assert response.status_code == 101
        stream = response.extensions["network_stream"]
        assert await stream.read(100) == b"first"  # arrived with the head
        await stream.write(b"hello")
        assert await stream.read(100, timeout=5) == b"HELLO"
        assert await stream.read(100) == b""  # the server closed
        await stream.aclose()
        await response.aclose()
        assert "upgrade" not in request.extensions  # the library's dict is left as it was
    assert b"upgrade: shout" in received[0].lower()


async def test_closing_the_101_response_closes_the_connection(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    """As httpcore: a switch nobody takes the connection of (here a plain ``get``, which
    reads and closes the response) closes it, instead of leaving it to the GC."""
    record: list[bytes] = []
    server = raw_server(switch_then_wait_eof(record))
    async with lib.adapter.AsyncClient() as client:
        response = await client.get(server.url, headers=UPGRADE)
        assert response.status_code == 101
        # asyncio closes an aborted socket on the loop's next turn: give it turns (another
        # exchange) before this thread blocks below.
        assert (await client.get(server.url, headers=UPGRADE)).status_code == 101
    deadline = time.monotonic() + 5  # the server records from its own thread
    while len(record) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert record[1] == b""  # the server saw the close, and nothing after the request


async def test_any_method_may_switch_and_extra_info_speaks_httpcore(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    received: list[bytes] = []
    server = raw_server(shouting(received))
    async with lib.adapter.AsyncClient() as client:
        async with client.stream("POST", server.url, headers=UPGRADE, content=b"") as response:
            assert response.status_code == 101
            stream = response.extensions["network_stream"]
            host, port = stream.get_extra_info("server_addr")[:2]
            assert (host, port) == ("127.0.0.1", server.port)
            assert stream.get_extra_info("client_addr")[0] == "127.0.0.1"
            assert stream.get_extra_info("is_readable") is True  # "first" came with the head
            assert await stream.read(100) == b"first"
    assert received[0].startswith(b"POST ")


async def test_handed_over_stream_raises_the_core_packages_errors(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    server = raw_server(switch_then_reset())
    core = core_module(lib)
    async with lib.adapter.AsyncClient() as client:
        async with client.stream("GET", server.url, headers=UPGRADE) as response:
            stream = response.extensions["network_stream"]
            with pytest.raises(core.ReadTimeout):
                await stream.read(100, timeout=0.05)
            await stream.write(b"x")
            with pytest.raises(core.ReadError) as info:
                for _ in range(100):  # a reset can first look like the end of the stream
                    await stream.read(100, timeout=5)
            assert info.value.__cause__ is not None  # ours, chained
            await stream.aclose()


async def test_refused_upgrade_is_an_ordinary_response(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    server = raw_server(respond_with([make_response(426, b"no"), make_response(200, b"ok")]))
    async with lib.adapter.AsyncClient() as client:
        refused = await client.get(server.url, headers=UPGRADE)
        assert refused.status_code == 426
        assert refused.content == b"no"
        assert "network_stream" not in refused.extensions
        assert (await client.get(server.url)).content == b"ok"


# -- httpx2's own WebSocket client over our engine ----------------------------------------


@pytest.fixture
def httpx2_lib() -> Lib:
    return load_lib("httpx2")


@pytest.mark.parametrize("scheme", ["ws", "http"])
async def test_httpx2_websocket_echo(httpx2_lib: Lib, backend_name: str, scheme: str) -> None:
    """httpx2's examples use ``ws://`` URLs (its tests ``http://``): both reach the server."""
    with WebSocketsServer(echo) as server:
        async with httpx2_lib.adapter.AsyncClient(timeout=5) as client:
            async with client.websocket(server.url.replace("ws://", f"{scheme}://")) as ws:
                await ws.send_text("héllo")
                assert await ws.receive_text() == "héllo"
                await ws.send_bytes(b"\x00\xff" * 15000)
                assert await ws.receive_bytes() == b"\x00\xff" * 15000
                await ws.send_json({"a": 1})
                assert await ws.receive_json() == {"a": 1}
    assert server.closes == [(1000, "")]
    assert not server.errors


async def test_httpx2_websocket_message_sent_with_the_101(
    httpx2_lib: Lib, backend_name: str
) -> None:
    with WebSocketsServer(send_first("welcome")) as server:
        async with httpx2_lib.adapter.AsyncClient(timeout=5) as client:
            async with client.websocket(server.url.replace("ws://", "http://")) as ws:
                assert await ws.receive_text() == "welcome"


async def test_httpx2_websocket_server_close(httpx2_lib: Lib, backend_name: str) -> None:
    from httpx2.websockets import WebSocketDisconnect

    with WebSocketsServer(close_with(4001, "bye", after=1)) as server:
        async with httpx2_lib.adapter.AsyncClient(timeout=5) as client:
            async with client.websocket(server.url.replace("ws://", "http://")) as ws:
                await ws.send_text("one")
                assert await ws.receive_text() == "one"
                with pytest.raises(WebSocketDisconnect) as info:
                    await ws.receive_text()
                assert info.value.code == 4001


async def test_httpx2_websocket_on_an_http2_client(httpx2_lib: Lib, backend_name: str) -> None:
    with WebSocketsServer(echo) as server:
        async with httpx2_lib.adapter.AsyncClient(http2=True, timeout=5) as client:
            async with client.websocket(server.url.replace("ws://", "http://")) as ws:
                await ws.send_text("over HTTP/1.1")
                assert await ws.receive_text() == "over HTTP/1.1"
