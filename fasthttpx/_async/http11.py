"""One HTTP/1.1 connection: send a request, drive the response parser, decide reuse.

The parser (compiled or its twin) does all the parsing; this module moves bytes between it
and the backend stream. The connection never sees its pool: when an exchange ends it records
whether it can be reused (``reusable``: the response ended cleanly, allows keep-alive, and no
byte is left over: a stray byte means the server and we disagree about where a response
ends) and until when (``expires_at``), and whoever lent it (the pool) reads that.

A reused connection can go bad between the reuse check and our request (issue 17): the server
closes it (nothing arrives: ``_raise_no_response``), or bytes it sent after the previous
response land on it (a stray ``EXTRA``, an extra CRLF). Either way the request got no answer,
and ``StaleConnection`` lets the pool resend an idempotent request on a new connection. Stray
bytes are told from a response by their first bytes only (``could_start_status_line``: a
response starts with ``HTTP/1.x SP``, RFC 9112 §4), looked at only when the parser failed at
them or when the response head did not come whole in the first read: a response that arrives
whole costs nothing more.

A connection to a forward proxy (``forward``, set at creation) sends each request with an
absolute-form target (RFC 9112 §3.2.2) and the proxy's header fields; a direct connection
pays one ``is None`` test for that.

A request with the ``upgrade`` extension (``client.websocket()`` sets it) asked to switch
protocols (RFC 9110 §7.8): a 101 answer ends the exchange and the connection with it. Its
stream is handed over in the response's ``network_stream`` extension (wrapped in
``AsyncPrefixedStream`` when bytes of the new protocol arrived with the 101 head, so none is
lost), and the connection is left closed without closing that stream: its lender forgets it.
"""

from __future__ import annotations

import logging
import time
from collections import abc
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from .._events import KEEP_ALIVE_FIELD, Data, EndOfMessage, InformationalResponse, ResponseHead
from .._exceptions import ReadError, RemoteProtocolError, WriteError
from .._http11_state import (
    LAST_CHUNK,
    STATUS_LINE_START,
    could_start_status_line,
    expiry_delay,
    frame_chunk,
    keep_alive_timeout,
    request_head,
    serialize_request_head,
)
from .._implementation import ResponseParser, response_fields
from .._models import Headers, Request, RequestBody
from .._proxy import Route, absolute_form
from .._response import Response
from .._streams import AsyncTransportBody
from ..concurrency.base import AsyncNetworkStream
from .body import CompleteBody, close_iterator

if TYPE_CHECKING:
    import ssl

__all__ = ["AsyncHTTP11Connection", "AsyncHTTP11Body", "AsyncPrefixedStream",
           "StaleConnection", "Timeouts"]

#: Seconds per phase (``connect``, ``read``, ``write``, ``pool``); None: no limit.
Timeouts: TypeAlias = dict[str, float | None]

logger = logging.getLogger("fasthttpx")

READ_SIZE = 64 * 1024
WRITE_COALESCE_LIMIT = 64 * 1024  # bodies up to this size are sent in one write with the head


_METHOD_BYTES = {m: m.encode() for m in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                          "OPTIONS", "TRACE")}


_REASONS = {b"OK": "OK", b"Not Found": "Not Found", b"No Content": "No Content",
            b"Not Modified": "Not Modified", b"Found": "Found"}


CLOSED_BEFORE_RESPONSE = "the server closed a kept-alive connection before responding"
STRAY_BEFORE_RESPONSE = (
    "a kept-alive connection received stray bytes instead of a response (left over from "
    "before this request, so the server may never have read it)"
)


class StaleConnection(Exception):
    """A reused keep-alive connection was closed or reset before any response byte arrived,
    or what arrived cannot be the start of a response (stray bytes).

    ``what`` says which, for the message; ``str()`` gives the details. Internal: the pool
    retries idempotent requests on a new connection when it sees this, and turns it into a
    ``RemoteProtocolError`` otherwise."""

    def __init__(self, reason: str, what: str = CLOSED_BEFORE_RESPONSE) -> None:
        super().__init__(reason)
        self.what = what


