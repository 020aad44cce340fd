"""Issue 13, "One Response": a single ``Response`` class with HTTPX's sync and async methods.

Model level: responses built by hand, no client. The kind of the body decides which methods
work (bytes: both; a sync iterable: sync; an async iterable: async), the other kind raising
``RuntimeError``; re-chunking; ``TypeError`` for a non-body; pickling.
"""

from __future__ import annotations

import asyncio
import gzip
import pickle
from collections.abc import AsyncIterator, Iterator

import pytest

import fasthttpx
from fasthttpx._decoders import ByteChunker, TextChunker

PIECES = [b"abc", b"defgh", b"", b"ij", b"klmnopq"]
WHOLE = b"".join(PIECES)


def sync_pieces() -> Iterator[bytes]:
    yield from PIECES


async def async_pieces() -> AsyncIterator[bytes]:
    for piece in PIECES:
        yield piece


def test_one_class_and_the_old_name() -> None:
    assert fasthttpx.AsyncResponse is fasthttpx.Response
    assert "AsyncResponse" in fasthttpx.__all__
    for name in ("read", "aread", "iter_bytes", "aiter_bytes", "iter_text", "aiter_text",
                 "iter_lines", "aiter_lines", "iter_raw", "aiter_raw", "close", "aclose",
                 "raw"):
        assert callable(getattr(fasthttpx.Response, name)), name
    assert callable(fasthttpx.Response(200).stream)  # an attribute that is also the method


def test_bytes_content_reads_both_ways() -> None:
    response = fasthttpx.Response(200, content=WHOLE)
    assert response.read() == WHOLE
    assert list(response.iter_bytes(4)) == [WHOLE[i:i + 4] for i in range(0, len(WHOLE), 4)]
    assert list(response.stream()) == [WHOLE]  # the seed spelling, plain: built by hand
    response.close()

    async def main() -> None:
        response = fasthttpx.Response(200, content=WHOLE, headers={"Content-Type": "text/plain"})
        assert await response.aread() == WHOLE
        assert [piece async for piece in response.aiter_bytes(7)] == [WHOLE[:7], WHOLE[7:14],
                                                                      WHOLE[14:]]
        assert "".join([text async for text in response.aiter_text()]) == WHOLE.decode()
        await response.aclose()

    asyncio.run(main())


def test_sync_iterable_is_read_sync_only() -> None:
    response = fasthttpx.Response(200, content=sync_pieces())
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert not response.is_stream_consumed
    assert response.read() == WHOLE
    assert response.is_closed and response.num_bytes_downloaded == len(WHOLE)

    async def wrong_kind() -> None:
        response = fasthttpx.Response(200, content=sync_pieces())
        with pytest.raises(RuntimeError, match="async iterator on a sync stream"):
            await response.aread()
        response = fasthttpx.Response(200, content=sync_pieces())
        with pytest.raises(RuntimeError, match="async close on a sync stream"):
            await response.aclose()

    asyncio.run(wrong_kind())


def test_async_iterable_is_read_async_only() -> None:
    response = fasthttpx.Response(200, content=async_pieces())
    with pytest.raises(RuntimeError, match="sync iterator on an async stream"):
        list(response.iter_raw())
    with pytest.raises(RuntimeError, match="sync iterator on an async stream"):
        response.read()  # built by hand: the seed ``read()`` is HTTPX's plain one
    with pytest.raises(RuntimeError, match="sync close on an async stream"):
        response.close()

    async def main() -> None:
        response = fasthttpx.Response(200, content=async_pieces())
        assert await response.aread() == WHOLE
        assert response.is_closed

    asyncio.run(main())


def test_raw_and_bytes_are_rechunked_across_pieces() -> None:
    expected = [WHOLE[i:i + 4] for i in range(0, len(WHOLE), 4)]
    assert list(fasthttpx.Response(200, content=sync_pieces()).iter_raw(4)) == expected
    assert list(fasthttpx.Response(200, content=sync_pieces()).iter_bytes(4)) == expected
    assert list(fasthttpx.Response(200, content=sync_pieces()).iter_raw()) == [
        piece for piece in PIECES if piece
    ]

    async def main() -> None:
        response = fasthttpx.Response(200, content=async_pieces())
        assert [piece async for piece in response.aiter_raw(4)] == expected
        response = fasthttpx.Response(200, content=async_pieces())
        assert [piece async for piece in response.aiter_bytes(4)] == expected

    asyncio.run(main())


def test_rechunking_after_content_decoding() -> None:
    coded = gzip.compress(WHOLE)

    def pieces() -> Iterator[bytes]:
        yield coded[:5]
        yield coded[5:]

    response = fasthttpx.Response(200, content=pieces(), headers={"Content-Encoding": "gzip"})
    chunks = list(response.iter_bytes(3))
    assert b"".join(chunks) == WHOLE
    assert all(len(chunk) == 3 for chunk in chunks[:-1]) and 0 < len(chunks[-1]) <= 3


def test_text_rechunked_in_characters() -> None:
    response = fasthttpx.Response(200, content=iter(["héllo".encode(), " wörld".encode()]))
    assert list(response.iter_text(4)) == ["héll", "o wö", "rld"]


@pytest.mark.parametrize("content", [123, 1.5, object()])
def test_content_that_is_not_a_body_is_a_type_error(content: object) -> None:
    with pytest.raises(TypeError):
        fasthttpx.Response(200, content=content)


def test_stream_argument_as_httpx_gives_it() -> None:
    class Body(fasthttpx.SyncByteStream):
        closed = False

        def __iter__(self) -> Iterator[bytes]:
            yield from PIECES

        def close(self) -> None:
            Body.closed = True

    response = fasthttpx.Response(200, stream=Body())
    assert "Transfer-Encoding" not in response.headers
    assert list(response.iter_raw(5)) == [WHOLE[i:i + 5] for i in range(0, len(WHOLE), 5)]
    assert Body.closed and response.is_closed


def test_pickle_keeps_content_not_stream() -> None:
    request = fasthttpx.Request("GET", "https://example.org/")
    response = fasthttpx.Response(200, content=b"kept", request=request,
                                  headers={"X-A": "b"})
    copy = pickle.loads(pickle.dumps(response))
    assert copy.content == b"kept" and copy.read() == b"kept"
    assert copy.headers["x-a"] == "b" and copy.request.url == request.url
    assert copy.is_closed and copy.extensions == {}

    streamed = fasthttpx.Response(200, content=sync_pieces())
    copy = pickle.loads(pickle.dumps(streamed))
    with pytest.raises(fasthttpx.StreamClosed):
        copy.read()
    with pytest.raises(fasthttpx.ResponseNotRead):
        _ = copy.content


def test_chunkers() -> None:
    chunker = ByteChunker(3)
    assert chunker.decode(b"ab") == []
    assert chunker.decode(b"cdefg") == [b"abc", b"def"]
    assert chunker.flush() == [b"g"] and chunker.flush() == []
    assert ByteChunker().decode(b"") == [] and ByteChunker(None).decode(b"x") == [b"x"]
    text = TextChunker(2)
    assert text.decode("abc") == ["ab"] and text.flush() == ["c"]
