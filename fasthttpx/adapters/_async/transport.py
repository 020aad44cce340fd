"""The engine under an httpx-family client (``fasthttpx.adapters``): the library's requests
sent by our connection pool, our responses handed back as the library's own. Written once,
async; ``adapters/_sync/transport.py`` is generated from it.

``AsyncAdapterTransport`` is what both adapters' transports are (``adapters/httpx.py`` and
``adapters/httpx2.py`` bind it to their library); the conversions are ``adapters/_mapping.py``'s.
The pool underneath is our ``AsyncHTTPTransport`` (with its connect retries), for the backend
``backend=`` names, else the one for the async library running (asyncio, uvloop or trio). An
httpx client is usually built before any event loop runs: then the pool is made at the first
request, the first moment that library is known (on one event loop, so no two requests can
race to make it). The sync twin makes its pool at once.

``AsyncAdapterStream`` is the response body as the library's byte stream: each piece is handed
on as soon as the connection has it (nothing is buffered, so each server-sent event reaches
``aiter_bytes()`` when it arrives), our errors become the library's, and ``aclose()`` gives the
connection back. It is its own iterator, not a generator, so that a stream given up half way
leaves no suspended frame of ours for the garbage collector to finish.

``AsyncAdapterNetworkStream`` is the connection a 101 answer hands over (httpx2's
``client.websocket()``), in the ``network_stream`` response extension, as httpcore's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ..._async.body import close_iterator
from ..._transports import AsyncHTTPTransport
from ...concurrency.asyncio import running_backend
from ...concurrency.base import AsyncBackend
from .._mapping import ERRORS, Library, engine_options, response_extensions, to_request

if TYPE_CHECKING:
    import ssl

    from ...concurrency.base import AsyncNetworkStream

__all__ = ["AsyncAdapterTransport", "AsyncAdapterStream", "AsyncAdapterNetworkStream"]


class AsyncAdapterStream:
    """A response body for the library (see the module docstring)."""

    __slots__ = ("_body", "_pieces", "_library", "_request", "_done", "_handed_over")

    def __init__(
        self, body: Any, library: Library, request: Any,
        handed_over: AsyncAdapterNetworkStream | None = None,
    ) -> None:
        self._body = body  # our response's body stream (in memory, or leased from the pool)
        self._pieces: AsyncIterator[bytes] | None = None
        self._library = library
        self._request = request
        self._done = False
        #: The connection a 101 handed over, if any: closing the response closes it.
        self._handed_over = handed_over

    def __aiter__(self) -> AsyncAdapterStream:
        return self

    async def __anext__(self) -> bytes:
        pieces = self._pieces
        if pieces is None:
            if self._done:
                raise StopAsyncIteration
            data = self._body.take_complete()  # arrived whole with the head: no I/O
            if data is not None:
                self._done = True
                if data:
                    return data  # type: ignore[no-any-return]
                raise StopAsyncIteration
            pieces = self._pieces = self._body.__aiter__()
        try:
            return await pieces.__anext__()
        except ERRORS as exc:
            raise self._library.error(exc, self._request) from exc

    async def aclose(self) -> None:
        pieces, self._pieces = self._pieces, None
        self._done = True
        try:
            await close_iterator(pieces)  # the lease's generator, finished now, not by the GC
            await self._body.aclose()
        except ERRORS as exc:
            raise self._library.error(exc, self._request) from exc
        handed_over, self._handed_over = self._handed_over, None
        if handed_over is not None:
            await handed_over.aclose()


#: httpcore's ``get_extra_info`` names that ours spell differently.
_EXTRA_INFO_NAMES = {"client_addr": "sockname", "server_addr": "peername"}


class AsyncAdapterNetworkStream:
    """A connection handed over by a 101 answer, as the library's WebSocket code reads and
    writes it: httpcore's network stream interface (``timeout`` optional, ``None`` for no
    limit), with httpcore's exceptions (``Library.network_error``)."""

    __slots__ = ("_stream", "_library")

    def __init__(self, stream: AsyncNetworkStream, library: Library) -> None:
        self._stream = stream
        self._library = library

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return await self._stream.read(max_bytes, timeout)
        except ERRORS as exc:
            raise self._library.network_error(exc) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            await self._stream.write(buffer, timeout)
        except ERRORS as exc:
            raise self._library.network_error(exc) from exc

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        except ERRORS as exc:
            raise self._library.network_error(exc) from exc

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> AsyncAdapterNetworkStream:
        try:
            stream = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        except ERRORS as exc:
            raise self._library.network_error(exc) from exc
        return AsyncAdapterNetworkStream(stream, self._library)

    def get_extra_info(self, info: str) -> Any:
        """httpcore's names (``client_addr``, ``server_addr``, ``is_readable``) and ours."""
        if info == "is_readable":
            return self._stream.is_readable_or_closed()
        return self._stream.get_extra_info(_EXTRA_INFO_NAMES.get(info, info))


class AsyncAdapterTransport:
    """An httpx-family transport with fasthttpx's pool underneath; its constructor takes the
    library transport's arguments, plus ``backend`` (see the module docstring)."""

    #: Set by each adapter: the library, and our stream subclassing the library's stream.
    library: ClassVar[Library]
    stream_class: ClassVar[type[AsyncAdapterStream]]

    def __init__(
        self,
        verify: Any = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: Any = None,
        proxy: Any = None,
        uds: str | None = None,
        local_address: str | None = None,
        retries: int = 0,
        socket_options: Sequence[Any] | None = None,
        *,
        backend: AsyncBackend | None = None,
    ) -> None:
        self._options = engine_options(
            self.library, verify=verify, cert=cert, trust_env=trust_env, http1=http1,
            http2=http2, limits=limits, proxy=proxy, uds=uds, local_address=local_address,
            retries=retries, socket_options=socket_options,
        )
        self._engine: AsyncHTTPTransport | None = None
        self._closed = False
        self._upgrades = http1  # protocol switches need HTTP/1.1
        if backend is None:
            backend = running_backend()
        self._backend = backend
        if backend is not None:
            self._start()

    def _start(self) -> AsyncHTTPTransport:
        if self._closed:
            raise RuntimeError("the transport has been closed")
        backend = self._backend
        if backend is None:
            backend = self._backend = running_backend()
            if backend is None:
                raise RuntimeError("no async library is running: an AsyncTransport needs one")
        engine = self._engine = AsyncHTTPTransport(backend=backend, **self._options)
        return engine

    async def handle_async_request(self, request: Any) -> Any:
        engine = self._engine
        if engine is None:
            engine = self._start()
        library = self.library
        try:
            response = await engine.handle_async_request(
                to_request(request, library.byte_stream_class, self._upgrades)
            )
        except ERRORS as exc:
            raise library.error(exc, request) from exc
        extensions = response_extensions(response.http_version, response.reason_phrase)
        network = None
        if response.status_code == 101:
            handed_over = response.extensions.get("network_stream")
            if handed_over is not None:
                network = extensions["network_stream"] = \
                    AsyncAdapterNetworkStream(handed_over, library)
        return library.response_class(
            response.status_code,
            headers=response.headers.raw,
            # A connection handed over closes with the response, as httpcore does.
            stream=self.stream_class(response._body_stream, library, request, network),
            extensions=extensions,
        )

    async def aclose(self) -> None:
        self._closed = True
        engine = self._engine
        if engine is not None:
            try:
                await engine.aclose()
            except ERRORS as exc:
                raise self.library.error(exc) from exc
