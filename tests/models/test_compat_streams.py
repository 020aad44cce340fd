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


# -- request.stream: made on access, of the body's kind ----------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"content": b"abc"}, {"content": "abc"}, {"json": {"a": 1}}, {"data": {"a": "1"}}],
)
def test_request_stream_of_a_body_in_memory_reads_both_ways(kwargs: dict[str, object]) -> None:
    request = Request("POST", "http://example.org", **kwargs)  # type: ignore[arg-type]
    stream = request.stream
    assert isinstance(stream, ByteStream)
    assert bytes(stream) is request.content  # a view over the body the request holds

    async def collect() -> bytes:
        return b"".join([piece async for piece in request.stream])  # type: ignore[union-attr]

    assert b"".join(stream) == request.content == asyncio.run(collect())
    assert b"".join(stream) == request.content  # again: nothing consumed


def test_request_stream_of_a_streamed_body_is_that_stream() -> None:
    def pieces() -> Iterator[bytes]:
        yield b"a"

    request = Request("POST", "http://example.org", content=pieces())
    assert not isinstance(request.stream, fasthttpx.AsyncByteStream)
    assert request.stream is request.stream  # the stream itself, not a new object each time
    request.stream = b"replaced"
    assert b"".join(request.stream) == b"replaced"  # type: ignore[arg-type]
    assert request.read() == b"replaced"


# -- response.stream: HTTPX's attribute, and the seed's method when called ---------------------


def test_response_stream_of_content_in_memory_reads_both_ways_repeatedly() -> None:
    response = fasthttpx.Response(200, content=b"Hello")
    stream = response.stream
    assert isinstance(stream, fasthttpx.SyncByteStream)
    assert isinstance(stream, fasthttpx.AsyncByteStream)

    async def collect() -> bytes:
        return b"".join([piece async for piece in response.stream])

    assert b"".join(stream) == b"Hello" == asyncio.run(collect()) == b"".join(stream)
    assert list(fasthttpx.Response(204).stream) == []
    assert list(response.stream(2)) == [b"He", b"ll", b"o"]  # called: the seed's method


def test_response_stream_of_an_iterator_reads_once_and_sync_only() -> None:
    def pieces() -> Iterator[bytes]:
        yield b"Hello, "
        yield b"world!"

    response = fasthttpx.Response(200, content=pieces())
    assert isinstance(response.stream, fasthttpx.SyncByteStream)
    assert not isinstance(response.stream, fasthttpx.AsyncByteStream)
    assert list(response.stream) == [b"Hello, ", b"world!"]
    assert response.is_stream_consumed and response.is_closed
    with pytest.raises(fasthttpx.StreamConsumed):
        list(response.stream)


def test_response_stream_of_an_async_iterator_reads_once_and_async_only() -> None:
    async def pieces() -> AsyncIterator[bytes]:
        yield b"Hello, "
        yield b"world!"

    response = fasthttpx.Response(200, content=pieces())
    assert isinstance(response.stream, fasthttpx.AsyncByteStream)
    assert not isinstance(response.stream, fasthttpx.SyncByteStream)

    async def main() -> bytes:
        content = b"".join([piece async for piece in response.stream])
        with pytest.raises(fasthttpx.StreamConsumed):
            [piece async for piece in response.stream]
        return content

    assert asyncio.run(main()) == b"Hello, world!"
    with pytest.raises(TypeError):
        iter(response.stream)  # type: ignore[call-overload]  # async only


def test_response_stream_closed_without_reading() -> None:
    closed: list[bool] = []

    class Body(fasthttpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield b"never read"

        def close(self) -> None:
            closed.append(True)

    response = fasthttpx.Response(200, stream=Body())
    response.stream.close()
    assert response.is_closed and closed == [True]
    with pytest.raises(fasthttpx.StreamClosed):
        list(response.stream)
