"""Every seed example of SPEC.md Part A, run against a local server (the async ones on
asyncio, uvloop and trio; their generated twins on the sync client)."""

from __future__ import annotations

from typing import Any

import pytest

import fasthttpx
from tests.client.handlers import DelayServerState, delayed_echo


async def test_async_client_get(backend: Any, app_server: Any) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        r = await client.get(app_server.url + "/")
    assert repr(r) == "<Response [200 OK]>"
    # Content is available inside and outside the block unless streamed.
    assert r.content == b"Hello, world!"
    assert r.text == "Hello, world!"


async def test_json_available_after_the_block(backend: Any, app_server: Any) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        r = await client.get(app_server.url + "/json")
    assert isinstance(r.json(), dict)


async def test_streaming_example(backend: Any, app_server: Any) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        r = await client.get(app_server.url + "/bytes/50000", stream=True)
        received = b""
        async for chunk in r.stream():
            received += chunk
    assert len(received) == 50000


async def test_streamed_response_must_be_read_inside_the_block(
    backend: Any, app_server: Any
) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        r = await client.get(app_server.url + "/bytes/10", stream=True)
    with pytest.raises(fasthttpx.ResponseNotRead):
        _ = r.content


@pytest.mark.parametrize("method", ["get", "head", "options", "post", "put", "patch", "delete"])
async def test_stream_true_on_every_method(backend: Any, app_server: Any, method: str) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        r = await getattr(client, method)(app_server.url + "/echo", stream=True)
        body = await r.read()
        assert r.status_code == 200
        assert body == (b"" if method == "head" else r.content)
        r2 = await client.request(method.upper(), app_server.url + "/echo", stream=True)
        await r2.close()
        assert r2.is_closed


async def test_read_stream_raw_close_semantics(backend: Any, app_server: Any) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        r = await client.get(app_server.url + "/gzip", stream=True)
        content = await r.read()
        assert r.content == content
        with pytest.raises(fasthttpx.StreamConsumed):
            async for _chunk in r.raw():
                pass
        r = await client.get(app_server.url + "/bytes/10", stream=True)
        await r.close()
        with pytest.raises(fasthttpx.ResponseClosed):
            async for _chunk in r.stream():
                pass


async def test_parallel_example(backend: Any, raw_server: Any) -> None:
    server = raw_server(delayed_echo(DelayServerState()))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.parallel() as parallel:
            pending_one = parallel.get(f"{server.url}/d/5/1")
            pending_two = parallel.get(f"{server.url}/d/0/2")
            response_one = await pending_one.get_response()
            response_two = await pending_two.get_response()
    assert (response_one.text, response_two.text) == ("1", "2")


async def test_parallel_loop_example(backend: Any, raw_server: Any) -> None:
    server = raw_server(delayed_echo(DelayServerState()))
    seen = []
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.parallel() as parallel:
            for n in range(1, 10):
                parallel.get(f"{server.url}/d/{10 - n}/{n}")
            while parallel.has_pending_responses:
                r = await parallel.next_response()
                seen.append(int(r.text))
    assert sorted(seen) == list(range(1, 10))


async def test_implementation_is_visible(backend: Any) -> None:
    assert fasthttpx.__implementation__ in ("cython", "python")
