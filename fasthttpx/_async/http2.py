"""One HTTP/2 connection carrying many concurrent requests: the I/O shell around ``HTTP2State``.

All protocol decisions are in ``_http2_state`` (sans-I/O); this module only moves bytes and
waits. Several requests (tasks, or threads in the generated sync twin) share the socket:

* **Reading**: at most one of them is the *reader* at a time. A request that needs something
  (its response head, more body, a flow-control window, a free stream slot) takes the reader
  role if nobody has it, and reads and dispatches until its own need is met; the others wait
  on a fresh backend event, which the reader sets when their stream was touched (or for
  everyone, on connection-wide news). Leaving the role, the reader wakes one waiter to take
  it over, so no waiter is left without a reader. Waiters wait without a timeout: the read
  timeout is the reader's, and a reader that times out hands the role on.
* **Writing**: the core queues outgoing bytes; whoever queued some flushes them unless
  someone is already writing, in which case that writer picks them up before it stops (a
  single writer at a time, as asyncio's drain and trio's ``send_all`` require). On one event
  loop, a request opening a stream while others run yields once before flushing, so that the
  requests started in the same turn leave in one write (one TLS record, one system call).
* The backend lock guards only sections that never await; h2 is only touched inside it.

The connection never sees its pool: it records when it goes idle (``expires_at``) and says
whether it takes new streams; the pool counts the streams it hands out and is told by the
response body's lease when one is over.
"""

from __future__ import annotations

import time
from collections import abc
from collections.abc import AsyncIterator, Callable
from typing import cast

from .._exceptions import ReadError, ReadTimeout, TransportError, WriteError
from .._http2_state import H2Stream, HTTP2State, renew
from .._implementation import response_fields
from .._models import Headers, Request, RequestBody
from .._response import Response
from .._status_codes import codes
from .._streams import AsyncTransportBody
from ..concurrency.base import AsyncBackend, AsyncEvent, AsyncNetworkStream
from .body import close_iterator
from .http11 import StaleConnection, Timeouts

__all__ = ["AsyncHTTP2Connection", "AsyncHTTP2Body"]

#: Bytes asked of the socket per read (several DATA frames at once).
READ_SIZE = 256 * 1024


