"""WebSocket sessions with ASGI servers (uvicorn, hypercorn), over TLS (``wss://``), from
clients that offer HTTP/2 (the handshake still goes over HTTP/1.1), and through HTTP proxies
by CONNECT (issue 15).

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


@pytest.fixture(scope="module")
def hypercorn_wss(certs: Certs) -> Iterator[HypercornServer]:  # noqa: F811
    """hypercorn over TLS offering h2 and http/1.1 by ALPN, serving the echo app."""
    with HypercornServer(asgi_echo, tls=(certs.server_file, certs.server_file)) as server:
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


async def test_wss_from_an_http2_client(
    backend: Any, certs: Certs, hypercorn_wss: HypercornServer  # noqa: F811
) -> None:
    """The server offers h2 and http/1.1: ordinary requests take HTTP/2, the handshake a
    connection of its own whose ALPN offered http/1.1 only, in either order."""
    https = hypercorn_wss.url("localhost")
    wss = https.replace("https://", "wss://") + "/ws"
    async with fasthttpx.AsyncClient(
        backend=backend, http2=True, verify=certs.ca_file
    ) as client:
        pool = client.transport
        assert (await client.get(https + "/")).http_version == "HTTP/2"
        async with client.websocket(wss) as ws:
            assert ws.response.http_version == "HTTP/1.1"
            await _exchange(ws)
            response = await client.get(https + "/")  # the shared connection, meanwhile
            assert response.http_version == "HTTP/2"
            assert pool.connection_count == 1  # the upgraded one left the pool
        assert pool.connections_opened == 2
    async with fasthttpx.AsyncClient(
        backend=backend, http2=True, verify=certs.ca_file
    ) as client:
        # First, with no HTTP/2 connection yet: a refused handshake (over HTTP/1.1), then
        # one that succeeds; neither tells the pool that the server speaks HTTP/1.1 only.
        with pytest.raises(fasthttpx.WebSocketUpgradeError) as info:
            async with client.websocket(https + "/reject"):
                pass  # pragma: no cover
        assert info.value.response.status_code == 403
        assert info.value.response.http_version == "HTTP/1.1"
        async with client.websocket(wss) as ws:
            await _exchange(ws)
        assert (await client.get(https + "/")).http_version == "HTTP/2"
        assert (await client.get(https + "/")).http_version == "HTTP/2"
        assert client.transport.connections_opened == 3


async def test_wss_from_an_http2_client_needs_http1(
    backend: Any, certs: Certs, hypercorn_wss: HypercornServer  # noqa: F811
) -> None:
    """Without HTTP/1.1 there is no WebSocket (RFC 8441 is not spoken): said before anything
    is sent; a TLS context of the user's that offers h2 to a server that picks it fails the
    connection rather than sending HTTP/1.1 where HTTP/2 was agreed."""
    https = hypercorn_wss.url("localhost")
    async with fasthttpx.AsyncClient(
        backend=backend, http2=True, http1=False, verify=certs.ca_file
    ) as client:
        with pytest.raises(fasthttpx.UnsupportedProtocol, match="http1=False"):
            async with client.websocket(https + "/ws"):
                pass  # pragma: no cover
        assert client.transport.connections_opened == 0
    context = ssl.create_default_context(cafile=certs.ca_file)
    context.set_alpn_protocols(["h2", "http/1.1"])
    async with fasthttpx.AsyncClient(backend=backend, http2=True, verify=context) as client:
        with pytest.raises(fasthttpx.ConnectError, match="chose HTTP/2 by ALPN"):
            async with client.websocket(https + "/ws"):
                pass  # pragma: no cover
        assert client.transport.connection_count == 0
        assert (await client.get(https + "/")).http_version == "HTTP/2"
