"""``AsyncHTTPTransport`` connection options: ``uds=`` (a Unix domain socket; the URL's host
still gives ``Host`` and the TLS server name), ``socket_options=`` and ``local_address=``,
against real servers the tests start (uvicorn on a Unix socket, the raw scripted server).

Written once, async; ``tests/client/_sync/`` holds the generated sync twin.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import fasthttpx
from tests.client.proxy_server import ProxyServer
from tests.http2.fixtures import Certs, certs  # noqa: F401
from tests.kit.raw_server import OK


@pytest.fixture
def socket_path() -> Iterator[str]:
    """A path for a Unix socket, short enough for the ~107-byte limit."""
    directory = tempfile.mkdtemp(prefix="fx-uds-")
    try:
        yield os.path.join(directory, "app.sock")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


class RecordingBackend:
    """Passes everything to ``backend``, keeping the streams it opened."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.streams: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)

    async def connect_tcp(self, host: str, port: int, **kwargs: Any) -> Any:
        stream = await self.backend.connect_tcp(host, port, **kwargs)
        self.streams.append(stream)
        return stream


async def test_uds_request_keeps_the_url_host(
    backend: Any, asgi_server: Any, socket_path: str
) -> None:
    asgi_server(uds=socket_path)
    transport = fasthttpx.AsyncHTTPTransport(uds=socket_path, backend=backend)
    async with fasthttpx.AsyncClient(transport=transport) as client:
        first = await client.get("http://example.test:8080/echo?x=1")
        second = await client.post("http://example.test:8080/echo", content=b"body")
        other = await client.get("http://other.test/echo")
    assert first.status_code == 200
    headers = dict(first.json()["headers"])
    assert headers["host"] == "example.test:8080"
    assert first.json()["query"] == "x=1"
    assert second.json()["body"] == "body"
    assert dict(other.json()["headers"])["host"] == "other.test"
    # Pooled per origin as always: the first two shared one kept-alive Unix connection.
    assert transport.connections_opened == 2


async def test_uds_with_https(
    backend: Any, asgi_server: Any, socket_path: str, certs: Certs  # noqa: F811
) -> None:
    asgi_server(uds=socket_path, ssl_certfile=certs.server_file,
                ssl_keyfile=certs.server_file)
    transport = fasthttpx.AsyncHTTPTransport(
        uds=socket_path, verify=certs.ca_file, backend=backend
    )
    async with fasthttpx.AsyncClient(transport=transport) as client:
        response = await client.get("https://localhost/echo")
        assert response.status_code == 200
        assert dict(response.json()["headers"])["host"] == "localhost"
        with pytest.raises(fasthttpx.ConnectError):  # the certificate names localhost only
            await client.get("https://example.test/echo")


async def test_uds_missing_path_is_a_connect_error_naming_it(
    backend: Any, socket_path: str
) -> None:
    transport = fasthttpx.AsyncHTTPTransport(uds=socket_path, backend=backend)
    async with fasthttpx.AsyncClient(transport=transport) as client:
        with pytest.raises(fasthttpx.ConnectError) as info:
            await client.get("http://localhost/")
    assert socket_path in str(info.value)


async def test_uds_and_proxy_cannot_be_combined(backend: Any, socket_path: str) -> None:
    with pytest.raises(ValueError, match="uds= and proxy="):
        fasthttpx.AsyncHTTPTransport(
            uds=socket_path, proxy="http://127.0.0.1:1", backend=backend
        )


async def test_socket_options_on_every_connection(
    backend: Any, app_server: Any
) -> None:
    recording = RecordingBackend(backend)
    transport = fasthttpx.AsyncHTTPTransport(
        socket_options=[(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)], backend=recording
    )
    async with fasthttpx.AsyncClient(transport=transport) as client:
        response = await client.get(f"{app_server.url}/")
        assert response.status_code == 200
        assert len(recording.streams) == 1
        sock = recording.streams[0].get_extra_info("socket")
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1


async def test_socket_options_and_local_address_reach_the_proxy_connection(
    backend: Any, app_server: Any
) -> None:
    recording = RecordingBackend(backend)
    with ProxyServer() as proxy:
        transport = fasthttpx.AsyncHTTPTransport(
            proxy=proxy.url, local_address="127.0.0.1",
            socket_options=[(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)], backend=recording,
        )
        async with fasthttpx.AsyncClient(transport=transport) as client:
            response = await client.get(f"{app_server.url}/json")
            assert response.json()["name"] == "fasthttpx"
            assert len(recording.streams) == 1
            sock = recording.streams[0].get_extra_info("socket")
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getpeername()[1] == proxy.port
    assert proxy.connections == 1


async def test_bad_socket_options_are_refused_early(backend: Any) -> None:
    with pytest.raises(TypeError, match="socket_options"):
        fasthttpx.AsyncHTTPTransport(socket_options=[1], backend=backend)  # type: ignore[list-item]


class PeerRecorder:
    """A threaded TCP server on 127.0.0.1 (plain code, so the sync twin shares it) that
    records each client's address and answers one request per connection."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.peers: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, address = self.listener.accept()
            except OSError:
                return
            with conn:
                self.peers.append(address[0])
                data = b""
                while b"\r\n\r\n" not in data:
                    piece = conn.recv(65536)
                    if not piece:
                        break
                    data += piece
                conn.sendall(OK)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self.thread.join(5)


async def test_local_address_seen_by_the_server(backend: Any) -> None:
    """Every 127.0.0.0/8 address is loopback on Linux: bind to 127.0.0.2, reach 127.0.0.1."""
    server = PeerRecorder()
    try:
        transport = fasthttpx.AsyncHTTPTransport(local_address="127.0.0.2", backend=backend)
        async with fasthttpx.AsyncClient(transport=transport) as client:
            response = await client.get(f"http://127.0.0.1:{server.port}/")
    finally:
        server.close()
    assert response.text == "Hello, world!"
    assert server.peers == ["127.0.0.2"]