class AsyncHTTP11Connection:
    """An HTTP/1.1 connection; one exchange at a time, no pipelining.

    ``keepalive_expiry``: seconds an idle connection stays reusable (a server's
    ``Keep-Alive: timeout`` may shorten it). ``in_exchange`` is true from a request until the
    end of its response (read, or given up); then ``reusable`` says whether another exchange
    may follow, until ``expires_at`` (monotonic seconds)."""

    http_version = "HTTP/1.1"

    def __init__(
        self,
        stream: AsyncNetworkStream,
        origin: tuple[str, bytes, int],
        parser_options: dict[str, int] | None,
        keepalive_expiry: float,
        forward: Route | None = None,
    ) -> None:
        self._stream = stream
        self._forward = forward
        self.origin = origin
        self._parser_options = parser_options
        self._keepalive_expiry = keepalive_expiry
        self.expires_at = float("inf")
        self.in_exchange = False
        self.reusable = False
        self.exchanges = 0
        self.closed = False

    def is_reusable_now(self) -> bool:
        return not self.closed and not self._stream.is_readable_or_closed()

    async def aclose(self) -> None:
        self.reusable = False
        if not self.closed:
            self.closed = True
            await self._stream.aclose()

    async def handle_async_request(self, request: Request, timeouts: Timeouts) -> Response:
        """Send ``request`` and return the response once its head has arrived (and, if it
        arrived in the same reads, its whole body: then the exchange is over when this
        returns). On any exception the caller must close this connection."""
        started = time.perf_counter()
        reused = self.exchanges > 0
        self.exchanges += 1
        self.in_exchange = True
        method = _METHOD_BYTES.get(request.method) or request.method.encode("ascii")
        stream = self._stream
        if self._forward is None:
            head, asks_close = request_head(request, method)
        else:
            headers = request.headers
            head, asks_close = serialize_request_head(
                method, absolute_form(request.url), headers, self._forward.fields_for(headers)
            )
        body = request.body
        write_error: WriteError | None = None
        try:
            # Bytes go out whole with the head (a streamed body read into memory is a
            # ``ByteStream``, sent by ``_send_body`` as its headers say: chunked or not).
            if type(body) is bytes or (
                isinstance(body, bytes) and "transfer-encoding" not in request.headers
            ):
                if len(body) <= WRITE_COALESCE_LIMIT:
                    await stream.write(head + body if body else head, timeouts["write"])
                else:
                    await stream.write(head, timeouts["write"])
                    await stream.write(body, timeouts["write"])
            else:
                await stream.write(head, timeouts["write"])
                await self._send_body(request, body, timeouts["write"])
        except WriteError as exc:
            # A server may answer before taking the whole request (a 413 or a 401 to an
            # upload) and close: read what it said, as curl does. If it said nothing, the
            # write error stands (on a reused connection: the connection was stale).
            write_error = exc
            asks_close = True  # the request did not go out whole: never reuse

        options = self._parser_options
        parser = ResponseParser(method, **options) if options else ResponseParser(method)
        if "upgrade" in request.extensions:  # a 101 may answer it (RFC 9110 §15.2.2)
            parser.allow_upgrade()
        read_timeout = timeouts["read"]
        pieces: list[bytes] = []
        response_head: ResponseHead | None = None
        finished = False
        head_start = b""  # on a reused connection: the first bytes, until they can be judged
        while response_head is None:
            try:
                data = await stream.read(READ_SIZE, read_timeout)
            except ReadError as exc:
                if parser.bytes_received == 0:
                    _raise_no_response(reused, write_error, exc)
                raise
            try:
                if data:
                    events = parser.feed(data)
                elif parser.bytes_received == 0 and (reused or write_error is not None):
                    _raise_no_response(reused, write_error, None)
                else:
                    events = parser.feed_eof()
            except RemoteProtocolError as exc:
                if reused and len(head_start) < STATUS_LINE_START:
                    _raise_if_stray(head_start + data[:STATUS_LINE_START], parser, exc)
                raise
            if len(events) == 3 and type(events[0]) is ResponseHead:
                # The usual small response, whole in one read: by the parser's contract,
                # three events that start with the head are the head, the body and the end.
                response_head = events[0]
                pieces.append(events[1].data)  # type: ignore[union-attr]
                finished = True
                break
            if reused and len(head_start) < STATUS_LINE_START:
                # The head is not all here yet: judge its first bytes now rather than when
                # the line ends (a stray ``EXTRA`` may never be followed by a line end).
                head_start += data[:STATUS_LINE_START]
                _raise_if_stray(head_start, parser, None)
            for event in events:
                if type(event) is Data:
                    pieces.append(event.data)
                elif type(event) is ResponseHead:
                    response_head = event
                elif type(event) is EndOfMessage:
                    finished = True
                elif type(event) is InformationalResponse:
                    continue
        headers = Headers.from_raw(response_head.headers)
        fields = response_fields(response_head.headers)
        body_stream: AsyncHTTP11Body | CompleteBody
        if finished:  # the whole response is here: the exchange is over
            if response_head.status_code == 101:
                return self._switch_protocols(parser, response_head, headers, request, started)
            body_stream = CompleteBody(pieces)
            self._end_exchange(parser, asks_close, response_head.headers, fields)
        else:
            body_stream = AsyncHTTP11Body(
                self, parser, pieces, read_timeout, asks_close, response_head.headers, fields
            )
        return Response.from_wire(
            response_head.status_code,
            headers,
            body_stream,
            request,
            "HTTP/1.0" if response_head.http_version == b"1.0" else "HTTP/1.1",
            _REASONS.get(response_head.reason) or response_head.reason.decode("latin-1"),
            started,
            fields,
        )

    def _switch_protocols(
        self,
        parser: ResponseParser,
        head: ResponseHead,
        headers: Headers,
        request: Request,
        started: float,
    ) -> Response:
        """101 to an upgrade request: the stream leaves HTTP (see the module docstring)."""
        self.reusable = False
        self.in_exchange = False
        self.closed = True  # over for HTTP; closing it must not close the handed-over stream
        stream: AsyncNetworkStream = self._stream
        if parser.unused_data:
            stream = AsyncPrefixedStream(stream, parser.unused_data)
        response = Response.from_wire(
            101, headers, CompleteBody([]), request, "HTTP/1.1",
            head.reason.decode("latin-1"), started,
        )
        response.extensions = {"network_stream": stream}
        return response

    async def _send_body(
        self, request: Request, body: RequestBody, write_timeout: float | None
    ) -> None:
        chunked = "content-length" not in request.headers
        if hasattr(body, "__aiter__"):
            pieces = cast("abc.AsyncIterable[bytes]", body).__aiter__()
            try:
                async for piece in pieces:
                    if piece:
                        await self._stream.write(
                            frame_chunk(piece) if chunked else piece, write_timeout
                        )
            finally:  # a failed write leaves the body's generator closed, not to the GC
                await close_iterator(pieces)
        else:
            for piece in cast("abc.Iterable[bytes]", body):  # bytes bodies are written whole
                if piece:
                    await self._stream.write(
                        frame_chunk(piece) if chunked else piece, write_timeout
                    )
        if chunked:
            await self._stream.write(LAST_CHUNK, write_timeout)

    def _end_exchange(
        self,
        parser: ResponseParser,
        asked_close: bool,
        head_fields: list[tuple[bytes, bytes]],
        fields: int,
    ) -> None:
        """The response ended cleanly: the connection may serve another exchange unless the
        response, stray bytes or our own ``Connection: close`` (``asked_close``) forbid it,
        until its keep-alive expiry (shortened by the server's ``Keep-Alive: timeout``).
        No await here: whoever lent the connection reads the outcome as soon as it returns."""
        reusable = parser.keep_alive and not asked_close and not parser.unused_data
        if reusable:
            delay = self._keepalive_expiry
            if fields & KEEP_ALIVE_FIELD:
                value = b", ".join([v for n, v in head_fields if n.lower() == b"keep-alive"])
                delay = expiry_delay(delay, keep_alive_timeout(value))
            if delay <= 0:
                reusable = False
            self.expires_at = time.monotonic() + delay
        elif parser.unused_data:
            logger.debug("discarding connection to %r: %d stray bytes after the response",
                         self.origin, len(parser.unused_data))
        self.reusable = reusable
        self.in_exchange = False

    def _abandon_exchange(self) -> None:
        """The rest of the response will not be read (given up, or reading failed): the
        connection cannot be reused."""
        self.reusable = False
        self.in_exchange = False


