"""Transports: what a client hands its requests to, other than its default pool.

A transport turns a ``Request`` into a response; the client calls
``handle_request(request)`` (sync) or ``handle_async_request(request)`` (async). Here:

* ``BaseTransport`` / ``AsyncBaseTransport``: the two interfaces.
* ``MockTransport(handler)`` answers from a function instead of the network, for tests of
  code that uses fasthttpx (as HTTPX's). The handler receives the ``Request`` and returns a
  response built with ``fasthttpx.Response(status, json=..., ...)`` (or an awaitable of one).
* ``HTTPTransport`` / ``AsyncHTTPTransport``: the connection pool with HTTPX's constructor
  arguments, for ``Client(transport=HTTPTransport(...))``; a client's own transport is one
  too. Written in the I/O shell (``_async/http_transport.py``, its sync twin generated), with
  the interfaces below it (``_transport_base.py``), so that a client can make one; exported
  from here.
* ``ASGITransport``: calls an ASGI app in memory. The request becomes an ASGI ``http`` scope
  (ASGI 3.0, HTTP connection scope); ``receive()`` hands the app the body piece by piece and,
  once it is done, waits until the response is complete before answering ``http.disconnect``
  (so an app listening for the disconnect while it streams is not cut short); ``send()``
  collects the response, kept in memory and decoded like one read off the network. The app
  is awaited in the caller's task, so it runs on asyncio and trio alike; the one
  library-specific object, the completion event, comes from the backend of the library that
  runs (asyncio's backend is asked whether its loop runs; no ``sniffio``).
* ``WSGITransport``: calls a WSGI app (PEP 3333). The request becomes an ``environ``
  (header fields as ``HTTP_*``, same-named ones joined with ","), its body read into
  ``wsgi.input``; the result is iterated until the app has called ``start_response`` (it may
  defer that to its first piece); the rest of the body is pulled as the response is read, and
  the result's ``close()`` is called when the response closes.
"""

from __future__ import annotations

import inspect
import io
import sys
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    MutableMapping,
)
from typing import Any, TextIO
from urllib.parse import unquote, unquote_to_bytes

from ._async.http_transport import AsyncHTTPTransport
from ._models import Request, RequestBody
from ._response import Response
from ._streams import AsyncMemoryBody, TransportBody
from ._sync.http_transport import HTTPTransport
from ._transport_base import RETRY_BACKOFF, AsyncBaseTransport, BaseTransport
from .concurrency.asyncio import default_backend
from .concurrency.base import AsyncEvent

__all__ = [
    "ASGITransport", "AsyncBaseTransport", "AsyncHTTPTransport", "BaseTransport",
    "HTTPTransport", "MockTransport", "WSGITransport", "RETRY_BACKOFF",
]


class MockTransport(BaseTransport, AsyncBaseTransport):
    """Answers every request by calling ``handler(request)``; no network at all."""

    def __init__(
        self, handler: Callable[[Request], Response | Awaitable[Response]]
    ) -> None:
        self.handler = handler

    def handle_request(self, request: Request) -> Response:
        request.read()
        result = self.handler(request)
        if inspect.isawaitable(result):
            raise TypeError("an async handler needs an AsyncClient")
        return _handed_over(result, request, asynchronous=False)

    async def handle_async_request(self, request: Request) -> Response:
        await request.aread()
        result = self.handler(request)
        if inspect.isawaitable(result):
            result = await result
        return _handed_over(result, request, asynchronous=True)


def _handed_over(result: object, request: Request, *, asynchronous: bool) -> Response:
    """The handler's response, bound to ``request``; a body in memory is read the client's
    way by the seed spellings (``await r.read()`` from an ``AsyncClient``)."""
    if not isinstance(result, Response):
        raise TypeError(f"the handler must return a response, not {type(result).__name__}")
    result.attach(request, asynchronous=asynchronous)
    return result


ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[dict[str, Any]]],
     Callable[[dict[str, Any]], Awaitable[None]]],
    Awaitable[None],
]


def _create_event() -> AsyncEvent:
    """An event for the running async library (asyncio's or trio's)."""
    event: AsyncEvent = default_backend().create_event()
    return event


async def _body_pieces(stream: RequestBody) -> AsyncGenerator[bytes, None]:
    """The request body as an async iterator of non-empty pieces, whatever its kind."""
    if isinstance(stream, bytes):
        if stream:
            yield bytes(stream)
    elif isinstance(stream, AsyncIterable):
        async for piece in stream:
            if piece:
                yield piece
    else:
        for piece in stream:
            if piece:
                yield piece


