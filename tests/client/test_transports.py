"""The HTTPX-compatible transports used by a client: ASGITransport (asyncio and trio),
WSGITransport, HTTPTransport / AsyncHTTPTransport against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
import trio

import fasthttpx
from fasthttpx.concurrency.trio import TrioBackend
from tests.kit.app import app as kit_app

LIBRARIES = ["asyncio", "trio"]


def run(library: str, main: Callable[[], Any]) -> Any:
    return trio.run(main) if library == "trio" else asyncio.run(main())


def backend_for(library: str) -> Any:
    """The client checks that its backend's library runs, even over an ASGI transport."""
    return TrioBackend() if library == "trio" else None


# -- ASGITransport ------------------------------------------------------------------------


@pytest.mark.parametrize("library", LIBRARIES)
def test_asgi_echo_request_and_response(library: str) -> None:
    async def main() -> dict[str, Any]:
        transport = fasthttpx.ASGITransport(app=kit_app)
        async with fasthttpx.AsyncClient(
            transport=transport, base_url="http://testserver", backend=backend_for(library)
        ) as c:
            r = await c.post("/echo?x=1", content=b"hello", headers={"X-Test": "a"})
            assert r.status_code == 200
            assert r.request.url == "http://testserver/echo?x=1"
            assert r.elapsed.total_seconds() >= 0
            return r.json()  # type: ignore[no-any-return]

    echo = run(library, main)
    assert echo["method"] == "POST"
    assert echo["path"] == "/echo"
    assert echo["body"] == "hello"
    assert ["x-test", "a"] in echo["headers"]


@pytest.mark.parametrize("library", LIBRARIES)
def test_asgi_streamed_request_body_and_gzip_response(library: str) -> None:
    async def body() -> Any:
        yield b"part1-"
        yield b"part2"

    async def main() -> tuple[Any, Any]:
        async with fasthttpx.AsyncClient(
            transport=fasthttpx.ASGITransport(app=kit_app), base_url="http://testserver",
            backend=backend_for(library),
        ) as c:
            echoed = (await c.post("/echo", content=body())).json()
            unzipped = (await c.get("/gzip")).json()
            return echoed, unzipped

    echoed, unzipped = run(library, main)
    assert echoed["body"] == "part1-part2"
    assert isinstance(unzipped, dict)


@pytest.mark.parametrize("library", LIBRARIES)
def test_asgi_scope(library: str) -> None:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope)
        assert (await receive())["more_body"] is False
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def main() -> int:
        transport = fasthttpx.ASGITransport(app=app, root_path="/root", client=("1.2.3.4", 5))
        async with fasthttpx.AsyncClient(transport=transport, backend=backend_for(library)) as c:
            return (await c.get("https://example.org:8443/a%20b?q=1")).status_code

    assert run(library, main) == 204
    assert seen["path"] == "/a b" and seen["raw_path"] == b"/a%20b"
    assert seen["query_string"] == b"q=1" and seen["scheme"] == "https"
    assert seen["server"] == ("example.org", 8443) and seen["client"] == ("1.2.3.4", 5)
    assert seen["root_path"] == "/root" and seen["type"] == "http"


