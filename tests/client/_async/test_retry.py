"""The retry policy (issue 17 item 1): ``Client(retry=Retry(...))`` and per request.

A scripted server (:mod:`tests.client.retry_handlers`) answers 503/429/502 with or without
``Retry-After``, resets, closes and stalls, and counts the tries it really saw. The client's
backend has its ``sleep`` replaced by a log (an injected clock): backoff, jitter and
``Retry-After`` waits are checked as the delays asked for, without sleeping. Written once,
async; the sync twin is generated.
"""

from __future__ import annotations

import email.utils
import logging
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

import fasthttpx
from fasthttpx import Retry
from tests.client.retry_handlers import RetryScript


class SleepLog:
    """Stands in for the backend's ``sleep``: records each delay, sleeps not at all."""

    def __init__(self, backend: Any) -> None:
        self.delays: list[float] = []
        backend.sleep = self.sleep

    async def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)


class TryLog(logging.Handler):
    """Collects the client's "try N of ... failed/answered" debug records."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("try "):
            self.messages.append(message)

    def __enter__(self) -> TryLog:
        logger = logging.getLogger("fasthttpx")
        self._level = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(self)
        return self

    def __exit__(self, *args: object) -> None:
        logger = logging.getLogger("fasthttpx")
        logger.removeHandler(self)
        logger.setLevel(self._level)


def _serve(raw_server: Any, actions: list[Any]) -> tuple[RetryScript, str]:
    script = RetryScript(actions)
    server = raw_server(script.handler())
    return script, server.url


def _unused_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/"


async def test_retry_after_seconds_is_honoured(backend: Any, raw_server: Any) -> None:
    script, url = _serve(raw_server, [(503, [("Retry-After", "2")])])
    sleeps = SleepLog(backend)
    with TryLog() as log:
        async with fasthttpx.AsyncClient(backend=backend, retry=Retry(total=3)) as client:
            response = await client.get(url)
    assert response.status_code == 200
    assert response.text == "done"
    assert response.extensions["retries"] == 1
    assert script.tries == 2
    assert sleeps.delays == [2.0]
    assert len(log.messages) == 1 and "answered 503" in log.messages[0], log.messages


async def test_retry_after_http_date_is_capped_by_backoff_max(
    backend: Any, raw_server: Any
) -> None:
    later = email.utils.formatdate(time.time() + 3600, usegmt=True)
    past = email.utils.formatdate(time.time() - 3600, usegmt=True)
    script, url = _serve(raw_server, [
        (429, [("Retry-After", later)]),
        (429, [("Retry-After", past)]),
    ])
    sleeps = SleepLog(backend)
    policy = Retry(total=5, backoff_max=7.5)
    async with fasthttpx.AsyncClient(backend=backend, retry=policy) as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert script.tries == 3
    # An hour away is capped at backoff_max; a date in the past means no wait at all.
    assert sleeps.delays == [7.5]
    assert response.extensions["retries"] == 2


async def test_429_without_retry_after_is_not_retried_unless_listed(
    backend: Any, raw_server: Any
) -> None:
    script, url = _serve(raw_server, [(429, []), (429, [])])
    SleepLog(backend)
    async with fasthttpx.AsyncClient(backend=backend, retry=Retry(total=3)) as client:
        response = await client.get(url)
        assert response.status_code == 429
        assert script.tries == 1
        response = await client.get(url, retry=Retry(total=3, status_forcelist={429}))
        assert response.status_code == 200
        assert script.tries == 3


async def test_status_retries_run_out_and_return_the_last_response(
    backend: Any, raw_server: Any
) -> None:
    script, url = _serve(raw_server, [(502, [])] * 5)
    sleeps = SleepLog(backend)
    policy = Retry(total=2, backoff_factor=0.1, status_forcelist={502})
    async with fasthttpx.AsyncClient(backend=backend, retry=policy) as client:
        response = await client.get(url)
    assert script.tries == 3
    assert response.status_code == 502
    assert response.text == "status 502"
    assert response.extensions["retries"] == 2
    # urllib3's schedule: nothing before the first retry, then factor * 2 ** (n - 1).
    assert sleeps.delays == [pytest.approx(0.2)]
    with pytest.raises(fasthttpx.HTTPStatusError):
        response.raise_for_status()


async def test_backoff_grows_and_jitter_stays_within_its_bound(
    backend: Any, raw_server: Any
) -> None:
    script, url = _serve(raw_server, [(503, [])] * 4)
    sleeps = SleepLog(backend)
    policy = Retry(total=4, backoff_factor=1.0, backoff_jitter=0.5, backoff_max=3.0,
                   status_forcelist={503})
    async with fasthttpx.AsyncClient(backend=backend, retry=policy) as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert script.tries == 5
    assert len(sleeps.delays) == 4
    first, second, third, fourth = sleeps.delays
    assert 0.0 <= first < 0.5
    assert 2.0 <= second < 2.5
    assert third == fourth == 3.0  # 4 + jitter and 8 + jitter, capped


async def test_post_is_not_retried_by_default(backend: Any, raw_server: Any) -> None:
    script, url = _serve(raw_server, [(503, [("Retry-After", "1")]), "reset"])
    sleeps = SleepLog(backend)
    async with fasthttpx.AsyncClient(backend=backend, retry=Retry(total=3)) as client:
        response = await client.post(url, content=b"order #1")
        assert response.status_code == 503
        assert script.methods == ["POST"]
        with pytest.raises((fasthttpx.ReadError, fasthttpx.RemoteProtocolError)):
            await client.post(url, content=b"order #2")
    assert script.methods == ["POST", "POST"]
    assert sleeps.delays == []


async def test_post_is_retried_when_allowed(backend: Any, raw_server: Any) -> None:
    script, url = _serve(raw_server, [(503, [("Retry-After", "1")]), "reset"])
    sleeps = SleepLog(backend)
    policy = Retry(total=3, allowed_methods=None)
    async with fasthttpx.AsyncClient(backend=backend, retry=policy) as client:
        response = await client.post(url, content=b"order #1")
    assert response.status_code == 200
    assert script.methods == ["POST", "POST", "POST"]
    assert response.extensions["retries"] == 2
    assert sleeps.delays == [1.0]  # Retry-After; the second retry's backoff is 0 * 2


async def test_reset_and_close_are_retried_for_get(backend: Any, raw_server: Any) -> None:
    script, url = _serve(raw_server, ["reset", "close"])
    SleepLog(backend)
    async with fasthttpx.AsyncClient(backend=backend, retry=Retry(read=2)) as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert script.tries == 3
    assert response.extensions["retries"] == 2


async def test_read_timeout_is_retried(backend: Any, raw_server: Any) -> None:
    script, url = _serve(raw_server, ["stall"])
    SleepLog(backend)
    timeout = fasthttpx.Timeout(5.0, read=0.3)
    async with fasthttpx.AsyncClient(
        backend=backend, retry=Retry(total=1), timeout=timeout
    ) as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert script.tries == 2


async def test_network_errors_run_out_and_raise_the_last_with_earlier_chained(
    backend: Any, raw_server: Any
) -> None:
    script, url = _serve(raw_server, ["reset"] * 5)
    sleeps = SleepLog(backend)
    policy = Retry(total=2, backoff_factor=0.25)
    async with fasthttpx.AsyncClient(backend=backend, retry=policy) as client:
        with pytest.raises(fasthttpx.TransportError) as info:
            await client.get(url)
    assert script.tries == 3
    assert sleeps.delays == [0.5]
    chained = []
    exc: BaseException | None = info.value
    while exc is not None:
        if isinstance(exc, fasthttpx.TransportError):
            chained.append(exc)
        exc = exc.__cause__ or exc.__context__
    assert len(chained) == 3, chained
    assert len({id(e) for e in chained}) == 3
    notes = getattr(info.value, "__notes__", None)
    if notes is not None:  # Python 3.11+
        assert any("gave up after 3 tries" in note for note in notes), notes


async def test_connect_errors_are_retried_whatever_the_method(backend: Any) -> None:
    url = _unused_port_url()
    sleeps = SleepLog(backend)
    policy = Retry(total=10, connect=2, backoff_factor=1.0)
    async with fasthttpx.AsyncClient(backend=backend, retry=policy) as client:
        with pytest.raises(fasthttpx.ConnectError):
            await client.post(url, content=b"x")
    assert sleeps.delays == [2.0]


async def test_one_shot_body_is_never_retried(backend: Any, raw_server: Any) -> None:
    script, url = _serve(raw_server, [(503, [("Retry-After", "1")])])

    async def body() -> AsyncIterator[bytes]:
        yield b"part one, "
        yield b"part two"

    SleepLog(backend)
    policy = Retry(total=3, allowed_methods=None, status_forcelist={503})
    async with fasthttpx.AsyncClient(backend=backend, retry=policy) as client:
        response = await client.put(url, content=body())
    assert response.status_code == 503
    assert script.tries == 1


async def test_per_request_policy_overrides_the_client(backend: Any, raw_server: Any) -> None:
    script, url = _serve(raw_server, [(503, [("Retry-After", "1")])] * 2)
    SleepLog(backend)
    async with fasthttpx.AsyncClient(backend=backend) as client:
        assert client.retry is None
        response = await client.get(url)
        assert response.status_code == 503
        assert "retries" not in response.extensions
        response = await client.get(url, retry=2)
        assert response.status_code == 200
        assert script.tries == 3
    script, url = _serve(raw_server, [(503, [("Retry-After", "1")])])
    async with fasthttpx.AsyncClient(backend=backend, retry=Retry(total=3)) as client:
        response = await client.get(url, retry=None)
        assert response.status_code == 503
        assert script.tries == 1
        client.retry = 1
        assert client.retry is not None and client.retry.total == 1
        response = await client.get(url)
        assert response.status_code == 200


async def test_streamed_responses_are_retried_on_status(backend: Any, raw_server: Any) -> None:
    script, url = _serve(raw_server, [(503, [("Retry-After", "0")])])
    SleepLog(backend)
    async with fasthttpx.AsyncClient(backend=backend, retry=Retry(total=2)) as client:
        async with client.stream("GET", url) as response:
            assert response.status_code == 200
            assert await response.aread() == b"done"
    assert script.tries == 2


async def test_retry_with_redirects_and_body_limits(backend: Any, raw_server: Any) -> None:
    script, url = _serve(raw_server, [
        (503, [("Retry-After", "0")]),
        (302, [("Location", "/next")]),
        (503, [("Retry-After", "0")]),
    ])
    SleepLog(backend)
    async with fasthttpx.AsyncClient(
        backend=backend, retry=Retry(total=1), follow_redirects=True, max_body_size=1000
    ) as client:
        response = await client.get(url)
    # Each hop has its own tries.
    assert response.status_code == 200
    assert script.tries == 4
    assert len(response.history) == 1


async def test_invalid_retry_is_refused(backend: Any) -> None:
    with pytest.raises(TypeError):
        fasthttpx.AsyncClient(backend=backend, retry="three")  # type: ignore[arg-type]
    async with fasthttpx.AsyncClient(backend=backend) as client:
        with pytest.raises(TypeError):
            await client.get("http://127.0.0.1:1/", retry=2.5)  # type: ignore[arg-type]
