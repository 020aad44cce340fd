"""Errors through the adapters: each of ours becomes the library's exception of the same
name, ours chained as its cause, whether it happens before the response head or while its
body is read. The SDKs' retry logic keys on those classes."""

from __future__ import annotations

from typing import Any

import pytest

import fasthttpx
from tests.adapters.conftest import Lib
from tests.adapters.helpers import head_then, refused_port, swallow_head_then_sleep
from tests.kit.raw_server import make_response, never_respond, reset_after, respond_with


def assert_mapped(exc: BaseException, lib: Lib, name: str) -> None:
    """``exc`` is the library's ``name``, raised from our exception of the same name."""
    assert type(exc) is getattr(lib.module, name), repr(exc)
    cause = exc.__cause__
    assert type(cause) is getattr(fasthttpx, name), repr(cause)
    assert str(exc) == str(cause)


async def test_connection_refused(lib: Lib, backend_name: str) -> None:
    async with lib.adapter.AsyncClient() as client:
        with pytest.raises(lib.module.ConnectError) as info:
            await client.get(f"http://127.0.0.1:{refused_port()}/")
    assert_mapped(info.value, lib, "ConnectError")
    assert info.value.request.url.port is not None  # the library's request is attached


async def test_read_timeout(lib: Lib, backend_name: str, raw_server: Any) -> None:
    server = raw_server(never_respond())
    async with lib.adapter.AsyncClient(timeout=0.1) as client:
        with pytest.raises(lib.module.ReadTimeout) as info:
            await client.get(server.url)
    assert_mapped(info.value, lib, "ReadTimeout")


async def test_reset_before_the_response(lib: Lib, backend_name: str, raw_server: Any) -> None:
    server = raw_server(reset_after(0))
    async with lib.adapter.AsyncClient() as client:
        with pytest.raises(lib.module.TransportError) as info:
            await client.get(server.url)
    assert_mapped(info.value, lib, type(info.value.__cause__).__name__)
    assert type(info.value).__name__ in ("ReadError", "RemoteProtocolError")


async def test_reset_while_the_body_is_read(lib: Lib, backend_name: str, raw_server: Any) -> None:
    server = raw_server(head_then(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial", "reset"
    ))
    async with lib.adapter.AsyncClient() as client:
        async with client.stream("GET", server.url) as response:
            with pytest.raises(lib.module.TransportError) as info:
                await response.aread()
    assert type(info.value).__name__ in ("ReadError", "RemoteProtocolError")
    assert_mapped(info.value, lib, type(info.value).__name__)


async def test_body_cut_short(lib: Lib, backend_name: str, raw_server: Any) -> None:
    server = raw_server(head_then(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial", "close"
    ))
    async with lib.adapter.AsyncClient() as client:
        with pytest.raises(lib.module.RemoteProtocolError) as info:
            await client.get(server.url)
    assert_mapped(info.value, lib, "RemoteProtocolError")


async def test_malformed_response(lib: Lib, backend_name: str, raw_server: Any) -> None:
    server = raw_server(respond_with(b"HTTP/1.1 abc Nope\r\n\r\n"))
    async with lib.adapter.AsyncClient() as client:
        with pytest.raises(lib.module.RemoteProtocolError) as info:
            await client.get(server.url)
    assert_mapped(info.value, lib, "RemoteProtocolError")


async def test_pool_timeout(lib: Lib, backend_name: str, raw_server: Any) -> None:
    server = raw_server(respond_with(make_response(200, b"x" * 1_000_000)))
    limits = lib.module.Limits(max_connections=1)
    async with lib.adapter.AsyncClient(limits=limits) as client:
        async with client.stream("GET", server.url):
            with pytest.raises(lib.module.PoolTimeout) as info:
                await client.get(server.url, timeout=lib.module.Timeout(5.0, pool=0.1))
    assert_mapped(info.value, lib, "PoolTimeout")


async def test_write_timeout(lib: Lib, backend_name: str, raw_server: Any) -> None:
    server = raw_server(swallow_head_then_sleep(5.0))

    async def upload() -> Any:
        piece = b"u" * (1 << 20)
        for _ in range(128):
            yield piece

    timeout = lib.module.Timeout(5.0, write=0.2)
    async with lib.adapter.AsyncClient(timeout=timeout) as client:
        with pytest.raises(lib.module.WriteTimeout) as info:
            await client.post(server.url, content=upload())
    assert_mapped(info.value, lib, "WriteTimeout")


async def test_invalid_header_value_is_a_local_protocol_error(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    server = raw_server(respond_with(make_response(200)))
    async with lib.adapter.AsyncTransport() as transport:
        request = lib.module.Request("GET", server.url, headers={"X-Bad": "a\r\nInjected: 1"})
        with pytest.raises(lib.module.LocalProtocolError) as info:
            await transport.handle_async_request(request)
        # Nothing of it was sent, and its connection was dropped, not kept for the next.
        response = await transport.handle_async_request(lib.module.Request("GET", server.url))
        assert response.status_code == 200
    assert_mapped(info.value, lib, "LocalProtocolError")
    assert len(server.requests) == 1 and b"Injected" not in server.requests[0]
    assert server.connections_accepted == 2


async def test_unsupported_scheme(lib: Lib, backend_name: str) -> None:
    async with lib.adapter.AsyncTransport() as transport:
        with pytest.raises(lib.module.UnsupportedProtocol) as info:
            await transport.handle_async_request(lib.module.Request("GET", "ftp://example/"))
    assert_mapped(info.value, lib, "UnsupportedProtocol")


async def test_connect_retries(lib: Lib, backend_name: str) -> None:
    async with lib.adapter.AsyncTransport(retries=1) as transport:
        request = lib.module.Request("GET", f"http://127.0.0.1:{refused_port()}/")
        with pytest.raises(lib.module.ConnectError):
            await transport.handle_async_request(request)
        assert transport._engine.connections_opened == 2  # the attempt and one retry
