"""A cancelled task unblocks its pending ``receive*()`` at once, loses no byte, and leaves
the session usable; nothing but fasthttpx's own exceptions leave a session, never an
ExceptionGroup (issue 15). Async only: asyncio, uvloop and trio (a blocking call has no
cancellation; the sync client's close-from-another-thread is in the generated tests)."""

from __future__ import annotations

import asyncio
import time

import pytest
import trio

import fasthttpx
from fasthttpx.concurrency.trio import TrioBackend
from tests.kit.raw_server import RawServer
from tests.kit.ws_server import WebSocketsServer, echo, not_reading

BIG = 32 * 1024 * 1024  # more than the socket buffers hold: the send waits for the peer


def _run_asyncio(uvloop: bool, main: object) -> None:
    if uvloop:
        import uvloop as uv

        loop = uv.new_event_loop()
        try:
            loop.run_until_complete(main())  # type: ignore[operator]
        finally:
            loop.close()
    else:
        asyncio.run(main())  # type: ignore[arg-type]


@pytest.mark.parametrize("uvloop", [False, True])
def test_asyncio_cancel_a_pending_receive(uvloop: bool) -> None:
    with WebSocketsServer(echo) as server:

        async def main() -> None:
            async with fasthttpx.AsyncClient() as client, client.websocket(server.url) as ws:
                task = asyncio.ensure_future(ws.receive_text())
                await asyncio.sleep(0.1)  # waiting on the socket now
                started = time.monotonic()
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                assert time.monotonic() - started < 0.5
                # The session goes on, and a reply in flight is not lost.
                await ws.send_text("after")
                assert await ws.receive_text(timeout=5) == "after"
                task = asyncio.ensure_future(ws.receive_bytes())
                await ws.send_bytes(b"raced")
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                assert await ws.receive_bytes(timeout=5) == b"raced"
                with pytest.raises(asyncio.TimeoutError):  # wait_for around it works too
                    await asyncio.wait_for(ws.receive_text(), 0.1)
                await ws.send_text("still")
                assert await ws.receive_text() == "still"

        _run_asyncio(uvloop, main)
    assert server.closes == [(1000, "")]


@pytest.mark.parametrize("uvloop", [False, True])
def test_asyncio_a_send_cancelled_mid_frame_ends_the_session(uvloop: bool) -> None:
    """Part of the frame has left: another frame after it would corrupt the stream, so the
    session ends (the next call raises) and the connection is closed, at once."""
    with RawServer(not_reading(10)) as server:

        async def main() -> None:
            async with fasthttpx.AsyncClient() as client, client.websocket(server.url) as ws:
                task = asyncio.ensure_future(ws.send_bytes(b"x" * BIG))
                await asyncio.sleep(0.2)
                assert not task.done()  # waiting for room in the socket
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                with pytest.raises(fasthttpx.WebSocketNetworkError, match="interrupted"):
                    await ws.send_text("next")
                with pytest.raises(fasthttpx.WebSocketNetworkError):
                    await ws.receive_text(timeout=1)

        _run_asyncio(uvloop, main)


def test_trio_a_send_cancelled_mid_frame_ends_the_session() -> None:
    with RawServer(not_reading(10)) as server:

        async def main() -> None:
            async with fasthttpx.AsyncClient(backend=TrioBackend()) as client:
                async with client.websocket(server.url) as ws:
                    with trio.move_on_after(0.2) as scope:
                        await ws.send_text("x" * BIG)
                    assert scope.cancelled_caught
                    with pytest.raises(fasthttpx.WebSocketNetworkError, match="interrupted"):
                        await ws.send_text("next")

        trio.run(main)


def test_trio_cancel_a_pending_receive() -> None:
    with WebSocketsServer(echo) as server:

        async def main() -> None:
            async with fasthttpx.AsyncClient(backend=TrioBackend()) as client:
                async with client.websocket(server.url) as ws:
                    with trio.move_on_after(0.1) as scope:
                        await ws.receive_text()
                    assert scope.cancelled_caught
                    await ws.send_text("after")
                    assert await ws.receive_text(timeout=5) == "after"
                    async with trio.open_nursery() as nursery:
                        nursery.start_soon(ws.receive_text)
                        await trio.sleep(0.1)
                        started = time.monotonic()
                        nursery.cancel_scope.cancel()
                    assert time.monotonic() - started < 0.5
                    await ws.send_text("still")
                    assert await ws.receive_text() == "still"

        trio.run(main)
    assert server.closes == [(1000, "")]


def test_trio_errors_leave_the_block_bare_not_in_an_exception_group() -> None:
    """The keepalive task runs in a nursery; an error in the block still comes out as
    itself (httpx2 wraps it in an ExceptionGroup)."""
    with WebSocketsServer(echo) as server:

        async def main() -> None:
            async with fasthttpx.AsyncClient(backend=TrioBackend()) as client:
                async with client.websocket(
                    server.url, keepalive_ping_interval_seconds=0.05
                ) as ws:
                    await ws.send_text("x")
                    await ws.receive_text()
                    raise KeyError("mine")

        with pytest.raises(KeyError):
            trio.run(main)


def test_asyncio_errors_leave_the_block_bare() -> None:
    with WebSocketsServer(echo) as server:

        async def main() -> None:
            async with fasthttpx.AsyncClient() as client, client.websocket(
                server.url, keepalive_ping_interval_seconds=0.05
            ) as ws:
                await ws.close(4000)
                await ws.receive_text()

        with pytest.raises(fasthttpx.WebSocketDisconnect) as info:
            asyncio.run(main())
        assert info.value.code == 4000
