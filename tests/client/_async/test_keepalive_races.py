"""Issue 8: connections that are never wrong -- keep-alive races, stray bytes, retries.

A scripted server (:mod:`tests.client.race_handlers`) closes idle keep-alive connections at
random moments, appends stray responses, and resets connections as a request arrives; every
response carries a sha256 digest of its body and a body unique to its request, and every
response the client returns is checked against both. The 10,000-request soaks are marked
``slow`` (``make soak``); short versions run in the default suite. Written once, async;
``tests/client/_sync/`` holds the generated twin (the sync client runs ``parallel()`` on
threads).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

import pytest

import fasthttpx
from tests.client.handlers import respond_then_stray
from tests.client.race_handlers import (
    STRAY_LATER_HEADER,
    RaceScript,
    check_response,
    serve_then_drop,
    stray_on_reuse,
)
from tests.kit.raw_server import OK, make_response, reset_after, respond_with

STALE_MESSAGE = "the server closed a kept-alive connection"
STRAY_MESSAGE = "a kept-alive connection received stray bytes instead of a response"


@pytest.fixture(scope="module", autouse=True)
def _uvloop_first_loop() -> None:
    """uvloop keeps two pipe fds open for the process from its first loop on: create that
    loop before any ``no_fd_leak`` snapshot, or the first uvloop test here would blame it on
    the client."""
    import uvloop

    uvloop.new_event_loop().close()


class RetryLog(logging.Handler):
    """Counts the client's "retrying ..." debug records (emitted on any thread)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.retries = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("retrying "):
            self.retries += 1

    def __enter__(self) -> RetryLog:
        logger = logging.getLogger("fasthttpx")
        self._level = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(self)
        return self

    def __exit__(self, *args: object) -> None:
        logger = logging.getLogger("fasthttpx")
        logger.removeHandler(self)
        logger.setLevel(self._level)


def _limits(concurrency: int) -> fasthttpx.Limits:
    return fasthttpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency
    )


async def _hammer(
    backend: Any, url: str, total: int, concurrency: int, post_every: int
) -> tuple[Counter[str], list[str]]:
    """``total`` requests, ``concurrency`` at a time, through one client's ``parallel()``;
    every ``post_every``-th is a POST with a unique body. Checks every response; returns the
    outcome counts and the ``(method, target)`` of the POSTs that failed."""
    outcomes: Counter[str] = Counter()
    failed_posts: list[str] = []
    async with fasthttpx.AsyncClient(
        backend=backend, limits=_limits(concurrency), timeout=30.0
    ) as client:
        async with client.parallel(concurrency) as parallel:
            pending = []
            for i in range(total):
                target = f"/r/{i}"
                if post_every and i % post_every == post_every - 1:
                    pending.append(("POST", target, parallel.post(
                        url + target, content=f"post body {i}".encode()
                    )))
                else:
                    pending.append(("GET", target, parallel.get(url + target)))
            for method, target, item in pending:
                try:
                    response = await item.get_response()
                except fasthttpx.RemoteProtocolError as exc:
                    # Only a POST on a reused connection may fail, with the documented error.
                    assert method == "POST", f"{method} {target} failed: {exc!r}"
                    assert STALE_MESSAGE in str(exc), str(exc)
                    assert "not idempotent" in str(exc), str(exc)
                    outcomes["post refused"] += 1
                    failed_posts.append(target)
                    continue
                assert response.status_code == 200
                check_response(method, target, response.content, response.headers)
                outcomes[method] += 1
        pool = client._transport
        # Nothing stays checked out, nothing is counted twice.
        assert pool.connection_count == pool.idle_count <= concurrency
    assert pool.connection_count == 0
    return outcomes, failed_posts


