"""Bounded bodies (issue 17 item 3): ``max_body_size`` and ``max_decompression_ratio``.

Real servers on 127.0.0.1: a gzip (and br, zstd) bomb of 64 MiB of zeros, an endless chunked
body, small bodies. Each bomb must stop with bounded memory: the ``tracemalloc`` peak while
reading stays far under the 64 MiB the body expands to. Written once, async; the sync twin is
generated.
"""

from __future__ import annotations

import functools
import gzip
import tracemalloc
import zlib
from typing import Any

import pytest

import fasthttpx
from tests.client.handlers import coded_response, endless_or_ok
from tests.kit.raw_server import OK, respond_with

MiB = 1024 * 1024
#: What every bomb expands to.
EXPANDED = 64 * MiB
#: The most a bounded read may hold at its peak (the limit, its pieces, the joined content).
BOUNDED_PEAK = 24 * MiB


@functools.cache
def bomb(coding: str) -> bytes:
    zeros = bytes(EXPANDED)
    if coding == "gzip":
        return gzip.compress(zeros, compresslevel=9)
    if coding == "deflate":
        return zlib.compress(zeros, 9)
    if coding == "br":
        brotli = pytest.importorskip("brotli", reason="brotli is not installed")
        return bytes(brotli.compress(zeros))
    zstandard = pytest.importorskip("zstandard", reason="zstandard is not installed")
    return bytes(zstandard.ZstdCompressor(level=19).compress(zeros))


CODINGS = ["gzip", "deflate", "br", "zstd"]


async def _peak_while(call: Any) -> tuple[int, BaseException | None]:
    """The tracemalloc peak while awaiting ``call()`` and what it raised."""
    tracemalloc.start()
    error: BaseException | None = None
    try:
        await call()
    except fasthttpx.HTTPError as exc:
        error = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak, error


@pytest.mark.parametrize("coding", CODINGS)
async def test_bomb_stops_at_max_body_size_with_bounded_memory(
    backend: Any, raw_server: Any, coding: str
) -> None:
    body = bomb(coding)
    server = raw_server(respond_with(coded_response(body, coding)))
    async with fasthttpx.AsyncClient(backend=backend, max_body_size=8 * MiB) as client:
        peak, error = await _peak_while(lambda: client.get(server.url))
    assert isinstance(error, fasthttpx.ResponseTooLarge)
    assert "max_body_size (8388608 bytes, decoded)" in str(error)
    assert server.url in str(error)
    assert error.request.url == server.url
    assert peak < BOUNDED_PEAK, f"peak {peak} bytes while reading a {coding} bomb"


@pytest.mark.parametrize("coding", CODINGS)
async def test_bomb_stopped_by_the_ratio_guard(
    backend: Any, raw_server: Any, coding: str
) -> None:
    body = bomb(coding)
    server = raw_server(respond_with(coded_response(body, coding)))
    async with fasthttpx.AsyncClient(backend=backend, max_decompression_ratio=100) as client:
        peak, error = await _peak_while(lambda: client.get(server.url))
        assert isinstance(error, fasthttpx.DecompressionBombError)
        assert isinstance(error, fasthttpx.DecodingError)
        assert "max_decompression_ratio (100" in str(error) and server.url in str(error)
        assert peak < BOUNDED_PEAK, f"peak {peak} bytes while reading a {coding} bomb"
        # Streamed too: the pieces handed out stop at the guard.
        async with client.stream("GET", server.url) as response:
            handed_out = 0
            with pytest.raises(fasthttpx.DecompressionBombError):
                async for chunk in response.aiter_bytes():
                    handed_out += len(chunk)
            assert handed_out < BOUNDED_PEAK
            assert response.is_closed


async def test_ratio_guard_lets_small_and_ordinary_bodies_through(
    backend: Any, raw_server: Any
) -> None:
    small = bytes(512 * 1024)  # ratio ~1000, but under the 1 MiB floor
    text = b"".join(b"line %d of an ordinary text body\n" % i for i in range(100_000))
    server = raw_server(respond_with([
        coded_response(gzip.compress(small), "gzip"),
        coded_response(gzip.compress(text), "gzip"),
    ]))
    async with fasthttpx.AsyncClient(backend=backend, max_decompression_ratio=10) as client:
        assert (await client.get(server.url)).content == small
        response = await client.get(server.url, max_decompression_ratio=50)
        assert response.content == text


async def test_endless_body_stopped_by_max_body_size(backend: Any, raw_server: Any) -> None:
    server = raw_server(endless_or_ok())
    async with fasthttpx.AsyncClient(backend=backend, max_body_size=4 * MiB) as client:
        with pytest.raises(fasthttpx.ResponseTooLarge, match="max_body_size"):
            await client.get(server.url + "/endless")
        # Streamed iteration: the running total of bytes handed out is what counts.
        async with client.stream("GET", server.url + "/endless") as response:
            handed_out = 0
            with pytest.raises(fasthttpx.ResponseTooLarge):
                async for chunk in response.aiter_bytes(chunk_size=1000):
                    handed_out += len(chunk)
            # Never past the limit; short of it by at most the piece that crossed it (one
            # socket read), and what the chunker held back.
            assert 3 * MiB <= handed_out <= 4 * MiB
            assert response.is_closed
        # The connections that carried the endless bodies were discarded, never reused.
        assert (await client.get(server.url + "/ok")).content == b"Hello, world!"
    assert server.connections_accepted == 3


async def test_per_request_override(backend: Any, raw_server: Any) -> None:
    server = raw_server(respond_with(OK))
    async with fasthttpx.AsyncClient(backend=backend, max_body_size=5) as client:
        with pytest.raises(fasthttpx.ResponseTooLarge, match=r"max_body_size \(5 bytes"):
            await client.get(server.url)
        assert (await client.get(server.url, max_body_size=None)).text == "Hello, world!"
        assert (await client.get(server.url, max_body_size=13)).text == "Hello, world!"
        request = client.build_request("GET", server.url, extensions={"max_body_size": 100})
        assert (await client.send(request)).text == "Hello, world!"
    async with fasthttpx.AsyncClient(backend=backend) as client:
        assert (await client.get(server.url)).text == "Hello, world!"
        with pytest.raises(fasthttpx.ResponseTooLarge):
            await client.get(server.url, max_body_size=12)
        request = client.build_request("GET", server.url, extensions={"max_body_size": 12})
        with pytest.raises(fasthttpx.ResponseTooLarge):
            await client.send(request)
        async with client.stream("GET", server.url, max_body_size=4) as response:
            with pytest.raises(fasthttpx.ResponseTooLarge):
                await response.aread()


async def test_limits_within_bounds_read_as_before(backend: Any, raw_server: Any) -> None:
    text = b"hello, limited world\n" * 1000
    server = raw_server(respond_with(coded_response(gzip.compress(text), "gzip")))
    async with fasthttpx.AsyncClient(
        backend=backend, max_body_size=len(text), max_decompression_ratio=1000
    ) as client:
        response = await client.get(server.url)
        assert response.content == text
        assert response.num_bytes_downloaded == len(gzip.compress(text))
        async with client.stream("GET", server.url) as response:
            lines = [line async for line in response.aiter_lines()]
        assert lines == ["hello, limited world"] * 1000


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="max_body_size"):
        fasthttpx.AsyncClient(max_body_size=-1)
    with pytest.raises(ValueError, match="max_decompression_ratio"):
        fasthttpx.AsyncClient(max_decompression_ratio=0)
