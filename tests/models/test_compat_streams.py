"""HTTPX's stream types and request details: ByteStream, read() then stream, pickling."""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import AsyncIterator, Iterator

import pytest

import fasthttpx
from fasthttpx import ByteStream, Request, StreamClosed


def test_byte_stream_is_a_view_iterable_both_ways() -> None:
    data = b"abc"
    stream = ByteStream(data)
    assert bytes(stream) is data  # the same bytes, never a copy
    assert isinstance(stream, fasthttpx.SyncByteStream)
    assert isinstance(stream, fasthttpx.AsyncByteStream)
    assert list(stream) == [b"abc"]
    assert type(list(stream)[0]) is bytes

    async def collect() -> list[bytes]:
        return [piece async for piece in stream]

    assert asyncio.run(collect()) == [b"abc"]
    assert list(stream) == [b"abc"]  # as often as asked
    assert list(ByteStream(b"")) == []


def test_base_streams_must_be_implemented() -> None:
    with pytest.raises(NotImplementedError):
        list(fasthttpx.SyncByteStream())
    fasthttpx.SyncByteStream().close()


def test_request_stream_after_read_is_iterable() -> None:
    request = Request("POST", "http://example.org", json={"a": 1})
    assert request.read() == b'{"a":1}'
    assert b"".join(request.stream) == b'{"a":1}'  # type: ignore[arg-type]


def test_request_stream_after_aread_is_async_iterable() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"x"
        yield b"y"

    async def main() -> bytes:
        request = Request("POST", "http://example.org", content=body())
        await request.aread()
        return b"".join([piece async for piece in request.stream])  # type: ignore[union-attr]

    assert asyncio.run(main()) == b"xy"


def test_pickled_streaming_request_cannot_be_read() -> None:
    def body() -> Iterator[bytes]:
        yield b"test"

    copy = pickle.loads(pickle.dumps(Request("POST", "http://example.org", content=body())))
    with pytest.raises(fasthttpx.RequestNotRead):
        copy.content  # noqa: B018
    with pytest.raises(StreamClosed):
        copy.read()

    request = Request("POST", "http://example.org", content=body())
    request.read()
    copy = pickle.loads(pickle.dumps(request))
    assert copy.content == b"test"
    assert copy.headers["Transfer-Encoding"] == "chunked"


def test_pickled_request_with_fixed_body() -> None:
    request = Request("POST", "http://example.org", json={"test": 123})
    copy = pickle.loads(pickle.dumps(request))
    assert copy.method == "POST" and copy.url == "http://example.org"
    assert copy.content == b'{"test":123}'


def test_response_content_is_decoded_from_its_content_encoding() -> None:
    import gzip

    r = fasthttpx.Response(200, content=gzip.compress(b"hi"), headers={"Content-Encoding": "gzip"})
    assert r.content == b"hi" and r.num_bytes_downloaded == len(gzip.compress(b"hi"))
    with pytest.raises(fasthttpx.DecodingError):
        fasthttpx.Response(200, content=b"xxxx", headers={"Content-Encoding": "gzip"})


def test_mock_transport_keeps_decoded_content_for_async_clients() -> None:
    import gzip

    def handler(request: Request) -> fasthttpx.Response:
        return fasthttpx.Response(200, content=gzip.compress(b"hi"),
                                  headers={"Content-Encoding": "gzip"})

    async def main() -> fasthttpx.AsyncResponse:
        async with fasthttpx.AsyncClient(transport=fasthttpx.MockTransport(handler)) as c:
            return await c.get("http://testserver/")

    r = asyncio.run(main())
    assert r.content == b"hi" and r.elapsed.total_seconds() == 0
