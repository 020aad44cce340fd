"""WebSocket sessions with ASGI servers (uvicorn, hypercorn), over TLS (``wss://``) and
through HTTP proxies by CONNECT (issue 15).

Written once, async (asyncio, uvloop, trio); ``tests/client/_sync/`` holds the generated
sync twin.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import pytest

import fasthttpx
from tests.client.proxy_server import ProxyServer
from tests.http2.fixtures import Certs, certs  # noqa: F401
from tests.http2.servers import HypercornServer
from tests.kit.ws_server import WebSocketsServer, asgi_echo, echo


@pytest.fixture(scope="module")
def hypercorn_ws() -> Iterator[HypercornServer]:
    with HypercornServer(asgi_echo) as server:
        yield server


async def _exchange(ws: Any) -> None:
    await ws.send_text("hello")
    assert await ws.receive_text() == "hello"
    await ws.send_bytes(b"\x00\x01" * 5000)
    assert await ws.receive_bytes() == b"\x00\x01" * 5000


@pytest.mark.parametrize("implementation", ["websockets-sansio", "wsproto"])
async def test_uvicorn(backend: Any, asgi_server: Any, implementation: str) -> None:
    server = asgi_server(asgi_echo, ws=implementation)
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.websocket(server.url.replace("http", "ws") + "/ws",
                                    subprotocols=["one", "two"]) as ws:
            assert ws.subprotocol == "one"
            await _exchange(ws)
        async with client.websocket(server.url + "/ws") as ws:
            await ws.send_text("close 4321")
            with pytest.raises(fasthttpx.WebSocketDisconnect) as info:
                await ws.receive_text()
            assert info.value.code == 4321


async def test_hypercorn(backend: Any, hypercorn_ws: HypercornServer) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.websocket(hypercorn_ws.url() + "/ws") as ws:
            await _exchange(ws)
            assert "permessage-deflate" in ws.response.headers.get(
                "sec-websocket-extensions", "permessage-deflate"
            )
        # Plain HTTP on the same client still works, and the pool never saw the WebSocket.
        response = await client.get(hypercorn_ws.url() + "/")
        assert response.status_code == 404


async def test_wss_with_tls(backend: Any, certs: Certs) -> None:  # noqa: F811
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs.server_file)
    with WebSocketsServer(echo, ssl=context) as server:
        async with fasthttpx.AsyncClient(backend=backend, verify=certs.ca_file) as client:
            url = server.url.replace("127.0.0.1", "localhost")
            async with client.websocket(url, max_message_size_bytes=None) as ws:
                await _exchange(ws)
                await ws.send_bytes(b"z" * 3_000_000)  # several TLS records both ways
                assert await ws.receive_bytes() == b"z" * 3_000_000
            with pytest.raises(fasthttpx.ConnectError):  # the certificate names localhost
                async with client.websocket(server.url):
                    pass  # pragma: no cover


async def test_ws_through_an_http_proxy_uses_connect(backend: Any) -> None:
    with WebSocketsServer(echo) as server, ProxyServer() as proxy:
        async with fasthttpx.AsyncClient(backend=backend, proxy=proxy.url) as client:
            async with client.websocket(server.url) as ws:
                await _exchange(ws)
            # Plain http:// requests still go forward through the same proxy.
        assert proxy.connect_targets == [f"127.0.0.1:{server.port}"]
        assert all(not line.startswith(b"GET") for line in proxy.request_lines)


async def test_wss_through_an_http_proxy(backend: Any, certs: Certs) -> None:  # noqa: F811
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs.server_file)
    with WebSocketsServer(echo, ssl=context) as server, ProxyServer() as proxy:
        async with fasthttpx.AsyncClient(
            backend=backend, proxy=proxy.url, verify=certs.ca_file
        ) as client:
            url = server.url.replace("127.0.0.1", "localhost")
            async with client.websocket(url) as ws:
                await _exchange(ws)
        assert proxy.connect_targets == [f"localhost:{server.port}"]