async def _race_soak(
    backend: Any, raw_server: Any, total: int, concurrency: int, seed: int
) -> None:
    script = RaceScript(seed, keep=0.76, idle_close=0.08, stray_same=0.08, reset_next=0.08)
    server = raw_server(script.handler)
    with RetryLog() as log:
        outcomes, failed_posts = await _hammer(
            backend, server.url, total, concurrency, post_every=10
        )
    posts = total // 10
    print(f"outcomes: {dict(outcomes)}; server events: {dict(script.events)}; "
          f"retries logged: {log.retries}; connections: {server.connections_accepted}")
    assert outcomes["GET"] == total - posts  # every GET answered correctly, none failed
    assert outcomes["POST"] + outcomes["post refused"] == posts
    for i in range(total):
        method = "POST" if i % 10 == 9 else "GET"
        key = (method, f"/r/{i}")
        # Each request was answered once; a POST was never sent twice.
        if method == "POST":
            assert script.seen[key] <= 1, key
            assert script.answered[key] == (0 if f"/r/{i}" in failed_posts else 1), key
        else:
            assert script.answered[key] == 1, key
    assert sum(script.answered.values()) == outcomes["GET"] + outcomes["POST"]
    # Every scripted hazard happened, and each reset GET was retried (and logged).
    for event in ("idle_close", "stray_same", "reset_next", "reset"):
        assert script.events[event] > 0, script.events
    assert log.retries >= script.events["reset GET"] > 0
    assert server.errors == []


async def test_race_server_short(backend: Any, raw_server: Any, no_fd_leak: None) -> None:
    await _race_soak(backend, raw_server, total=300, concurrency=20, seed=8)


@pytest.mark.slow
async def test_race_server_soak(backend: Any, raw_server: Any, no_fd_leak: None) -> None:
    await _race_soak(backend, raw_server, total=10_000, concurrency=100, seed=88)


async def _stray_later_workers(
    backend: Any, raw_server: Any, workers: int, per_worker: int
) -> None:
    """Each worker has its own one-connection client, so that after a response announcing a
    stray (``X-Stray-Later``) it can wait until the stray has landed on the idle connection
    before its next request there."""
    script = RaceScript(5, keep=0.7, stray_later=0.3, stray_delay=0.002)
    server = raw_server(script.handler)
    errors: list[BaseException] = []
    strays_followed = [0]

    finished = [backend.create_event() for _ in range(workers)]

    async def worker(index: int) -> None:
        try:
            async with fasthttpx.AsyncClient(backend=backend, limits=_limits(1)) as client:
                for n in range(per_worker):
                    target = f"/w/{index}/{n}"
                    response = await client.get(server.url + target)
                    check_response("GET", target, response.content, response.headers)
                    if STRAY_LATER_HEADER in response.headers:
                        if n < per_worker - 1:
                            strays_followed[0] += 1
                        # Wait until the server wrote the stray, then a little more, so that
                        # it has landed on the idle connection before the next request.
                        while target not in script.stray_sent:
                            await backend.sleep(0.005)
                        await backend.sleep(0.01)
        except BaseException as exc:
            errors.append(exc)
        finally:
            finished[index].set()

    group = backend.create_task_group()
    async with group:  # leaving the group cancels what is left: wait for every worker first
        for index in range(workers):
            group.start_soon(worker, index)
        for event in finished:
            assert await event.wait(120.0)
    assert errors == []
    assert script.events["stray_later"] > 0
    # Each stray made its connection unusable: exactly one new connection per stray that
    # was followed by another request, none otherwise.
    assert server.connections_accepted == workers + strays_followed[0]
    assert server.errors == []


async def test_stray_later_while_idle(backend: Any, raw_server: Any, no_fd_leak: None) -> None:
    await _stray_later_workers(backend, raw_server, workers=10, per_worker=20)


@pytest.mark.slow
async def test_stray_later_while_idle_soak(
    backend: Any, raw_server: Any, no_fd_leak: None
) -> None:
    await _stray_later_workers(backend, raw_server, workers=100, per_worker=100)