def _raise_no_response(
    reused: bool, write_error: WriteError | None, read_error: ReadError | None
) -> None:
    """The connection ended before any response byte: on a reused connection that is a
    stale keep-alive connection (the pool may retry); else the failed write, if any, is
    the error that matters. Returns only when neither applies."""
    cause = write_error or read_error
    if reused:
        reason = str(cause) if cause is not None else \
            "the server closed the connection without a response"
        raise StaleConnection(reason) from cause
    if write_error is not None:
        raise write_error


def _raise_if_stray(
    head_start: bytes, parser: ResponseParser, error: RemoteProtocolError | None
) -> None:
    """On a reused connection, the response's first bytes ``head_start`` cannot begin a
    status line (RFC 9112 §4): they are stray bytes the server sent before our request
    reached it, not an answer (``error``: what the parser made of them). Returns if they can
    begin one."""
    if could_start_status_line(head_start):
        return
    reason = (
        f"{parser.bytes_received} bytes starting {head_start[:STATUS_LINE_START]!r} "
        "are not an HTTP/1.x status line"
    )
    if error is not None:
        reason += f": {error}"
    raise StaleConnection(reason, STRAY_BEFORE_RESPONSE) from error


class AsyncHTTP11Body(AsyncTransportBody):
    """The body of one response, read from the connection as the caller consumes it.

    ``done`` turns true when the exchange on the connection is over: the end of the message
    was parsed (then the connection's state says whether it can be reused), or reading
    failed or was given up (then it cannot)."""

    __slots__ = ("_conn", "_parser", "_pieces", "_ended", "done", "_timeout", "_asked_close",
                 "_head_fields", "_fields")

    def __init__(
        self,
        conn: AsyncHTTP11Connection,
        parser: ResponseParser,
        pieces: list[bytes],
        timeout: float | None,
        asked_close: bool,
        head_fields: list[tuple[bytes, bytes]],
        fields: int,
    ) -> None:
        self._conn = conn
        self._parser = parser
        self._pieces = pieces
        self._ended = False
        self.done = False
        self._timeout = timeout
        self._asked_close = asked_close
        self._head_fields = head_fields  # for Keep-Alive, read when the exchange ends
        self._fields = fields  # ``response_fields`` of the head

    async def _read_more(self) -> None:
        parser = self._parser
        try:
            data = await self._conn._stream.read(READ_SIZE, self._timeout)
            events = parser.feed(data) if data else parser.feed_eof()
        except BaseException:
            self._give_up()
            raise
        for event in events:
            if type(event) is Data:
                self._pieces.append(event.data)
            elif type(event) is EndOfMessage:
                self._ended = True
        if self._ended and not self.done:
            self.done = True
            self._conn._end_exchange(
                parser, self._asked_close, self._head_fields, self._fields
            )

    def _give_up(self) -> None:
        if not self.done:
            self.done = True
            self._conn._abandon_exchange()

    def take_complete(self) -> None:
        """Always None: a body that had arrived whole with its head would be a
        ``CompleteBody``, and this one arrives only as it is read."""
        return None

    async def read_all(self) -> bytes:
        """The rest of the body in one piece."""
        while not self._ended:
            await self._read_more()
        pieces = self._pieces
        self._pieces = []
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            if self._pieces:
                pieces = self._pieces
                self._pieces = []
                for piece in pieces:
                    yield piece
            if self._ended:
                return
            await self._read_more()

    async def aclose(self) -> None:
        """Give up on the rest: a connection with an unread body cannot be reused (whoever
        lent it closes it)."""
        self._give_up()


