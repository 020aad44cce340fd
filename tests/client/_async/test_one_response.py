"""Issue 13, "One Response": the client's responses over real sockets on 127.0.0.1.

Written once, async; the sync twin is generated. A response from an ``AsyncClient`` is read
with the seed spellings awaited (``await r.read()``, ``async for c in r.stream()``...) and
with HTTPX's async ones; from a ``Client``, the same plain. ``MockTransport`` hands over the
handler's own ``Response`` (one class: no conversion), read the client's way.
"""

from __future__ import annotations

import gzip
import pickle
from collections.abc import AsyncIterator
from typing import Any

import pytest

import fasthttpx
from tests.kit.raw_server import make_response, respond_with

BODY = b"".join(b"line %d\n" % n for n in range(200))


async def test_seed_and_httpx_spellings_on_one_response(backend: Any, raw_server: Any) -> None:
    server = raw_server(respond_with(make_response(200, BODY, chunked=True)))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        response = await client.get(server.url, stream=True)
        assert isinstance(response, fasthttpx.Response)
        assert await response.read() == BODY
        await response.close()

        response = await client.get(server.url, stream=True)
        assert b"".join([piece async for piece in response.stream()]) == BODY
        response = await client.get(server.url, stream=True)
        assert b"".join([piece async for piece in response.raw()]) == BODY

        response = await client.get(server.url, stream=True)
        assert await response.aread() == BODY
        response = await client.get(server.url, stream=True)
        lines = [line async for line in response.aiter_lines()]
        assert lines == BODY.decode().splitlines()
        response = await client.get(server.url, stream=True)
        await response.aclose()
        with pytest.raises(fasthttpx.StreamClosed):
            await response.aread()


async def test_raw_and_bytes_rechunked_over_the_network(backend: Any, raw_server: Any) -> None:
    coded = gzip.compress(BODY)
    server = raw_server(respond_with(
        make_response(200, coded, [("Content-Encoding", "gzip")], chunked=True)
    ))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        response = await client.get(server.url, stream=True)
        raw = [piece async for piece in response.aiter_raw(100)]
        assert b"".join(raw) == coded
        assert all(len(piece) == 100 for piece in raw[:-1]) and 0 < len(raw[-1]) <= 100
        response = await client.get(server.url, stream=True)
        decoded = [piece async for piece in response.aiter_bytes(333)]
        assert b"".join(decoded) == BODY
        assert all(len(piece) == 333 for piece in decoded[:-1])
        response = await client.get(server.url, stream=True)
        texts = [text async for text in response.aiter_text(50)]
        assert "".join(texts) == BODY.decode()
        assert all(len(text) == 50 for text in texts[:-1])


async def test_mock_transport_hands_over_its_response(backend: Any) -> None:
    async def pieces() -> AsyncIterator[bytes]:
        yield b"one,"
        yield b"two"

    async def handler(request: fasthttpx.Request) -> fasthttpx.Response:
        if request.url.path == "/stream":
            return fasthttpx.Response(200, content=pieces())
        return fasthttpx.Response(201, json={"path": request.url.path})

    built: list[fasthttpx.Response] = []

    def sync_handler(request: fasthttpx.Request) -> fasthttpx.Response:
        built.append(fasthttpx.Response(200, content=b"as built"))
        return built[-1]

    async with fasthttpx.AsyncClient(
        backend=backend, transport=fasthttpx.MockTransport(handler)
    ) as client:
        response = await client.get("http://example.org/a")
        assert response.status_code == 201 and response.json() == {"path": "/a"}
        assert await response.read() == b'{"path":"/a"}'
        assert await response.aread() == b'{"path":"/a"}'
        assert [piece async for piece in response.stream(4)][0] == b'{"pa'
        await response.close()
        assert response.request.url == "http://example.org/a"

    async with fasthttpx.AsyncClient(
        backend=backend, transport=fasthttpx.MockTransport(handler)
    ) as client:
        async with client.stream("GET", "http://example.org/stream") as response:
            assert [piece async for piece in response.stream()] == [b"one,", b"two"]

    async with fasthttpx.AsyncClient(
        backend=backend, transport=fasthttpx.MockTransport(sync_handler)
    ) as client:
        response = await client.get("http://example.org/")
    assert response is built[0]  # the handler's own response: no conversion
    assert response.text == "as built"


async def test_client_response_pickles(backend: Any, raw_server: Any) -> None:
    server = raw_server(respond_with(make_response(200, BODY, [("Content-Type", "text/plain")])))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        response = await client.get(server.url)
        streamed = await client.get(server.url, stream=True)
        copy = pickle.loads(pickle.dumps(response))
        assert copy.content == BODY and copy.text == BODY.decode()
        assert copy.status_code == 200 and copy.request.url == server.url
        assert copy.headers["content-type"] == "text/plain"
        unread = pickle.loads(pickle.dumps(streamed))
        with pytest.raises(fasthttpx.StreamClosed):
            await unread.aread()
        await streamed.aclose()


async def test_next_request_when_not_following(backend: Any, raw_server: Any) -> None:
    target = raw_server(respond_with(make_response(200, b"landed")))
    server = raw_server(respond_with(make_response(
        303, b"", [("Location", target.url + "/done"), ("Set-Cookie", "seen=1; Path=/")]
    )))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        response = await client.post(server.url, content=b"form")
        assert response.status_code == 303 and response.next_request is not None
        assert response.next_request.method == "GET"
        assert response.next_request.url == target.url + "/done"
        landed = await client.send(response.next_request)
        assert landed.content == b"landed" and landed.next_request is None
        plain = await client.get(target.url)
        assert plain.next_request is None
