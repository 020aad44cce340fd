"""Requests through the adapters go out as httpx/httpx2 built them: method, target, header
fields (order and case), bodies in memory and streamed, the ``timeout`` extension."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.adapters.conftest import Lib
from tests.adapters.helpers import dechunk, delayed, split_request, upload_watcher
from tests.kit.raw_server import make_response, respond_with

OK = make_response(200, b"ok")


async def test_method_target_and_fields_go_out_as_the_library_built_them(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    server = raw_server(respond_with(OK))
    async with lib.adapter.AsyncClient() as client:
        request = client.build_request(
            "PATCH", server.url + "/a%20b/c?x=1&y=%2F&z",
            headers=[("X-Custom-Case", "v1"), ("x-dup", "1"), ("X-Dup", "2")],
        )
        response = await client.send(request)
    assert response.status_code == 200
    assert response.content == b"ok"
    line, fields, body = split_request(server.requests[0])
    assert line == b"PATCH /a%20b/c?x=1&y=%2F&z HTTP/1.1"
    assert fields == request.headers.raw  # every field, in order, as cased
    assert [name for name, _ in fields][-3:] == [b"X-Custom-Case", b"x-dup", b"X-Dup"]
    assert body == b""


async def test_host_and_non_default_port_come_from_the_library(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    server = raw_server(respond_with(OK))
    async with lib.adapter.AsyncClient() as client:
        await client.get(server.url.replace("127.0.0.1", "localhost") + "/path")
    _, fields, _ = split_request(server.requests[0])
    assert (b"Host", f"localhost:{server.port}".encode()) in fields


async def test_body_in_memory_goes_out_with_its_length(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    server = raw_server(respond_with(OK))
    payload = bytes(range(256)) * 300  # larger than one write of the head
    async with lib.adapter.AsyncClient() as client:
        small = await client.post(server.url + "/small", content=b'{"a":1}')
        large = await client.put(server.url + "/large", content=payload)
    assert small.status_code == large.status_code == 200
    _, fields, body = split_request(server.requests[0])
    assert (b"Content-Length", b"7") in fields and body == b'{"a":1}'
    _, fields, body = split_request(server.requests[1])
    assert (b"Content-Length", str(len(payload)).encode()) in fields and body == payload


async def test_streamed_upload_is_sent_piece_by_piece_without_buffering(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    first_seen = threading.Event()
    received: list[bytes] = []
    server = raw_server(upload_watcher(first_seen, received))

    async def body() -> Any:
        yield b"first"
        # The server has the first piece before the second exists: nothing waited for it.
        assert first_seen.wait(5), "the first piece was held back until the body ended"
        yield b"second"

    async with lib.adapter.AsyncClient() as client:
        response = await client.post(server.url + "/upload", content=body())
    assert response.status_code == 200
    head, first, rest = received
    assert b"Transfer-Encoding: chunked" in head
    assert first == b"first"
    assert dechunk(rest) == [b"second"]


async def test_multipart_upload_through_the_adapter(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    server = raw_server(respond_with(OK))
    async with lib.adapter.AsyncClient() as client:
        response = await client.post(
            server.url + "/form", data={"field": "value"},
            files={"file": ("a.txt", b"file contents", "text/plain")},
        )
    assert response.status_code == 200
    _, fields, body = split_request(server.requests[0])
    length = dict((name.lower(), value) for name, value in fields)[b"content-length"]
    assert int(length) == len(body)
    assert b'name="field"' in body and b"file contents" in body


async def test_timeout_none_means_no_limit(lib: Lib, backend_name: str, raw_server: Any) -> None:
    server = raw_server(delayed(OK, 0.3))
    async with lib.adapter.AsyncClient(timeout=None) as client:
        response = await client.get(server.url)
    assert response.status_code == 200


async def test_each_request_keeps_its_own_timeout(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    """A long timeout on one request, then a short one on the same connection: the short
    one applies (the SDKs send a per-request timeout with every call)."""
    server = raw_server(delayed(OK, 0.5))
    async with lib.adapter.AsyncClient() as client:
        assert (await client.get(server.url, timeout=30.0)).status_code == 200
        with pytest.raises(lib.module.ReadTimeout):
            await client.get(server.url, timeout=0.1)


async def test_transport_used_directly(lib: Lib, backend_name: str, raw_server: Any) -> None:
    server = raw_server(respond_with(OK))
    async with lib.adapter.AsyncTransport() as transport:
        request = lib.module.Request("GET", server.url + "/direct?q=1")
        response = await transport.handle_async_request(request)
        assert isinstance(response, lib.module.Response)
        assert response.status_code == 200
        assert await response.aread() == b"ok"
    line, _, _ = split_request(server.requests[0])
    assert line == b"GET /direct?q=1 HTTP/1.1"
