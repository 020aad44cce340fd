"""Responses through the adapters: status, raw header fields, the ``http_version`` and
``reason_phrase`` extensions, the body passed through raw (decoding is the library's), each
piece handed over as it arrives, and the connection back in the pool when the body is done
or given up."""

from __future__ import annotations

import gzip
import threading
from typing import Any

from tests.adapters.conftest import Lib
from tests.adapters.helpers import gated_events, stalled_stream
from tests.kit.raw_server import make_response, respond_with

EVENTS = [b"data: {\"n\": %d}\n\n" % i for i in range(5)]


async def test_status_fields_and_extensions(lib: Lib, backend_name: str, raw_server: Any) -> None:
    response_bytes = make_response(
        299, b"hello", [("X-B", "1"), ("x-a", "2"), ("X-A", "3")], reason="Totally Fine"
    )
    server = raw_server(respond_with(response_bytes))
    async with lib.adapter.AsyncClient() as client:
        response = await client.get(server.url)
    assert response.status_code == 299
    assert response.reason_phrase == "Totally Fine"
    assert response.extensions["reason_phrase"] == b"Totally Fine"
    assert response.http_version == "HTTP/1.1"
    assert response.extensions["http_version"] == b"HTTP/1.1"
    assert response.headers.raw == [
        (b"X-B", b"1"), (b"x-a", b"2"), (b"X-A", b"3"), (b"Content-Length", b"5")
    ]
    assert response.headers.get_list("x-a") == ["2", "3"]
    assert response.text == "hello"


async def test_http_1_0_response(lib: Lib, backend_name: str, raw_server: Any) -> None:
    server = raw_server(respond_with(
        make_response(200, b"old", http_version="HTTP/1.0"), keep_alive=False
    ))
    async with lib.adapter.AsyncClient() as client:
        response = await client.get(server.url)
    assert response.http_version == "HTTP/1.0"
    assert response.content == b"old"


async def test_body_passes_through_raw_and_the_library_decodes_it(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    text = b"compressed " * 100
    packed = gzip.compress(text)
    server = raw_server(respond_with(
        make_response(200, packed, [("Content-Encoding", "gzip")])
    ))
    async with lib.adapter.AsyncClient() as client:
        decoded = await client.get(server.url)
        async with client.stream("GET", server.url) as streamed:
            raw = b"".join([piece async for piece in streamed.aiter_raw()])
    assert decoded.content == text
    assert raw == packed
    _, _, request = server.requests[0].partition(b"\r\n")
    assert b"Accept-Encoding: gzip" in request  # the library's own header, untouched


async def test_each_event_is_handed_over_before_the_next_is_sent(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    gate = threading.Semaphore(0)
    misses: list[int] = []
    server = raw_server(gated_events(EVENTS, gate, misses))
    received: list[bytes] = []
    async with lib.adapter.AsyncClient() as client:
        async with client.stream("GET", server.url + "/events") as response:
            async for piece in response.aiter_bytes():
                received.append(piece)
                gate.release()  # only now does the server send the next event
    assert misses == []
    assert received == EVENTS


async def test_lines_of_a_stream_as_they_arrive(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    gate = threading.Semaphore(0)
    misses: list[int] = []
    server = raw_server(gated_events(EVENTS, gate, misses))
    lines: list[str] = []
    async with lib.adapter.AsyncClient() as client:
        async with client.stream("GET", server.url) as response:
            async for line in response.aiter_lines():
                lines.append(line)
                if line:
                    gate.release()
    assert misses == []
    assert [line for line in lines if line] == [event.decode().strip() for event in EVENTS]


async def test_a_stream_given_up_half_way_frees_its_connection(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    server = raw_server(stalled_stream(b"first piece"))
    limits = lib.module.Limits(max_connections=1)
    timeout = lib.module.Timeout(5.0, pool=1.0)
    async with lib.adapter.AsyncClient(limits=limits, timeout=timeout) as client:
        async with client.stream("GET", server.url + "/stalls") as response:
            # One piece of the byte stream, then given up. (Not through ``aiter_bytes()``:
            # HTTPX 0.28 leaves its inner generators to the garbage collector when a
            # stream stops early, which trio reports; httpx2 closes them.)
            pieces = response.stream.__aiter__()
            assert await pieces.__anext__() == b"first piece"
            await pieces.aclose()
        # The only connection went back (closed: its body was not read to the end).
        again = await client.get(server.url + "/next")
    assert again.content == b"ok"
    assert server.connections_accepted == 2


async def test_a_body_read_to_its_end_keeps_the_connection(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    server = raw_server(respond_with(make_response(200, b"x" * 200_000)))
    async with lib.adapter.AsyncClient() as client:
        for _ in range(3):
            async with client.stream("GET", server.url) as response:
                assert len(await response.aread()) == 200_000
    assert server.connections_accepted == 1
    assert len(server.requests) == 3


async def test_head_and_no_content(lib: Lib, backend_name: str, raw_server: Any) -> None:
    server = raw_server(respond_with([
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
        b"HTTP/1.1 204 No Content\r\n\r\n",
    ]))
    async with lib.adapter.AsyncClient() as client:
        head = await client.head(server.url)
        empty = await client.delete(server.url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == "10"
    assert empty.status_code == 204 and empty.content == b""
    assert server.connections_accepted == 1