class AsyncHTTP2Connection:
    """An HTTP/2 connection; many exchanges at once, one stream each.

    ``keepalive_expiry``: seconds the connection stays reusable once no exchange runs on it
    (``expires_at``, monotonic seconds; infinite while one runs)."""

    http_version = "HTTP/2"

    def __init__(
        self,
        stream: AsyncNetworkStream,
        origin: tuple[str, bytes, int],
        backend: AsyncBackend,
        keepalive_expiry: float,
        options: dict[str, int] | None = None,
    ) -> None:
        self._stream = stream
        self.origin = origin
        self._keepalive_expiry = keepalive_expiry
        self._backend = backend
        self._lock = backend.create_lock()
        #: One event loop: a yield lets the other tasks queue their frames before a write.
        self._coalesce: bool = getattr(backend, "single_threaded", False)
        self._state = HTTP2State(**(options or {}))
        self._scheme = origin[0].encode("ascii")
        self._reading = False
        self._writing = False
        self._waiters: dict[object, AsyncEvent] = {}
        self._running = 0  # exchanges begun and not yet ended
        self.expires_at = float("inf")
        self.exchanges = 0
        self.closed = False

    # -- state, as a pool sees it ------------------------------------------------------------

    @property
    def max_streams(self) -> int:
        """How many streams may run at once (the peer's SETTINGS_MAX_CONCURRENT_STREAMS,
        within our own limit)."""
        return self._state.max_streams

    def accepts_new_streams(self) -> bool:
        return not self.closed and self._state.accepts_new_streams()

    def is_reusable_now(self) -> bool:
        return self.accepts_new_streams()

    async def start(self, timeout: float | None) -> None:
        """Send the connection preface and our settings (RFC 9113 §3.4)."""
        with self._lock:
            self._state.initiate()
        await self._flush(timeout)

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            with self._lock:
                self._state.fail(ReadError("the connection was closed"))
                self._wake_all()
            await self._stream.aclose()

    # -- one exchange --------------------------------------------------------------------------

    async def handle_async_request(self, request: Request, timeouts: Timeouts) -> Response:
        """Send ``request`` on a new stream; return once the response head arrived. The
        exchange ends with the response body (``AsyncHTTP2Body``), or with the exception
        raised here."""
        started = time.perf_counter()
        with self._lock:
            self._running += 1
            self.expires_at = float("inf")
            # Alone on a connection that served before: if the server closed it while idle
            # (or said GOAWAY before seeing our stream), the pool may retry on a new one.
            reused = self.exchanges > 0 and self._running == 1
            self.exchanges += 1
        body = request.body
        try:
            stream = await self._open_stream(request, body == b"", timeouts)
        except BaseException:
            with self._lock:
                self._exchange_ended()
            raise
        try:
            if body != b"":
                await self._send_body(stream, body, timeouts)
            await self._wait(
                stream.stream_id,
                lambda: stream.status != 0 or stream.error is not None or stream.ended,
                timeouts["read"],
            )
            error = stream.error
            if error is not None:
                if reused and stream.status == 0 and not stream.pieces and (
                    stream.unprocessed or self._state.error is not None
                ):
                    raise StaleConnection(str(error)) from error
                raise renew(error, request)
        except BaseException:
            await self._end_stream(stream)
            raise
        return Response.from_wire(
            stream.status,
            Headers.from_raw(stream.headers),
            AsyncHTTP2Body(self, stream, timeouts["read"], request),
            request,
            "HTTP/2",
            codes.get_reason_phrase(stream.status),
            started,
            response_fields(stream.headers),
        )

    async def _open_stream(
        self, request: Request, end_stream: bool, timeouts: Timeouts
    ) -> H2Stream:
        state = self._state
        url = request.url
        method = request.method.encode("ascii")
        while True:
            with self._lock:
                if state.error is None and not state.can_open_stream():
                    stream = None  # the server's limit is below what the pool assumed: wait
                else:
                    stream = state.open_stream(
                        method, self._scheme, url.netloc, url.raw_path, request.headers.raw,
                        end_stream,
                    )
            if stream is not None:
                break
            await self._wait(
                object(), lambda: state.can_open_stream() or state.error is not None,
                timeouts["read"],
            )
        if self._coalesce and self._running > 1:
            # Other requests on this connection are likely opening streams in this same turn
            # of the event loop (a batch of responses woke them): let them queue their
            # HEADERS first, so that one write (one TLS record, one system call) carries
            # them all. Whoever flushes first sends everything queued; if this task is
            # cancelled meanwhile, ending its stream flushes.
            await self._backend.sleep(0)
        await self._flush(timeouts["write"])
        return stream

    async def _send_body(
        self, stream: H2Stream, body: RequestBody, timeouts: Timeouts
    ) -> None:
        """Send the request body as the flow-control windows allow (RFC 9113 §6.9)."""
        pieces = body  # not narrowed below: the casts say which kind each branch has
        if isinstance(body, bytes):
            await self._send_piece(stream, body, timeouts)
        elif hasattr(body, "__aiter__"):
            iterator = cast("abc.AsyncIterable[bytes]", pieces).__aiter__()
            try:
                async for piece in iterator:
                    await self._send_piece(stream, piece, timeouts)
            finally:  # a failed send leaves the body's generator closed, not to the GC
                await close_iterator(iterator)
        else:
            for piece in cast("abc.Iterable[bytes]", pieces):
                await self._send_piece(stream, piece, timeouts)
        with self._lock:
            if stream.error is None and not self._state.request_done_sending(stream):
                self._state.end_stream(stream)
        await self._flush(timeouts["write"])

    async def _send_piece(self, stream: H2Stream, piece: bytes, timeouts: Timeouts) -> None:
        state = self._state
        view = memoryview(piece)
        offset = 0
        while offset < len(view):
            with self._lock:
                if stream.error is not None or state.request_done_sending(stream):
                    return  # the error (or the early response) is seen by the head wait
                window = state.send_window(stream)
                if window:
                    size = min(window, len(view) - offset)
                    state.send_data(stream, view[offset:offset + size], False)
                    offset += size
            if window:
                await self._flush(timeouts["write"])
            else:
                await self._wait(
                    stream.stream_id,
                    lambda: state.send_window(stream) > 0 or stream.error is not None
                    or state.request_done_sending(stream),
                    timeouts["read"],
                )

    async def _end_stream(self, stream: H2Stream) -> None:
        """The caller is done with ``stream`` (complete or abandoned): forget it, reset it if
        still open; the exchange is over."""
        with self._lock:
            self._state.close_stream(stream)
            self._exchange_ended()
        if not self.closed:
            try:
                await self._flush(None)  # a RST_STREAM or WINDOW_UPDATE may be waiting
            except TransportError:
                pass

    def _exchange_ended(self) -> None:
        """Under the lock: one exchange is over; the last one starts the idle clock."""
        self._running -= 1
        if self._running == 0:
            self.expires_at = time.monotonic() + self._keepalive_expiry

    # -- reading and writing -----------------------------------------------------------------

    async def _wait(
        self, key: object, ready: Callable[[], object], timeout: float | None
    ) -> None:
        """Return once ``ready()`` is true, reading as the reader or waiting for the one."""
        lock = self._lock
        while True:
            with lock:
                if ready():
                    if not self._reading and self._waiters:
                        self._wake_next()  # a reader left while we were waking: take over
                    return
                event: AsyncEvent | None = None
                if self._reading:
                    event = self._waiters[key] = self._backend.create_event()
                else:
                    self._reading = True
            if event is None:
                try:
                    while not ready():
                        await self._read_some(timeout)
                finally:
                    with lock:
                        self._reading = False
                        if self._waiters:
                            self._wake_next()
                return
            try:
                await event.wait(None)
            except BaseException:
                with lock:
                    if self._waiters.get(key) is event:
                        del self._waiters[key]
                    elif not self._reading and self._waiters:
                        self._wake_next()  # we were chosen to read: pass that on
                raise

    def _wake_next(self) -> None:
        self._waiters.popitem()[1].set()

    def _wake_all(self) -> None:
        waiters = self._waiters
        if waiters:
            self._waiters = {}
            for event in waiters.values():
                event.set()

    async def _read_some(self, timeout: float | None) -> None:
        """One socket read, dispatched to the streams. Connection failures are recorded in
        the state (every unfinished stream fails); only a timeout is raised."""
        try:
            data = await self._stream.read(READ_SIZE, timeout)
        except ReadTimeout:
            raise
        except TransportError as exc:
            await self._connection_failed(exc)
            return
        lock = self._lock
        with lock:
            if not data:
                self._state.connection_closed()
                self._wake_all()
                failed = True
            else:
                touched, everyone = self._state.receive_data(data)
                failed = self._state.error is not None
                if everyone:
                    self._wake_all()
                elif touched:
                    waiters = self._waiters
                    for stream_id in touched:
                        event = waiters.pop(stream_id, None)
                        if event is not None:
                            event.set()
        try:
            await self._flush(timeout)
        except TransportError:
            pass  # recorded by _flush
        if failed:
            await self._connection_failed(None)

    async def _connection_failed(self, exc: TransportError | None) -> None:
        with self._lock:
            if exc is not None:
                self._state.fail(exc)
            self._wake_all()
        if not self.closed:
            self.closed = True
            await self._stream.aclose()

    async def _flush(self, timeout: float | None) -> None:
        """Send what h2 has queued, unless another task is already doing so (it will send
        ours too before it stops)."""
        lock = self._lock
        state = self._state
        with lock:
            if self._writing:
                return
            data = state.data_to_send()
            if not data:
                return
            self._writing = True
        try:
            while data:
                await self._stream.write(data, timeout)
                with lock:
                    data = state.data_to_send()
                    if not data:
                        self._writing = False
        except BaseException as exc:
            with lock:
                self._writing = False
                if isinstance(exc, TransportError):
                    error: TransportError = exc
                else:
                    error = WriteError(f"sending was interrupted ({type(exc).__name__})")
                    error.__cause__ = exc
                state.fail(error)  # a frame may be half-sent: the connection is unusable
                self._wake_all()
            raise