class ASGITransport(AsyncBaseTransport):
    """``AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver")``.

    ``raise_app_exceptions`` (default True): an exception from the app propagates to the
    caller; when False, the client gets a 500 response instead (or what the app had started).
    ``root_path`` is the scope's ``root_path``; ``client`` its ``(host, port)`` of the peer.
    """

    def __init__(
        self,
        app: ASGIApp,
        raise_app_exceptions: bool = True,
        root_path: str = "",
        client: tuple[str, int] = ("127.0.0.1", 123),
    ) -> None:
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.root_path = root_path
        self.client = client

    def _scope(self, request: Request) -> dict[str, Any]:
        url = request.url
        raw_path, _, query = url.raw_path.partition(b"?")
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(name.lower(), value) for name, value in request.headers.raw],
            "scheme": url.scheme,
            "path": unquote(raw_path.decode("ascii")),
            "raw_path": raw_path,
            "query_string": query,
            "server": (url.host, url.port),
            "client": self.client,
            "root_path": self.root_path,
        }

    async def handle_async_request(self, request: Request) -> Response:
        scope = self._scope(request)
        pieces = _body_pieces(request.body)
        request_complete = False
        response_complete = _create_event()
        response_done = False
        status_code: int | None = None
        headers: list[Any] | None = None
        body: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal request_complete
            if request_complete:
                await response_complete.wait(None)
                return {"type": "http.disconnect"}
            try:
                piece = await pieces.__anext__()
            except StopAsyncIteration:
                request_complete = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": piece, "more_body": True}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status_code, headers, response_done
            if message["type"] == "http.response.start":
                if status_code is not None:
                    raise RuntimeError("the ASGI app sent 'http.response.start' twice")
                status_code = message["status"]
                headers = list(message.get("headers", []))  # bytes, or str as HTTPX allows
            elif message["type"] == "http.response.body":
                if status_code is None:
                    raise RuntimeError("the ASGI app sent a body before 'http.response.start'")
                if response_done:
                    return
                data = message.get("body", b"")
                if data and request.method != "HEAD":
                    body.append(bytes(data))
                if not message.get("more_body", False):
                    response_done = True
                    response_complete.set()

        try:
            try:
                await self.app(scope, receive, send)
            finally:
                await pieces.aclose()
        except Exception:
            if self.raise_app_exceptions:
                raise
            response_done = True
            response_complete.set()
            if status_code is None:
                status_code = 500
            if headers is None:
                headers = []
        if status_code is None:
            raise RuntimeError("the ASGI app returned without sending a response")
        return Response(
            status_code,
            headers=headers,
            stream=AsyncMemoryBody(b"".join(body)),
            request=request,
        )


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _WSGIBody(TransportBody):
    """The rest of a WSGI result, read on demand; ``close()`` closes the result."""

    __slots__ = ("_first", "_rest", "_result")

    def __init__(self, first: list[bytes], rest: Iterator[bytes], result: Any) -> None:
        self._first = first
        self._rest = rest
        self._result = result

    def take_complete(self) -> bytes | None:
        return None

    def read_all(self) -> bytes:
        return b"".join(self)

    def __iter__(self) -> Iterator[bytes]:
        first, self._first = self._first, []
        for piece in first:
            yield piece
        for piece in self._rest:
            if piece:
                yield bytes(piece)

    def close(self) -> None:
        result, self._result = self._result, None
        close = getattr(result, "close", None)
        if close is not None:
            close()


class WSGITransport(BaseTransport):
    """``Client(transport=WSGITransport(app=app), base_url="http://testserver")``.

    ``raise_app_exceptions`` (default True): an error the app reports through
    ``start_response(..., exc_info)`` is raised to the caller. ``script_name`` is the
    environ's ``SCRIPT_NAME``, ``remote_addr`` its ``REMOTE_ADDR``, ``wsgi_errors`` the
    ``wsgi.errors`` stream (default ``sys.stderr``).
    """

    def __init__(
        self,
        app: WSGIApp,
        raise_app_exceptions: bool = True,
        script_name: str = "",
        remote_addr: str = "127.0.0.1",
        wsgi_errors: TextIO | None = None,
    ) -> None:
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.script_name = script_name
        self.remote_addr = remote_addr
        self.wsgi_errors = wsgi_errors

    def _environ(self, request: Request, body: bytes) -> dict[str, Any]:
        url = request.url
        raw_path, _, query = url.raw_path.partition(b"?")
        port = url.port if url.port is not None else {"http": 80, "https": 443}.get(url.scheme)
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": self.wsgi_errors or sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": self.script_name,
            # PEP 3333: "native strings" hold the bytes decoded as latin-1.
            "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"),
            "QUERY_STRING": query.decode("ascii"),
            "SERVER_NAME": url.host,
            "SERVER_PORT": str(port or ""),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.remote_addr,
        }
        for name, value in request.headers.raw:
            key = name.decode("latin-1").upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            text = value.decode("latin-1")
            environ[key] = f"{environ[key]},{text}" if key in environ else text
        return environ

    def handle_request(self, request: Request) -> Response:
        body = request.read()
        environ = self._environ(request, body)
        started: list[Any] = []

        def start_response(status: str, response_headers: list[tuple[str, str]],
                           exc_info: Any = None) -> Callable[[bytes], None]:
            started[:] = [status, response_headers, exc_info]
            return written.append

        written: list[bytes] = []
        result = self.app(environ, start_response)
        rest = iter(result)
        first: list[bytes] = []
        try:
            while not started:  # PEP 3333: start_response may wait for the first piece
                piece = next(rest, None)
                if piece is None:
                    break
                if piece:
                    first.append(bytes(piece))
        except BaseException:
            _WSGIBody([], rest, result).close()
            raise
        if not started:
            _WSGIBody([], rest, result).close()
            raise RuntimeError("the WSGI app returned without calling start_response()")
        status, response_headers, exc_info = started
        if exc_info and exc_info[0] is not None and self.raise_app_exceptions:
            _WSGIBody([], rest, result).close()
            raise exc_info[1]
        code, _, reason = status.partition(" ")
        stream = _WSGIBody(written + first, rest, result)
        if request.method == "HEAD":
            stream.close()
            stream = _WSGIBody([], iter(()), None)
        return Response(
            int(code),
            headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in response_headers],
            stream=stream,
            reason_phrase=reason.strip() or None,
            request=request,
        )