class AsyncPrefixedStream:
    """A stream handed over after a 101 whose first bytes already arrived with the head:
    reads return ``prefix`` first, then pass through to ``stream``. A new protocol's code
    may take both (``prefix``, ``stream``) and read the stream itself."""

    __slots__ = ("stream", "prefix")

    def __init__(self, stream: AsyncNetworkStream, prefix: bytes) -> None:
        self.stream = stream
        self.prefix = prefix

    async def read(self, max_bytes: int, timeout: float | None) -> bytes:
        prefix = self.prefix
        if prefix:
            self.prefix = b""
            return prefix
        return await self.stream.read(max_bytes, timeout)

    async def write(self, data: bytes, timeout: float | None) -> None:
        await self.stream.write(data, timeout)

    async def aclose(self) -> None:
        self.prefix = b""
        await self.stream.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None, timeout: float | None
    ) -> AsyncNetworkStream:
        if self.prefix:
            raise RuntimeError("start_tls with unread bytes of the previous protocol")
        return await self.stream.start_tls(ssl_context, server_hostname, timeout)

    def is_readable_or_closed(self) -> bool:
        return bool(self.prefix) or self.stream.is_readable_or_closed()

    def get_extra_info(self, name: str) -> Any:
        return self.stream.get_extra_info(name)
