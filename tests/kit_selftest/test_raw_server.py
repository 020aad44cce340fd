"""Proves the scripted raw-bytes server with stdlib clients (socket, http.client, asyncio, trio)."""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
import time
from collections.abc import Callable

import pytest

from tests.kit.raw_server import (
    OK,
    RawConnection,
    RawServer,
    close_after,
    close_immediately,
    drip_response,
    make_response,
    never_respond,
    reset_after,
    respond_with,
)

RawFactory = Callable[..., RawServer]
GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def _connect(srv: RawServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", srv.port), timeout=5)


def _recv_all(sock: socket.socket) -> bytes:
    data = bytearray()
    while chunk := sock.recv(65536):
        data += chunk
    return bytes(data)


def test_keep_alive_with_http_client(raw_server: RawFactory, no_fd_leak: None) -> None:
    srv = raw_server(respond_with(OK))
    assert srv.url == f"http://127.0.0.1:{srv.port}" and srv.port > 0
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        for i in range(3):
            conn.request("GET", f"/n/{i}")
            response = conn.getresponse()
            assert (response.status, response.read()) == (200, b"Hello, world!")
    finally:
        conn.close()
    assert srv.connections_accepted == 1
    assert [r.split(b"\r\n")[0] for r in srv.requests] == [
        b"GET /n/0 HTTP/1.1",
        b"GET /n/1 HTTP/1.1",
        b"GET /n/2 HTTP/1.1",
    ]


def test_list_of_responses_then_close(raw_server: RawFactory, no_fd_leak: None) -> None:
    first = make_response(200, b"one")
    second = make_response(404, b"two")
    srv = raw_server(respond_with([first, second]))
    with _connect(srv) as sock:
        sock.sendall(GET)
        assert sock.recv(65536) == first
        sock.sendall(GET)
        assert _recv_all(sock) == second  # closed after the last listed response


def test_keep_alive_false_closes_after_first(raw_server: RawFactory, no_fd_leak: None) -> None:
    srv = raw_server(respond_with(OK, keep_alive=False))
    with _connect(srv) as sock:
        sock.sendall(GET + GET)
        assert _recv_all(sock) == OK


def test_pipelined_and_bodies(raw_server: RawFactory, no_fd_leak: None) -> None:
    """Content-Length and chunked bodies are read whole; pipelined bytes stay for the next read."""
    sized = b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
    chunked = (
        b"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: t\r\n\r\n"
    )
    srv = raw_server(respond_with(OK))
    with _connect(srv) as sock:
        sock.sendall(sized + chunked + GET)
        expected = OK * 3
        data = b""
        while len(data) < len(expected):
            data += sock.recv(65536)
        assert data == expected
    assert srv.requests == [sized, chunked, GET]


def test_request_split_byte_by_byte(raw_server: RawFactory, no_fd_leak: None) -> None:
    request = b"PUT /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz"
    srv = raw_server(respond_with(OK))
    with _connect(srv) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(len(request)):
            sock.sendall(request[i : i + 1])
            time.sleep(0.001)
        assert sock.recv(65536) == OK
    assert srv.requests == [request]


def test_eof_mid_request_returns_partial(no_fd_leak: None) -> None:
    seen: list[bytes] = []

    async def handler(conn: RawConnection) -> None:
        seen.append(await conn.read_request())
        seen.append(await conn.read_request())

    with RawServer(handler) as srv, _connect(srv) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHo")
        sock.shutdown(socket.SHUT_WR)
        assert _recv_all(sock) == b""
    assert seen == [b"GET / HTTP/1.1\r\nHo", b""]


def test_drip_is_slow_and_complete(raw_server: RawFactory, no_fd_leak: None) -> None:
    response = make_response(200, b"slowly")
    srv = raw_server(drip_response(response, delay=0.01, chunk=10))
    with _connect(srv) as sock:
        start = time.monotonic()
        sock.sendall(GET)
        data = b""
        while len(data) < len(response):
            data += sock.recv(65536)
        elapsed = time.monotonic() - start
    assert data == response
    pieces = -(-len(response) // 10)
    assert elapsed >= 0.01 * (pieces - 1) * 0.9


def test_reset_sends_rst(raw_server: RawFactory, no_fd_leak: None) -> None:
    srv = raw_server(reset_after(1))
    with _connect(srv) as sock:
        sock.sendall(GET)
        assert sock.recv(65536) == OK
        sock.sendall(GET)
        with pytest.raises(ConnectionResetError):
            while sock.recv(65536):
                pass


def test_close_after(raw_server: RawFactory, no_fd_leak: None) -> None:
    srv = raw_server(close_after(2))
    with _connect(srv) as sock:
        sock.sendall(GET + GET)
        assert _recv_all(sock) == OK * 2
    assert srv.connections_accepted == 1
    srv.stop()
    assert srv.errors == []


def test_close_immediately(raw_server: RawFactory, no_fd_leak: None) -> None:
    srv = raw_server(close_immediately())
    with _connect(srv) as sock:
        assert _recv_all(sock) == b""


def test_close_immediately_reset(raw_server: RawFactory, no_fd_leak: None) -> None:
    srv = raw_server(close_immediately(reset=True))
    # The reset can even beat ``create_connection`` home on a loaded machine (seen once in CI).
    with pytest.raises(ConnectionResetError), _connect(srv) as sock:
        time.sleep(0.05)
        sock.sendall(GET)
        sock.recv(65536)


def test_never_respond_times_out(raw_server: RawFactory, no_fd_leak: None) -> None:
    srv = raw_server(never_respond())
    with _connect(srv) as sock:
        sock.settimeout(0.2)
        sock.sendall(GET)
        with pytest.raises(TimeoutError):
            sock.recv(65536)
    srv.stop()
    assert srv.errors == []


def test_shutdown_write_half_close(raw_server: RawFactory, no_fd_leak: None) -> None:
    got: list[bytes] = []

    async def handler(conn: RawConnection) -> None:
        await conn.read_request()
        await conn.send(b"partial")
        await conn.shutdown_write()
        got.append(await conn.read_request())

    srv = raw_server(handler)
    with _connect(srv) as sock:
        sock.sendall(GET)
        assert _recv_all(sock) == b"partial"  # FIN seen...
        sock.sendall(GET)  # ...but the server still reads
        deadline = time.monotonic() + 5
        while not got and time.monotonic() < deadline:
            time.sleep(0.01)
    assert got == [GET]


def test_handler_errors_are_recorded(raw_server: RawFactory, no_fd_leak: None) -> None:
    async def handler(conn: RawConnection) -> None:
        await conn.read_request()
        raise ValueError("scripted failure")

    srv = raw_server(handler)
    with _connect(srv) as sock:
        sock.sendall(GET)
        assert _recv_all(sock) == b""
    deadline = time.monotonic() + 5
    while not srv.errors and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [str(e) for e in srv.errors] == ["scripted failure"]


def test_stop_with_hanging_handler_leaves_no_thread(no_fd_leak: None) -> None:
    threads = threading.active_count()

    async def handler(conn: RawConnection) -> None:
        await asyncio.sleep(3600)

    srv = RawServer(handler).start()
    sock = _connect(srv)
    try:
        sock.sendall(GET)
        time.sleep(0.05)
        start = time.monotonic()
        srv.stop()
        assert time.monotonic() - start < 2
        srv.stop()  # idempotent
        with pytest.raises((ConnectionResetError, ConnectionAbortedError)):
            sock.recv(10)  # the server dropped its side with RST
    finally:
        sock.close()
    assert threading.active_count() == threads


def test_make_response_chunked() -> None:
    assert make_response(200, b"abc", [("X-A", "1")], chunked=True) == (
        b"HTTP/1.1 200 OK\r\nX-A: 1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    )
    assert make_response(204, content_length=False) == b"HTTP/1.1 204 No Content\r\n\r\n"


def test_serves_an_asyncio_client(raw_server: RawFactory, no_fd_leak: None) -> None:
    srv = raw_server(respond_with(OK))

    async def client() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        writer.write(GET)
        data = await reader.readexactly(len(OK))
        writer.close()
        await writer.wait_closed()
        return data

    assert asyncio.run(client()) == OK


def test_serves_a_trio_client(raw_server: RawFactory, no_fd_leak: None) -> None:
    trio = pytest.importorskip("trio")
    srv = raw_server(respond_with(OK))

    async def client() -> bytes:
        stream = await trio.open_tcp_stream("127.0.0.1", srv.port)
        async with stream:
            await stream.send_all(GET)
            data = b""
            while len(data) < len(OK):
                data += await stream.receive_some(65536)
            return data

    assert trio.run(client) == OK
