"""``client.parallel()`` (SPEC Part A): pending responses, completion order, bounded
concurrency, exceptions kept per request, and a clean exit."""

from __future__ import annotations

import random
from typing import Any

import pytest

import fasthttpx
from tests.client.handlers import DelayServerState, delayed_echo


async def test_thousand_requests_every_response_once_in_completion_order(
    backend: Any, backend_name: str, raw_server: Any
) -> None:
    state = DelayServerState()
    server = raw_server(delayed_echo(state))
    rng = random.Random(1234)
    arrival: list[str] = []
    pool_sizes: list[int] = []
    limits = fasthttpx.Limits(max_connections=20, max_keepalive_connections=20)

    async def on_response(response: Any) -> None:
        arrival.append(response.request.url.path.rsplit("/", 1)[1])
        pool_sizes.append(client.transport.connection_count)

    async with fasthttpx.AsyncClient(
        backend=backend, limits=limits, event_hooks={"response": [on_response]}
    ) as client:
        ids = [str(n) for n in range(1000)]
        bad = {"13", "500", "999"}
        async with client.parallel() as parallel:
            pending = {}
            for request_id in ids:
                if request_id in bad:
                    url = f"{server.url}/bad/{request_id}"
                else:
                    url = f"{server.url}/d/{rng.randint(0, 4)}/{request_id}"
                pending[request_id] = parallel.get(url)
            delivered: list[str] = []
            errors = 0
            while parallel.has_pending_responses:
                try:
                    response = await parallel.next_response()
                except fasthttpx.RemoteProtocolError:
                    errors += 1
                    continue
                delivered.append(response.text)
            assert not parallel.has_pending_responses
        assert errors == len(bad)
        assert sorted(delivered) == sorted(set(ids) - bad)  # every good one, exactly once
        if backend_name != "sync":  # threads may interleave hook and completion
            assert delivered == [i for i in arrival if i not in bad]
        assert max(pool_sizes) <= 20
        assert state.max_open <= 20
        for request_id in ("0", "1", "998"):
            assert (await pending[request_id].get_response()).text == request_id
        with pytest.raises(fasthttpx.RemoteProtocolError):
            await pending["13"].get_response()


async def test_get_response_and_awaiting_the_call(backend: Any, raw_server: Any) -> None:
    server = raw_server(delayed_echo(DelayServerState()))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.parallel() as parallel:
            pending_one = parallel.get(f"{server.url}/d/20/one")
            pending_two = await parallel.get(f"{server.url}/d/0/two")
            response_one = await pending_one.get_response()
            response_two = await pending_two.get_response()
        assert (response_one.text, response_two.text) == ("one", "two")
        with pytest.raises(RuntimeError):
            await parallel.next_response()


async def test_leaving_early_cancels_and_releases(backend: Any, raw_server: Any) -> None:
    server = raw_server(delayed_echo(DelayServerState()))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.parallel() as parallel:
            parallel.get(f"{server.url}/d/0/quick")
            for n in range(30):
                parallel.get(f"{server.url}/d/300/slow{n}")
            first = await parallel.next_response()
            assert first.text == "quick"
        # Nothing checked out, nothing running: the pool serves at once.
        assert client.transport.connection_count == client.transport.idle_count
        response = await client.get(f"{server.url}/d/0/after")
        assert response.text == "after"