async def test_stray_in_same_write_is_never_delivered(
    backend: Any, raw_server: Any, no_fd_leak: None
) -> None:
    script = RaceScript(1, keep=0.0, stray_same=1.0)
    server = raw_server(script.handler)
    async with fasthttpx.AsyncClient(backend=backend) as client:
        for n in range(5):
            response = await client.get(f"{server.url}/s/{n}")
            check_response("GET", f"/s/{n}", response.content, response.headers)
    assert server.connections_accepted == 5


async def test_stray_the_loop_has_not_read_yet(
    backend: Any, raw_server: Any, no_fd_leak: None
) -> None:
    """A whole fake response lands on the idle connection while the event loop is busy (here:
    blocked), so the client holds none of it when the next request wants the connection.
    The reuse check asks the kernel too: the next request goes to a new connection and gets
    its own response, not the stray one."""
    server = raw_server(respond_then_stray(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevil!"))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        first = await client.get(server.url + "/1")
        assert first.content == b"Hello, world!"
        time.sleep(0.2)  # the stray arrives meanwhile, and no event loop runs
        second = await client.get(server.url + "/2")
        assert second.content == b"Hello, world!"
    assert server.connections_accepted == 2


@pytest.mark.parametrize("reset", [True, False], ids=["rst", "fin"])
@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_non_idempotent_on_closed_connection_raises_and_is_sent_once(
    backend: Any, raw_server: Any, no_fd_leak: None, method: str, reset: bool
) -> None:
    seen, handler = serve_then_drop(1, reset=reset)
    server = raw_server(handler)
    async with fasthttpx.AsyncClient(backend=backend) as client:
        response = await client.get(server.url + "/warm")
        check_response("GET", "/warm", response.content, response.headers)
        with pytest.raises(fasthttpx.RemoteProtocolError, match=STALE_MESSAGE) as info:
            await client.request(method, server.url + "/once", content=b"unique-body-8")
        assert "not idempotent" in str(info.value)
        assert client._transport.connection_count == 0
    assert seen["body:unique-body-8"] == 1
    assert seen[f"{method} /once"] == 1
    assert server.connections_accepted == 1


@pytest.mark.parametrize("reset", [True, False], ids=["rst", "fin"])
@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"])
async def test_idempotent_on_closed_connection_is_retried_once(
    backend: Any, raw_server: Any, no_fd_leak: None, method: str, reset: bool
) -> None:
    seen, handler = serve_then_drop(1, reset=reset)
    server = raw_server(handler)
    with RetryLog() as log:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            await client.get(server.url + "/warm")
            response = await client.request(method, server.url + "/again", content=b"x")
            assert response.status_code == 200
            if method != "HEAD":
                check_response(method, "/again", response.content, response.headers)
    assert seen[f"{method} /again"] == 2  # the stale attempt and the retry
    assert server.connections_accepted == 2
    assert log.retries == 1


async def test_retries_false_turns_retry_off(
    backend: Any, raw_server: Any, no_fd_leak: None
) -> None:
    seen, handler = serve_then_drop(1, reset=True)
    server = raw_server(handler)
    async with fasthttpx.AsyncClient(backend=backend, retries=False) as client:
        await client.get(server.url + "/warm")
        with pytest.raises(fasthttpx.RemoteProtocolError, match="retries are disabled"):
            await client.get(server.url + "/off")
    assert seen["GET /off"] == 1
    assert server.connections_accepted == 1


async def test_unreplayable_body_is_not_retried(
    backend: Any, raw_server: Any, no_fd_leak: None
) -> None:
    seen, handler = serve_then_drop(1, reset=True)
    server = raw_server(handler)

    async def body() -> Any:
        yield b"streamed"

    async with fasthttpx.AsyncClient(backend=backend) as client:
        await client.get(server.url + "/warm")
        with pytest.raises(fasthttpx.RemoteProtocolError, match="cannot be replayed"):
            await client.put(server.url + "/stream", content=body())
    assert seen["PUT /stream"] == 1
    assert server.connections_accepted == 1


async def test_fresh_connection_reset_is_not_retried(
    backend: Any, raw_server: Any, no_fd_leak: None
) -> None:
    server = raw_server(reset_after(0))
    with RetryLog() as log:
        async with fasthttpx.AsyncClient(backend=backend) as client:
            with pytest.raises(fasthttpx.TransportError):
                await client.get(server.url + "/fresh")
    assert len(server.requests) == 1
    assert server.connections_accepted == 1
    assert log.retries == 0


@pytest.mark.parametrize(
    "http2", [False, True], ids=["h1", "h2-enabled"]
)
async def test_retry_goes_to_a_new_connection(
    backend: Any, raw_server: Any, no_fd_leak: None, http2: bool
) -> None:
    # Two idle connections, each of which the server resets as the next request arrives:
    # the retry must not take the second one (RFC 9110 §9.2.2 retry, issue 8: "on a new
    # connection"). Over http:// with http1 on, http2=True still speaks HTTP/1.1.
    seen, handler = serve_then_drop(1, reset=True, first_delay=0.2)
    server = raw_server(handler)
    async with fasthttpx.AsyncClient(backend=backend, http2=http2) as client:
        async with client.parallel() as parallel:
            first = parallel.get(server.url + "/a")
            second = parallel.get(server.url + "/b")
            await first.get_response()
            await second.get_response()
        assert server.connections_accepted == 2
        assert client._transport.idle_count == 2
        response = await client.get(server.url + "/c")
        check_response("GET", "/c", response.content, response.headers)
    assert seen["GET /c"] == 2
    assert server.connections_accepted == 3


async def test_keep_alive_timeout_expires_before_the_server(
    backend: Any, raw_server: Any, no_fd_leak: None
) -> None:
    # Keep-Alive: timeout=2 -> not reused later than ~1 s after the last response.
    script = RaceScript(2, keep_alive_header="timeout=2")
    server = raw_server(script.handler)
    async with fasthttpx.AsyncClient(backend=backend) as client:
        await client.get(server.url + "/k/0")
        await backend.sleep(0.2)
        await client.get(server.url + "/k/1")
        assert server.connections_accepted == 1  # still within N-1 s: reused
        await backend.sleep(1.2)
        response = await client.get(server.url + "/k/2")
        check_response("GET", "/k/2", response.content, response.headers)
        assert server.connections_accepted == 2  # idle > N-1 s: a new connection


async def test_keep_alive_timeout_one_means_no_reuse(
    backend: Any, raw_server: Any, no_fd_leak: None
) -> None:
    script = RaceScript(3, keep_alive_header="timeout=1")
    server = raw_server(script.handler)
    async with fasthttpx.AsyncClient(backend=backend) as client:
        for n in range(3):
            response = await client.get(f"{server.url}/k/{n}")
            check_response("GET", f"/k/{n}", response.content, response.headers)
        assert client._transport.connection_count == 0
    assert server.connections_accepted == 3


async def test_connection_close_from_either_side(
    backend: Any, raw_server: Any, no_fd_leak: None
) -> None:
    closing = make_response(200, b"bye", [("Connection", "close")])
    server = raw_server(respond_with(closing))  # the handler would keep the connection open
    async with fasthttpx.AsyncClient(backend=backend) as client:
        for _ in range(3):
            assert (await client.get(server.url)).content == b"bye"
        assert client._transport.connection_count == 0
    assert server.connections_accepted == 3

    script = RaceScript(4)
    server = raw_server(script.handler)
    async with fasthttpx.AsyncClient(backend=backend, headers={"Connection": "close"}) as client:
        for n in range(3):
            response = await client.get(f"{server.url}/c/{n}")
            check_response("GET", f"/c/{n}", response.content, response.headers)
        assert client._transport.connection_count == 0
    assert server.connections_accepted == 3


# --- issue 17, item 2: stray bytes land on a reused connection after the reuse check ------

STRAYS = [
    (b"EXTRA", "close"),
    (b"EXTRA", "reset"),
    (b"EXTRA", "open"),  # no line end and no close: judged by its first bytes, no timeout
    (b"\r\n", "close"),  # an extra empty line after a response
    (b"HTTP/2 200 OK\r\n\r\n", "open"),  # not HTTP/1.x (RFC 9112 §2.3, §4)
]


@pytest.mark.parametrize(
    ("stray", "ending"), STRAYS, ids=[f"{s[:5]!r}-{e}" for s, e in STRAYS]
)
async def test_stray_bytes_on_reuse_idempotent_is_resent_on_a_new_connection(
    backend: Any, raw_server: Any, no_fd_leak: None, stray: bytes, ending: str
) -> None:
    seen, handler = stray_on_reuse(stray, ending=ending)
    server = raw_server(handler)
    with RetryLog() as log:
        # A read timeout far below the test's: an unjudged stray would wait for it and fail.
        async with fasthttpx.AsyncClient(backend=backend, timeout=5.0) as client:
            first = await client.get(server.url + "/warm")
            check_response("GET", "/warm", first.content, first.headers)
            response = await client.get(server.url + "/again")
            check_response("GET", "/again", response.content, response.headers)
    assert seen["GET /again"] == 2  # sent on the reused connection, then once on a new one
    assert server.connections_accepted == 2
    assert log.retries == 1
    assert server.errors == []


@pytest.mark.parametrize("ending", ["close", "open"])
async def test_stray_bytes_on_reuse_post_raises_and_is_sent_once(
    backend: Any, raw_server: Any, no_fd_leak: None, ending: str
) -> None:
    seen, handler = stray_on_reuse(b"EXTRA", ending=ending)
    server = raw_server(handler)
    async with fasthttpx.AsyncClient(backend=backend, timeout=5.0) as client:
        await client.get(server.url + "/warm")
        with pytest.raises(fasthttpx.RemoteProtocolError, match=STRAY_MESSAGE) as info:
            await client.post(server.url + "/once", content=b"unique-body-17")
        message = str(info.value)
        assert "b'EXTRA'" in message and "not an HTTP/1.x status line" in message
        assert "the POST request was not retried because its method is not idempotent" \
            in message
        assert client._transport.connection_count == 0
    assert seen["POST /once"] == 1
    assert seen["body:unique-body-17"] == 1
    assert server.connections_accepted == 1


async def test_stray_bytes_on_a_fresh_connection_are_an_error(
    backend: Any, raw_server: Any, no_fd_leak: None
) -> None:
    # Only a reused connection can hold leftovers: on a new one, the bytes are the response.
    server = raw_server(respond_with(b"EXTRA\r\n"))
    with RetryLog() as log:
        async with fasthttpx.AsyncClient(backend=backend, timeout=5.0) as client:
            with pytest.raises(fasthttpx.RemoteProtocolError, match="invalid status line"):
                await client.get(server.url + "/fresh")
    assert server.connections_accepted == 1
    assert log.retries == 0


async def test_bad_response_that_starts_like_one_is_not_resent(
    backend: Any, raw_server: Any, no_fd_leak: None
) -> None:
    # ``HTTP/1.1 `` is a valid start: what follows is the server's (broken) answer, not
    # stray bytes, and is reported as such, even for a GET on a reused connection.
    server = raw_server(respond_with([OK, b"HTTP/1.1 2x0 OK\r\n\r\n"]))
    with RetryLog() as log:
        async with fasthttpx.AsyncClient(backend=backend, timeout=5.0) as client:
            await client.get(server.url + "/warm")
            with pytest.raises(fasthttpx.RemoteProtocolError, match="invalid status code"):
                await client.get(server.url + "/broken")
    assert server.connections_accepted == 1
    assert log.retries == 0