class AsyncHTTP2Body(AsyncTransportBody):
    """The body of one HTTP/2 response, acknowledged to the server as the caller reads it.
    ``done`` turns true when its exchange is over (read to the end, failed or given up)."""

    __slots__ = ("_conn", "_stream", "_timeout", "_request", "done")

    def __init__(
        self, conn: AsyncHTTP2Connection, stream: H2Stream, timeout: float | None,
        request: Request,
    ) -> None:
        self._conn = conn
        self._stream = stream
        self._timeout = timeout
        self._request = request
        self.done = False

    async def _next_pieces(self) -> list[bytes] | None:
        """The pieces received since the last call (waiting for some if there are none);
        None at the end of the body."""
        conn = self._conn
        stream = self._stream
        while True:
            with conn._lock:
                pieces = conn._state.take_pieces(stream)
                ended = stream.ended
                error = stream.error
            if pieces:
                try:
                    await conn._flush(self._timeout)
                except TransportError:
                    pass  # the stream's error says what happened
                return pieces
            if error is not None:
                await self.aclose()
                raise renew(error, self._request)
            if ended:
                await self._finish()
                return None
            try:
                await conn._wait(
                    stream.stream_id,
                    lambda: stream.pieces or stream.ended or stream.error is not None,
                    self._timeout,
                )
            except BaseException:
                await self.aclose()
                raise

    async def _finish(self) -> None:
        if not self.done:
            self.done = True
            await self._conn._end_stream(self._stream)

    def take_complete(self) -> bytes | None:
        """The whole body if it has already arrived and the stream can end without awaiting
        (the connection stays open), else None: ``read()`` then skips two awaits. A
        WINDOW_UPDATE this queues leaves with the connection's next write."""
        stream = self._stream
        conn = self._conn
        if self.done or not stream.ended or stream.error is not None \
                or not conn.accepts_new_streams():
            return None
        self.done = True
        with conn._lock:
            pieces = conn._state.take_pieces(stream)
            conn._state.close_stream(stream)
            conn._exchange_ended()
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    async def read_all(self) -> bytes:
        """The rest of the body in one piece."""
        chunks: list[bytes] = []
        while True:
            pieces = await self._next_pieces()
            if pieces is None:
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)
            chunks += pieces

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            pieces = await self._next_pieces()
            if pieces is None:
                return
            for piece in pieces:
                yield piece

    async def aclose(self) -> None:
        """Stop reading: an unfinished stream is reset (CANCEL), the connection stays."""
        await self._finish()
