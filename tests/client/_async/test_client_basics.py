"""End-to-end behaviour of the client over real sockets on 127.0.0.1.

Written once, async; ``tests/client/_sync/`` holds the generated sync twin. Each test runs on
asyncio, uvloop and trio (async) or on blocking sockets (sync).
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

import fasthttpx
from tests.client.handlers import (
    FullBacklog,
    answer_before_the_body,
    first_connection_sends,
    head_now_body_later,
    never_read,
    reset_on_head,
)
from tests.kit.raw_server import OK, make_response, never_respond, respond_with


async def test_get_text_and_repr(backend: Any, app_server: Any) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        response = await client.get(app_server.url + "/")
    assert response.status_code == 200
    assert repr(response) == "<Response [200 OK]>"
    assert response.text == "Hello, world!"
    assert response.content == b"Hello, world!"
    assert response.http_version == "HTTP/1.1"
    assert response.is_success
    assert response.elapsed.total_seconds() >= 0


async def test_post_json_params_headers_echo(backend: Any, app_server: Any) -> None:
    async with fasthttpx.AsyncClient(backend=backend, headers={"X-Client": "yes"}) as client:
        response = await client.post(
            app_server.url + "/echo",
            params={"a": "1", "b": ["2", "3"]},
            headers={"X-Request": "also"},
            json={"hello": "wörld"},
        )
    echo = response.json()
    assert echo["method"] == "POST"
    assert echo["query"] == "a=1&b=2&b=3"
    headers = {k.lower(): v for k, v in echo["headers"]}
    assert headers["x-client"] == "yes"
    assert headers["x-request"] == "also"
    assert headers["content-type"] == "application/json"
    assert json.loads(echo["body"]) == {"hello": "wörld"}


async def test_form_and_multipart_bodies(backend: Any, app_server: Any) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        form = (await client.post(app_server.url + "/echo", data={"k": "v w"})).json()
        assert form["body"] == "k=v+w"
        files = {"upload": ("a.txt", b"file-content", "text/plain")}
        multi = (await client.post(app_server.url + "/echo", files=files)).json()
        assert "file-content" in multi["body"]
        assert 'filename="a.txt"' in multi["body"]


async def test_chunked_request_body_from_iterator(backend: Any, app_server: Any) -> None:
    async def pieces() -> Any:
        yield b"one,"
        yield b"two"

    async with fasthttpx.AsyncClient(backend=backend) as client:
        response = await client.post(app_server.url + "/echo", content=pieces())
    assert response.json()["body"] == "one,two"


async def test_streaming_read_stream_raw_close(backend: Any, app_server: Any) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        response = await client.get(app_server.url + "/bytes/100000", stream=True)
        with pytest.raises(fasthttpx.ResponseNotRead):
            _ = response.content
        body = b""
        async for piece in response.stream():
            body += piece
        assert len(body) == 100000
        with pytest.raises(fasthttpx.StreamConsumed):
            async for _piece in response.stream():
                pass

        response = await client.get(app_server.url + "/gzip", stream=True)
        raw = b""
        async for piece in response.raw():
            raw += piece
        assert gzip.decompress(raw)

        response = await client.get(app_server.url + "/bytes/10", stream=True)
        await response.close()
        with pytest.raises(fasthttpx.ResponseClosed):
            await response.read()

        response = await client.get(app_server.url + "/bytes/10", stream=True)
        assert await response.read() == response.content
        assert len(response.content) == 10


async def test_stream_context_manager_and_aliases(backend: Any, app_server: Any) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        async with client.stream("GET", app_server.url + "/stream/5") as response:
            lines = [line async for line in response.aiter_lines()]
        assert len(lines) == 5
        assert response.is_closed


async def test_gzip_content_decoded(backend: Any, app_server: Any) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        response = await client.get(app_server.url + "/gzip")
    assert response.headers["content-encoding"] == "gzip"
    assert response.content.startswith(b"{") or response.text


async def test_content_coding_follows_the_headers_at_read_time(
    backend: Any, raw_server: Any
) -> None:
    """The connection notes whether the head had Content-Encoding; a caller who changes the
    headers before reading (a streamed response) gets what the changed headers say."""
    body = b'{"hello": "world"}'
    coded = gzip.compress(body)
    server = raw_server(respond_with(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s"
        % (len(coded), coded)
    ))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        assert (await client.get(server.url)).content == body
        response = await client.get(server.url, stream=True)
        del response.headers["content-encoding"]
        assert await response.read() == coded
        plain = raw_server(respond_with(OK))
        response = await client.get(plain.url, stream=True)
        response.headers["Content-Encoding"] = "identity"
        assert await response.read() == b"Hello, world!"


async def test_keep_alive_reuses_one_connection(backend: Any, raw_server: Any) -> None:
    server = raw_server(respond_with(OK))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        for _ in range(5):
            response = await client.get(server.url)
            assert response.text == "Hello, world!"
    assert server.connections_accepted == 1


async def test_connection_refused_is_connect_error(backend: Any, raw_server: Any) -> None:
    server = raw_server(respond_with(OK))
    url = server.url
    server.stop()
    async with fasthttpx.AsyncClient(backend=backend) as client:
        with pytest.raises(fasthttpx.ConnectError):
            await client.get(url)


async def test_read_timeout(backend: Any, raw_server: Any) -> None:
    server = raw_server(never_respond())
    async with fasthttpx.AsyncClient(backend=backend, timeout=0.2) as client:
        with pytest.raises(fasthttpx.ReadTimeout):
            await client.get(server.url)


async def test_connect_timeout(backend: Any) -> None:
    backlog = FullBacklog()
    try:
        async with fasthttpx.AsyncClient(backend=backend, timeout=0.3) as client:
            with pytest.raises(fasthttpx.ConnectTimeout):
                await client.get(backlog.url)
    finally:
        backlog.close()


async def test_write_timeout(backend: Any, raw_server: Any) -> None:
    server = raw_server(never_read())
    timeout = fasthttpx.Timeout(5.0, write=0.3)
    async with fasthttpx.AsyncClient(backend=backend, timeout=timeout) as client:
        with pytest.raises(fasthttpx.WriteTimeout):
            await client.post(server.url, content=b"x" * (64 * 1024 * 1024))


async def test_truncated_body_is_an_error_and_connection_discarded(
    backend: Any, raw_server: Any
) -> None:
    truncated = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-this"
    server = raw_server(first_connection_sends(truncated, then_close=True))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        with pytest.raises(fasthttpx.RemoteProtocolError, match="100"):
            await client.get(server.url)
        assert (await client.get(server.url)).text == "Hello, world!"
    assert server.connections_accepted == 2


@pytest.mark.parametrize(
    "bad",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nBad\rHeader: 1\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
    ],
)
async def test_malformed_responses_raise_and_discard(
    backend: Any, raw_server: Any, bad: bytes
) -> None:
    server = raw_server(first_connection_sends(bad))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        with pytest.raises(fasthttpx.RemoteProtocolError):
            await client.get(server.url)
        assert (await client.get(server.url)).status_code == 200
    assert server.connections_accepted == 2


async def test_stray_bytes_after_response_forbid_reuse(backend: Any, raw_server: Any) -> None:
    stray = OK + make_response(200, b"STRAY!")
    server = raw_server(respond_with(stray))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        for _ in range(3):
            assert (await client.get(server.url)).text == "Hello, world!"
    assert server.connections_accepted == 3


async def test_unread_streamed_body_closes_connection(backend: Any, raw_server: Any) -> None:
    big = make_response(200, b"x" * 200_000)
    server = raw_server(respond_with(big))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        response = await client.get(server.url, stream=True)
        await response.close()
        assert client.transport.connection_count == 0
        assert len((await client.get(server.url)).content) == 200_000
    assert server.connections_accepted == 2


async def test_pool_timeout_when_limit_reached(backend: Any, raw_server: Any) -> None:
    server = raw_server(head_now_body_later(b"0123456789", delay=0.05))
    limits = fasthttpx.Limits(max_connections=1)
    async with fasthttpx.AsyncClient(backend=backend, limits=limits, timeout=0.3) as client:
        held = await client.get(server.url, stream=True)
        with pytest.raises(fasthttpx.PoolTimeout):
            await client.get(server.url)
        assert await held.read() == b"0123456789"
        assert (await client.get(server.url)).content == b"0123456789"
    assert server.connections_accepted == 1


async def test_streamed_body_gives_the_connection_back_as_it_ends(
    backend: Any, raw_server: Any
) -> None:
    # The pool's lease on a streamed body: the connection is idle again as soon as the end
    # of the body is parsed, before the caller has taken the last piece or closed anything.
    server = raw_server(head_now_body_later(b"0123456789", delay=0.05))
    async with fasthttpx.AsyncClient(backend=backend) as client:
        pool = client.transport
        response = await client.get(server.url, stream=True)
        assert (pool.connection_count, pool.idle_count) == (1, 0)
        pieces = response.aiter_bytes()
        assert await pieces.__anext__() == b"0123456789"
        assert (pool.connection_count, pool.idle_count) == (1, 1)
        await pieces.aclose()
        await response.aclose()
        assert (pool.connection_count, pool.idle_count) == (1, 1)
        assert (await client.get(server.url)).content == b"0123456789"
    assert server.connections_accepted == 1


async def test_status_errors_and_redirects(backend: Any, app_server: Any) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        response = await client.get(app_server.url + "/status/404")
        assert response.status_code == 404
        with pytest.raises(fasthttpx.HTTPStatusError):
            response.raise_for_status()
        response = await client.get(app_server.url + "/redirect/2")
        assert response.is_redirect
        response = await client.get(app_server.url + "/redirect/2", follow_redirects=True)
        assert response.status_code == 200
        assert len(response.history) == 2
        client.max_redirects = 2
        with pytest.raises(fasthttpx.TooManyRedirects):
            await client.get(app_server.url + "/redirect/5", follow_redirects=True)


async def test_no_fd_leak(backend: Any, app_server: Any, no_fd_leak: None) -> None:
    async with fasthttpx.AsyncClient(backend=backend) as client:
        for _ in range(20):
            await client.get(app_server.url + "/")
        response = await client.get(app_server.url + "/bytes/100000", stream=True)
        await response.close()


async def test_repeated_gets_follow_changes_to_the_client(backend: Any, app_server: Any) -> None:
    """The verb helpers remember the request they built for a URL; every later change to
    the client (headers, auth, hooks, cookies, redirects, base URL) still applies."""
    echo = app_server.url + "/echo"
    seen: list[str] = []

    async def hook(request: fasthttpx.Request) -> None:
        seen.append(request.url.path)

    def sent(response: fasthttpx.AsyncResponse) -> dict[str, str]:
        return {k.lower(): v for k, v in response.json()["headers"]}

    async with fasthttpx.AsyncClient(backend=backend) as client:
        first_response = await client.get(echo)
        first = sent(first_response)
        assert "x-added" not in first and "authorization" not in first
        # A request's headers are its own: changing them changes no later request.
        first_response.request.headers["X-Leaked"] = "1"
        again = sent(await client.get(echo))  # the remembered request
        assert "x-added" not in again and "x-leaked" not in again
        client.headers["X-Added"] = "1"
        assert sent(await client.get(echo))["x-added"] == "1"
        client.auth = ("user", "pass")
        assert sent(await client.get(echo))["authorization"].startswith("Basic ")
        client.auth = None
        client.event_hooks["request"].append(hook)
        await client.get(echo)
        assert seen == ["/echo"]
        client.event_hooks["request"].clear()
        client.cookies.set("flavour", "oat")
        assert sent(await client.get(echo))["cookie"] == "flavour=oat"
        client.cookies.clear()
        redirect = app_server.url + "/redirect/1"
        assert (await client.get(redirect)).status_code == 302
        client.follow_redirects = True
        assert (await client.get(redirect)).status_code == 200
        client.follow_redirects = False
        client.base_url = app_server.url + "/redirect"
        assert (await client.get("/1")).status_code == 302
        assert (await client.get("/1")).url == app_server.url + "/redirect/1"


async def test_a_subclass_send_sees_every_helper_call(backend: Any, app_server: Any) -> None:
    calls: list[str] = []

    class Recording(fasthttpx.AsyncClient):
        async def send(self, request: fasthttpx.Request, **kwargs: Any) -> Any:
            calls.append(request.method)
            return await super().send(request, **kwargs)

    async with Recording(backend=backend) as client:
        for _ in range(2):
            await client.get(app_server.url + "/")
            await client.head(app_server.url + "/")
    assert calls == ["GET", "HEAD", "GET", "HEAD"]


@pytest.mark.parametrize("body", ["bytes", "iterator"])
async def test_early_answer_to_an_upload_is_the_response(
    backend: Any, raw_server: Any, body: str
) -> None:
    """The server answers 413 before reading the body and closes; sending fails, and the
    client returns the server's answer instead of the write error (as curl does)."""
    server = raw_server(answer_before_the_body(
        b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo big!"
    ))
    chunk = b"x" * 65536

    async def pieces() -> Any:
        for _ in range(512):
            yield chunk

    content: Any = chunk * 512 if body == "bytes" else pieces()
    async with fasthttpx.AsyncClient(backend=backend, timeout=10) as client:
        response = await client.post(server.url + "/upload", content=content)
        assert response.status_code == 413
        assert response.content == b"too big!"
        # That connection is never reused: the next request opens a new one.
        server.handler = answer_before_the_body(OK)
        assert (await client.get(server.url + "/")).status_code == 200
    assert server.connections_accepted == 2


async def test_failed_upload_without_an_answer_is_a_write_error(
    backend: Any, raw_server: Any
) -> None:
    server = raw_server(reset_on_head())
    async with fasthttpx.AsyncClient(backend=backend, timeout=10) as client:
        with pytest.raises((fasthttpx.WriteError, fasthttpx.ReadError)):
            await client.post(server.url + "/upload", content=b"x" * (32 << 20))
