"""Cancelling a request at any await point leaves the pool consistent (issue: client over
HTTP/1.1). 1,000 requests are each cancelled after a random delay — before connecting,
while writing, while waiting for the head, in the middle of a dripped body — and afterwards
the pool still serves requests, holds no more connections than its limits, and every socket
is closed once the client is."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import trio

import fasthttpx
from fasthttpx.concurrency.asyncio import AsyncioBackend
from fasthttpx.concurrency.trio import TrioBackend
from tests.client.handlers import DelayServerState, delayed_echo
from tests.kit.fds import assert_fds_settle, describe_fds, open_fds

LIMITS = fasthttpx.Limits(max_connections=10, max_keepalive_connections=5)
COUNT = 1000


def _urls(base: str, rng: random.Random) -> list[str]:
    return [f"{base}/d/{rng.choice([0, 0, 1, 2, 5])}/{n}" for n in range(COUNT)]


def _check_pool(client: Any) -> None:
    pool = client.transport
    assert pool.connection_count <= LIMITS.max_connections
    assert pool.idle_count <= LIMITS.max_keepalive_connections
    assert pool.connection_count >= pool.idle_count


def test_random_cancellation_asyncio(raw_server: Any) -> None:
    server = raw_server(delayed_echo(DelayServerState()))
    rng = random.Random(7)
    before, before_list = open_fds(), describe_fds()

    async def main() -> None:
        async with fasthttpx.AsyncClient(limits=LIMITS) as client:
            async def one(url: str) -> None:
                try:
                    await asyncio.wait_for(client.get(url), rng.uniform(0, 0.004))
                except (asyncio.TimeoutError, fasthttpx.TransportError):
                    pass

            urls = _urls(server.url, rng)
            for start in range(0, COUNT, 50):
                await asyncio.gather(*(one(u) for u in urls[start:start + 50]))
                _check_pool(client)
            for n in range(20):  # still serving, within limits
                assert (await client.get(f"{server.url}/d/0/ok{n}")).text == f"ok{n}"
            _check_pool(client)

    asyncio.run(main())
    assert_fds_settle(before, before_list)


def test_random_cancellation_trio(raw_server: Any) -> None:
    server = raw_server(delayed_echo(DelayServerState()))
    rng = random.Random(8)
    before, before_list = open_fds(), describe_fds()

    async def main() -> None:
        async with fasthttpx.AsyncClient(limits=LIMITS, backend=TrioBackend()) as client:
            async def one(url: str) -> None:
                with trio.move_on_after(rng.uniform(0, 0.004)):
                    try:
                        await client.get(url)
                    except fasthttpx.TransportError:
                        pass

            urls = _urls(server.url, rng)
            for start in range(0, COUNT, 50):
                async with trio.open_nursery() as nursery:
                    for url in urls[start:start + 50]:
                        nursery.start_soon(one, url)
                _check_pool(client)
            for n in range(20):
                assert (await client.get(f"{server.url}/d/0/ok{n}")).text == f"ok{n}"
            _check_pool(client)

    trio.run(main)
    assert_fds_settle(before, before_list)


def test_client_for_one_library_used_in_another_fails_clearly(raw_server: Any) -> None:
    server = raw_server(delayed_echo(DelayServerState()))

    async def use_asyncio_client() -> None:
        backend = AsyncioBackend()
        async with fasthttpx.AsyncClient(backend=backend) as client:  # inside trio
            await client.get(f"{server.url}/d/0/x")

    async def use_trio_client() -> None:
        async with fasthttpx.AsyncClient(backend=TrioBackend()) as client:
            await client.get(f"{server.url}/d/0/x")

    runs = (lambda: trio.run(use_asyncio_client), lambda: asyncio.run(use_trio_client()))
    for run in runs:
        try:
            run()
        except RuntimeError as exc:
            assert "backend" in str(exc).lower() or "trio" in str(exc).lower()
        else:
            raise AssertionError("a client for the wrong async library must fail")


def test_default_backend_follows_the_running_library(raw_server: Any) -> None:
    server = raw_server(delayed_echo(DelayServerState()))

    async def main() -> str:
        async with fasthttpx.AsyncClient() as client:
            assert (await client.get(f"{server.url}/d/0/ok")).text == "ok"
            return type(client._backend).__name__

    assert trio.run(main) == "TrioBackend"
    assert asyncio.run(main()) == "AsyncioBackend"