@pytest.mark.parametrize("library", LIBRARIES)
def test_asgi_disconnect_waits_for_response_end(library: str) -> None:
    """An app that listens for the disconnect while streaming is not cut short."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for n in range(3):
            await send({"type": "http.response.body", "body": b"%d" % n, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        assert (await receive())["type"] == "http.disconnect"

    async def main() -> bytes:
        transport = fasthttpx.ASGITransport(app=app)
        async with fasthttpx.AsyncClient(transport=transport, backend=backend_for(library)) as c:
            return (await c.get("http://testserver/")).content

    assert run(library, main) == b"012"


class Boom(Exception):
    pass


async def failing_app(scope: Any, receive: Any, send: Any) -> None:
    raise Boom("app failed")


@pytest.mark.parametrize("library", LIBRARIES)
def test_asgi_app_exceptions(library: str) -> None:
    async def raising() -> None:
        transport = fasthttpx.ASGITransport(failing_app)
        async with fasthttpx.AsyncClient(transport=transport, backend=backend_for(library)) as c:
            await c.get("http://testserver/")

    with pytest.raises(Boom):
        run(library, raising)

    async def swallowed() -> int:
        transport = fasthttpx.ASGITransport(failing_app, raise_app_exceptions=False)
        async with fasthttpx.AsyncClient(transport=transport, backend=backend_for(library)) as c:
            return (await c.get("http://testserver/")).status_code

    assert run(library, swallowed) == 500


def test_asgi_head_has_no_body() -> None:
    async def main() -> fasthttpx.AsyncResponse:
        async with fasthttpx.AsyncClient(transport=fasthttpx.ASGITransport(kit_app)) as c:
            return await c.head("http://testserver/")

    r = asyncio.run(main())
    assert r.status_code == 200 and r.content == b""


def test_asgi_request_extensions_and_history() -> None:
    async def main() -> fasthttpx.AsyncResponse:
        async with fasthttpx.AsyncClient(
            transport=fasthttpx.ASGITransport(kit_app), follow_redirects=True
        ) as c:
            return await c.get("http://testserver/redirect/2")

    r = asyncio.run(main())
    assert r.status_code == 200 and r.text == "Hello, world!"
    assert [h.status_code for h in r.history] == [302, 302]


# -- WSGITransport ------------------------------------------------------------------------


def wsgi_echo(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = environ["wsgi.input"].read()
    doc = {
        "method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"], "script": environ["SCRIPT_NAME"],
        "remote": environ["REMOTE_ADDR"], "server": [environ["SERVER_NAME"],
                                                     environ["SERVER_PORT"]],
        "x_test": environ.get("HTTP_X_TEST"), "ctype": environ.get("CONTENT_TYPE"),
        "body": body.decode(),
    }
    start_response("201 Made", [("Content-Type", "application/json")])
    return [json.dumps(doc).encode()]


def test_wsgi_echo() -> None:
    transport = fasthttpx.WSGITransport(app=wsgi_echo, script_name="/app", remote_addr="9.9.9.9")
    with fasthttpx.Client(transport=transport, base_url="http://testserver") as c:
        r = c.post("/a%20b?x=1", json={"k": 1},
                   headers=[("X-Test", "1"), ("X-Test", "2")])
    assert r.status_code == 201 and r.reason_phrase == "Made"
    doc = r.json()
    assert doc == {
        "method": "POST", "path": "/a b", "query": "x=1", "script": "/app",
        "remote": "9.9.9.9", "server": ["testserver", "80"], "x_test": "1,2",
        "ctype": "application/json", "body": '{"k":1}',
    }


def test_wsgi_generator_app_streams_and_is_closed() -> None:
    closed: list[bool] = []

    class Result:
        def __iter__(self) -> Iterator[bytes]:
            yield b""  # start_response only with the first piece, as PEP 3333 allows
            yield b"one,"
            yield b"two"

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        result = Result()
        iterator = iter(result)

        class Deferred:
            def __iter__(self) -> Iterator[bytes]:
                start_response("200 OK", [("Content-Encoding", "gzip")])
                for piece in iterator:
                    yield gzip.compress(piece) if piece else piece

            def close(self) -> None:
                result.close()

        return Deferred()

    with fasthttpx.Client(transport=fasthttpx.WSGITransport(app)) as c:
        with c.stream("GET", "http://testserver/") as r:
            assert closed == []
            pieces = list(r.iter_raw())
        assert closed == [True]
    assert len(pieces) == 2
    assert b"".join(gzip.decompress(p) for p in pieces) == b"one,two"


def test_wsgi_exc_info() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            raise ValueError("inside")
        except ValueError:
            import sys

            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b"oops"]

    with fasthttpx.Client(transport=fasthttpx.WSGITransport(app)) as c:
        with pytest.raises(ValueError, match="inside"):
            c.get("http://testserver/")
    transport = fasthttpx.WSGITransport(app, raise_app_exceptions=False)
    with fasthttpx.Client(transport=transport) as c:
        r = c.get("http://testserver/")
    assert r.status_code == 500 and r.text == "oops"


# -- HTTPTransport ------------------------------------------------------------------------


def test_http_transport_with_client(app_server: Any) -> None:
    transport = fasthttpx.HTTPTransport(http1=True, retries=1)
    with fasthttpx.Client(transport=transport) as c:
        assert c.get(app_server.url + "/").text == "Hello, world!"
        assert c.get(app_server.url + "/json").json()
    assert transport.connections_opened == 1


@pytest.mark.parametrize("library", LIBRARIES)
def test_async_http_transport_with_client(library: str, app_server: Any) -> None:
    async def main() -> str:
        backend = backend_for(library)
        transport = fasthttpx.AsyncHTTPTransport(backend=backend)
        async with fasthttpx.AsyncClient(transport=transport, backend=backend) as c:
            return (await c.get(app_server.url + "/")).text

    assert run(library, main) == "Hello, world!"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_http_transport_connect_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    port = closed_port()
    transport = fasthttpx.HTTPTransport(retries=2)
    sleeps: list[float] = []
    monkeypatch.setattr(transport._backend, "sleep", sleeps.append)
    with fasthttpx.Client(transport=transport) as c:
        with pytest.raises(fasthttpx.ConnectError):
            c.get(f"http://127.0.0.1:{port}/")
    assert transport.connections_opened == 3
    assert sleeps == [0.5]


def test_http_transport_arguments() -> None:
    with pytest.raises(TypeError):
        fasthttpx.HTTPTransport(retries=True)
    # uds= and socket_options= are supported: tests/client/_async/test_transports_uds.py
    fasthttpx.HTTPTransport(uds="/tmp/socket").close()
    with pytest.raises(TypeError):
        fasthttpx.HTTPTransport(socket_options=[(1, 2)])  # type: ignore[list-item]


# -- MockTransport details ----------------------------------------------------------------


def test_mock_transport_response_without_body() -> None:
    """``Response(204)`` from a handler is an empty body, also through auth and hooks."""
    seen: list[int] = []
    transport = fasthttpx.MockTransport(lambda request: fasthttpx.Response(204))
    hooks = {"response": [lambda r: seen.append(r.status_code)]}
    with fasthttpx.Client(transport=transport, event_hooks=hooks) as c:
        r = c.get("http://testserver/", auth=("user", "pass"))
    assert r.status_code == 204 and r.content == b"" and seen == [204]


def test_asgi_str_header_values_and_context_manager() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", "text/plain"), (b"x-n", "1")]})
        await send({"type": "http.response.body", "body": b"ok"})

    async def main() -> fasthttpx.AsyncResponse:
        async with fasthttpx.ASGITransport(app=app) as transport:
            request = fasthttpx.Request("GET", "http://testserver/")
            response = await transport.handle_async_request(request)
            await response.aread()
            return response

    r = asyncio.run(main())
    assert r.headers["x-n"] == "1" and r.text == "ok"
