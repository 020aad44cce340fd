"""Cancellation, which only async code has: a task cancelled while it waits for the next
piece of a streamed body leaves no connection behind (asyncio, uvloop and trio, through
anyio's cancel scopes as httpx's users write them)."""

from __future__ import annotations

from typing import Any

import anyio

from tests.adapters.conftest import Lib
from tests.adapters.helpers import stalled_stream


async def test_cancelled_while_reading_a_stream_frees_the_connection(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    server = raw_server(stalled_stream(b"first piece"))
    limits = lib.module.Limits(max_connections=1)
    timeout = lib.module.Timeout(10.0, pool=1.0)
    received: list[bytes] = []
    async with lib.adapter.AsyncClient(limits=limits, timeout=timeout) as client:
        with anyio.move_on_after(0.3) as scope:
            async with client.stream("GET", server.url + "/stalls") as response:
                pieces = response.stream.__aiter__()
                try:
                    while True:
                        received.append(await pieces.__anext__())
                finally:
                    with anyio.CancelScope(shield=True):
                        await pieces.aclose()
        assert scope.cancelled_caught
        again = await client.get(server.url + "/next")  # the only connection is free again
    assert received == [b"first piece"]
    assert again.content == b"ok"


async def test_cancelled_while_waiting_for_the_head(
    lib: Lib, backend_name: str, raw_server: Any
) -> None:
    server = raw_server(stalled_stream(b"never read"))
    limits = lib.module.Limits(max_connections=1)
    async with lib.adapter.AsyncClient(limits=limits, timeout=10.0) as client:
        with anyio.move_on_after(0.2):
            async with client.stream("GET", server.url + "/stalls") as response:
                await anyio.sleep(5)  # cancelled here, the body unread
        assert response.is_closed
        again = await client.get(server.url + "/next", timeout=lib.module.Timeout(5, pool=1))
    assert again.content == b"ok"
