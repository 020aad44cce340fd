"""Issue 13: HTTPX's ``request.stream`` / ``response.stream`` and ``client._transport`` over
real sockets on 127.0.0.1.

Written once, async; the sync twin is generated. ``request.stream`` is made when asked for
(the connections send the body they hold), so what matters here is that the bytes on the wire
are unchanged: a body given as bytes goes out with its Content-Length, a streamed body read
into memory keeps its chunked framing and is replayed on a redirect. ``response.stream``
iterated is the body as sent (content coding kept) and releases the connection at its end;
called, it is the seed's decoded ``stream()``.
"""

from __future__ import annotations

import gzip
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

import fasthttpx
from fasthttpx._async.connection_pool import AsyncConnectionPool
from tests.kit.raw_server import make_response, respond_with

BODY = b"".join(b"line %d\n" % n for n in range(200))


async def test_bytes_body_goes_out_whole_and_its_stream_is_a_view(
    backend: Any, raw_server: Any
) -> None:
    server = raw_server(respond_with(make_response(200, b"ok")))
    payload = b"x" * 1000
    async with fasthttpx.AsyncClient(backend=backend) as client:
        request = client.build_request("POST", server.url, content=payload)
        assert bytes(request.stream) is payload  # type: ignore[arg-type]  # no copy
        assert b"".join([piece async for piece in request.stream]) == payload  # type: ignore[union-attr]
        response = await client.send(request)
        assert response.status_code == 200
    (received,) = server.requests
    assert b"\r\nContent-Length: 1000\r\n" in received
    assert received.endswith(b"\r\n\r\n" + payload)


async def test_streamed_body_read_into_memory_stays_chunked_and_replays(
    backend: Any, raw_server: Any
) -> None:
    async def pieces() -> AsyncIterator[bytes]:
        yield b"abc"
        yield b"defg"

    server = raw_server(respond_with([
        make_response(307, headers=[("Location", "/again")]),
        make_response(200, b"done"),
    ]))
    async with fasthttpx.AsyncClient(backend=backend, follow_redirects=True) as client:
        request = client.build_request("POST", server.url, content=pieces())
        assert await request.aread() == b"abcdefg"
        assert b"".join([piece async for piece in request.stream]) == b"abcdefg"  # type: ignore[union-attr]
        response = await client.send(request)
        assert response.text == "done"
    first, second = server.requests
    for sent in (first, second):
        assert b"\r\nTransfer-Encoding: chunked\r\n" in sent
        assert b"Content-Length" not in sent
        assert sent.endswith(b"\r\n\r\n7\r\nabcdefg\r\n0\r\n\r\n")
    assert second.startswith(b"POST /again ")


async def test_response_stream_iterated_is_the_body_as_sent(
    backend: Any, raw_server: Any
) -> None:
    coded = gzip.compress(BODY)
    server = raw_server(respond_with(
        make_response(200, coded, [("Content-Encoding", "gzip")], chunked=True)
    ))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        response = await client.get(server.url, stream=True)
        assert b"".join([piece async for piece in response.stream]) == coded
        assert response.is_closed and response.is_stream_consumed
        with pytest.raises(fasthttpx.StreamConsumed):
            [piece async for piece in response.stream]

        response = await client.get(server.url, stream=True)  # called: the seed's, decoded
        assert b"".join([piece async for piece in response.stream(1000)]) == BODY
        assert response.num_bytes_downloaded == len(coded)
    assert server.connections_accepted == 1  # each body's end gave the connection back


async def test_response_stream_closed_early_releases_the_connection(
    backend: Any, raw_server: Any
) -> None:
    big = BODY * 50
    server = raw_server(respond_with(make_response(200, big, chunked=True)))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        response = await client.get(server.url, stream=True)
        await response.stream.aclose()
        assert response.is_closed
        assert (await client.get(server.url)).content == big


async def test_client_transport_is_an_http_transport(backend: Any, raw_server: Any) -> None:
    server = raw_server(respond_with(make_response(200, b"ok")))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        assert isinstance(client._transport, fasthttpx.AsyncHTTPTransport)
        assert client._transport_for_url(fasthttpx.URL(server.url)) is client._transport
        assert (await client.get(server.url)).content == b"ok"
    proxied = fasthttpx.AsyncClient(backend=backend, proxy="socks5://127.0.0.1:1080")
    assert isinstance(proxied._transport_for_url(fasthttpx.URL("http://example.com/")),
                      fasthttpx.AsyncHTTPTransport)
    await proxied.aclose()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_connect_retries_only_where_asked(backend: Any, raw_server: Any) -> None:
    plain = fasthttpx.AsyncHTTPTransport(backend=backend)
    # Without connect retries a request goes straight to the pool: no wrapper in between.
    assert plain.handle_async_request.__func__ is AsyncConnectionPool.handle_async_request  # type: ignore[attr-defined]
    await plain.aclose()

    retrying = fasthttpx.AsyncHTTPTransport(backend=backend, retries=1)
    async with fasthttpx.AsyncClient(transport=retrying, backend=backend) as client:
        with pytest.raises(fasthttpx.ConnectError):
            await client.get(f"http://127.0.0.1:{closed_port()}/")
        assert retrying.connections_opened == 2  # the attempt, then one retry at once
        server = raw_server(respond_with(make_response(200, b"ok")))
        assert (await client.get(server.url)).content == b"ok"
