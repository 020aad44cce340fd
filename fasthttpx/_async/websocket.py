"""``client.websocket(url)``: a WebSocket session (RFC 6455) over one of the client's
connections.

The handshake is an ordinary ``GET`` through ``client.send()`` (auth, cookies, headers,
redirects, proxies by CONNECT, TLS for ``wss://``) with the ``upgrade`` request extension:
the HTTP/1.1 connection hands its stream over on 101 and the pool forgets it. The session then
talks to the network only through the backend stream (``read``/``write``/``aclose``), with the
protocol in ``WebSocketState`` (no I/O) and the frame codec in the compiled core.

Reading is done by whoever needs bytes, not by a background task: a ``receive*()`` call reads
the stream itself (one wake-up per message, as cheap as a plain stream read), and so do
``close()`` waiting for the server's close frame, ``Pong.wait()``, and the keepalive task when
nobody else is reading. One of them reads at a time (``_reading``); the others wait until it
has parsed what it read, then look again. Messages read by someone other than their receiver
wait in ``WebSocketState.messages``; the keepalive task stops reading when ``queue_size`` of
them are waiting. Writes are serialised (``_sending``), so frames never interleave and
compressed messages go out in the order their compression context saw them.

What users of other clients complain about, and what happens here instead:

* ``close()`` and a cancelled task unblock a pending ``receive*()``: a cancelled read gives
  the stream back (no byte is lost), and after ``close()`` every receive raises
  ``WebSocketDisconnect`` as soon as the server answers, or the close timeout ends the wait;
* a peer that stops answering pings within ``keepalive_ping_timeout_seconds`` is dead: the
  session ends with ``WebSocketNetworkError``, raised by every pending and later receive;
* a message over ``max_message_size_bytes`` closes the session with 1009 and raises
  ``WebSocketProtocolError`` saying so, before its payload is buffered;
* the close handshake is bounded by ``close_timeout_seconds``; the connection is closed after
  it, whatever happened;
* nothing but the exceptions of ``fasthttpx`` leaves a session: never an ExceptionGroup, never
  a ``wsproto`` error.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Literal

from .._config import UNSET, UnsetType
from .._exceptions import (
    ReadError,
    ReadTimeout,
    WebSocketDisconnect,
    WebSocketError,
    WebSocketInvalidTypeReceived,
    WebSocketNetworkError,
    WebSocketProtocolError,
    WebSocketTimeout,
    WebSocketUpgradeError,
    WriteError,
    WriteTimeout,
)
from .._models import Headers
from .._websocket_handshake import handshake_headers, new_key, validate_response
from .._websocket_state import (
    BINARY,
    NORMAL_CLOSURES,
    PONG,
    SEND_IN_PIECES,
    TEXT,
    WebSocketState,
    close_payload,
)
from ..concurrency.base import AsyncBackend, AsyncEvent, AsyncNetworkStream
from .http11 import AsyncPrefixedStream

if TYPE_CHECKING:
    from .._auth import AuthTypes
    from .._config import TimeoutTypes
    from .._cookies import CookieTypes
    from .._models import HeaderTypes
    from .._response import Response
    from .._urls import URL, QueryParamTypes
    from .client import AsyncClient

__all__ = [
    "AsyncWebSocketSession", "AsyncPong", "connect_websocket", "JSONMode",
    "DEFAULT_MAX_MESSAGE_SIZE_BYTES", "DEFAULT_QUEUE_SIZE",
    "DEFAULT_KEEPALIVE_PING_INTERVAL_SECONDS", "DEFAULT_KEEPALIVE_PING_TIMEOUT_SECONDS",
    "DEFAULT_CLOSE_TIMEOUT_SECONDS",
]

# HTTPX-WS's defaults, so that code moving over behaves the same.
DEFAULT_MAX_MESSAGE_SIZE_BYTES = 65_536
DEFAULT_QUEUE_SIZE = 512
DEFAULT_KEEPALIVE_PING_INTERVAL_SECONDS = 20.0
DEFAULT_KEEPALIVE_PING_TIMEOUT_SECONDS = 20.0
#: How long ``close()`` waits for the server's close frame before closing the connection.
DEFAULT_CLOSE_TIMEOUT_SECONDS = 10.0

READ_SIZE = 256 * 1024

JSONMode = Literal["text", "binary"]

_SCHEMES = {"ws": "http", "wss": "https", "http": "http", "https": "https"}


def _require_wsproto() -> None:
    try:
        import wsproto  # noqa: F401
    except ImportError:  # pragma: no cover - the test extra installs it
        raise ImportError(
            "WebSocket support needs the wsproto package: pip install fasthttpx[ws]"
        ) from None


def _wrong_type(expected: int, opcode: int, data: str | bytes) -> WebSocketInvalidTypeReceived:
    wanted, got = ("text", "binary") if expected == TEXT else ("binary", "text")
    return WebSocketInvalidTypeReceived(
        _message_event(opcode, data), f"expected a {wanted} message, received a {got} one"
    )


def _message_event(opcode: int, data: str | bytes) -> Any:
    """A received message as the ``wsproto`` event HTTPX-WS's ``receive()`` returns."""
    from wsproto.events import BytesMessage, TextMessage

    if opcode == TEXT:
        return TextMessage(data=data)  # type: ignore[arg-type]
    return BytesMessage(data=data)  # type: ignore[arg-type]


class AsyncPong:
    """The answer to one ``ping()``: ``await pong.wait()`` returns once the server's pong
    (to this ping or a later one) has been read, reading the connection itself if nobody
    else does."""

    __slots__ = ("_session", "_number")

    def __init__(self, session: AsyncWebSocketSession, number: int) -> None:
        self._session = session
        self._number = number

    def is_set(self) -> bool:
        return self._session._state.pongs_answered >= self._number

    async def wait(self, timeout: float | None = None) -> bool:
        """True once the pong came (what httpx2's event returns then); past ``timeout`` it
        raises ``WebSocketTimeout`` (httpx2's returns False), and the session's end (a
        ``WebSocketDisconnect``...) if it ends first."""
        session = self._session
        if not await session._wait_until(self.is_set, timeout):
            state = session._state
            if state.ended is not None:
                raise session._end_error()
            raise WebSocketTimeout(f"no pong within {timeout} s")
        return True


class AsyncWebSocketSession:
    """An open WebSocket session (``async with client.websocket(url) as ws``).

    ``send_text``/``send_bytes``/``send_json`` send a message; ``receive_text``/
    ``receive_bytes``/``receive_json`` return the next one (``receive()`` as a ``wsproto``
    event), each with ``timeout=`` in seconds (``WebSocketTimeout``, a ``TimeoutError``);
    ``async for message in ws`` yields ``str``/``bytes`` until a normal close. The server's
    close raises ``WebSocketDisconnect`` with its code and reason. ``subprotocol`` is the one
    the server chose, ``response`` its 101 answer."""

    def __init__(
        self,
        stream: AsyncNetworkStream,
        response: Response,
        backend: AsyncBackend,
        state: WebSocketState,
        subprotocol: str | None,
        *,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        write_timeout: float | None = None,
        close_timeout: float | None = DEFAULT_CLOSE_TIMEOUT_SECONDS,
    ) -> None:
        self.response = response
        self.subprotocol = subprotocol
        self._stream = stream
        self._backend = backend
        self._state = state
        self._messages = state.messages
        self._reader = state.reader
        self._writer = state.writer
        self._lock = backend.create_lock()
        #: On one event loop nothing runs between two statements that do not await: the
        #: reading and sending flags need no lock there (``AsyncBackend.single_threaded``).
        self._lock_free: bool = getattr(backend, "single_threaded", False)
        self._reading = False
        self._read_waiters: list[AsyncEvent] = []
        self._sending = False
        self._send_waiters: list[AsyncEvent] = []
        self._stopped = backend.create_event()  # set when the connection is closed
        self._stream_closed = False
        self._queue_size = queue_size
        self._write_timeout = write_timeout
        self._close_timeout = close_timeout

    # -- receiving -----------------------------------------------------------------------

    async def receive(self, timeout: float | None = None) -> Any:
        """The next message as a ``wsproto`` ``TextMessage`` or ``BytesMessage``."""
        opcode, data = await self._receive(0, timeout)
        return _message_event(opcode, data)

    async def receive_text(self, timeout: float | None = None) -> str:
        """The next message, which must be a text message."""
        messages = self._messages
        while not messages:
            # The usual wait, inlined (one coroutine per message): on one event loop, with
            # no timeout, nobody else reading and the session open, read and parse here.
            if timeout is None and self._lock_free and not self._reading and \
                    self._state.ended is None:
                self._reading = True
                try:
                    data = await self._stream.read(READ_SIZE, None)
                    if data:
                        frame = self._reader.take_messages(data, messages)
                        if frame is not None:
                            self._state.receive_frame(frame)
                    else:
                        self._state.receive_eof()
                except ReadError as exc:
                    self._state.connection_lost(exc)
                except WebSocketProtocolError as exc:
                    self._state.protocol_error(exc)
                finally:
                    self._reading = False
                    if self._read_waiters:
                        self._wake_readers()
                if self._state.outgoing or self._state.reading_done:
                    await self._after_read()
            else:
                await self._fill(timeout)
        opcode, text = messages.popleft()
        if opcode == TEXT:
            return text  # type: ignore[return-value]
        raise _wrong_type(TEXT, opcode, text)

    async def receive_bytes(self, timeout: float | None = None) -> bytes:
        """The next message, which must be a binary message."""
        messages = self._messages
        while not messages:  # as in ``receive_text``
            if timeout is None and self._lock_free and not self._reading and \
                    self._state.ended is None:
                self._reading = True
                try:
                    data = await self._stream.read(READ_SIZE, None)
                    if data:
                        frame = self._reader.take_messages(data, messages)
                        if frame is not None:
                            self._state.receive_frame(frame)
                    else:
                        self._state.receive_eof()
                except ReadError as exc:
                    self._state.connection_lost(exc)
                except WebSocketProtocolError as exc:
                    self._state.protocol_error(exc)
                finally:
                    self._reading = False
                    if self._read_waiters:
                        self._wake_readers()
                if self._state.outgoing or self._state.reading_done:
                    await self._after_read()
            else:
                await self._fill(timeout)
        opcode, payload = messages.popleft()
        if opcode == BINARY:
            return payload  # type: ignore[return-value]
        raise _wrong_type(BINARY, opcode, payload)

    async def receive_json(self, timeout: float | None = None, mode: JSONMode = "text") -> Any:
        if mode == "text":
            return json.loads(await self._receive(TEXT, timeout))
        if mode == "binary":
            return json.loads(await self._receive(BINARY, timeout))
        raise ValueError(f"mode must be 'text' or 'binary', not {mode!r}")

    async def __aiter__(self) -> AsyncIterator[str | bytes]:
        """Each message's ``str`` or ``bytes``, until the session closes normally (1000,
        1001, or a close frame without a code); any other end is raised."""
        while True:
            try:
                _, data = await self._receive(0, None)
            except WebSocketDisconnect as exc:
                if type(exc) is WebSocketDisconnect and exc.code in NORMAL_CLOSURES:
                    return
                raise
            yield data

    async def _receive(self, kind: int, timeout: float | None) -> Any:
        """The next message's data when ``kind`` (TEXT, BINARY) is its opcode, or
        ``(opcode, data)`` for kind 0."""
        if kind == TEXT:
            return await self.receive_text(timeout)
        if kind == BINARY:
            return await self.receive_bytes(timeout)
        messages = self._messages
        if not messages:
            await self._fill(timeout)
        return messages.popleft()

    async def _fill(self, timeout: float | None) -> None:
        """Wait (reading, or while another task or thread reads) until a message is queued;
        raises the session's end, or ``WebSocketTimeout`` past ``timeout``."""
        state = self._state
        messages = state.messages
        deadline = None if timeout is None else time.monotonic() + timeout
        remaining = timeout
        while not messages:
            if state.ended is not None:
                raise self._end_error()
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WebSocketTimeout(f"no WebSocket message within {timeout} s")
            await self._pump(remaining)

    async def _pump(self, timeout: float | None) -> bool:
        """Move incoming data on once: read and parse one piece when nobody else reads, else
        wait until the reader has parsed its piece. False if ``timeout`` passed first."""
        waiter: AsyncEvent | None = None
        if self._lock_free:
            if self._reading:
                waiter = self._backend.create_event()
                self._read_waiters.append(waiter)
            else:
                self._reading = True
        else:
            with self._lock:
                if self._reading:
                    waiter = self._backend.create_event()
                    self._read_waiters.append(waiter)
                else:
                    self._reading = True
        if waiter is not None:
            try:
                return await waiter.wait(timeout)
            finally:
                with self._lock:
                    if waiter in self._read_waiters:
                        self._read_waiters.remove(waiter)
        state = self._state
        try:
            try:
                data = await self._stream.read(READ_SIZE, timeout)
            except ReadTimeout:
                return False
            except ReadError as exc:
                state.connection_lost(exc)
            else:
                if data:
                    state.receive_data(data)
                else:
                    state.receive_eof()
        finally:
            if self._lock_free:
                self._reading = False
                if self._read_waiters:
                    self._wake_readers()
            else:
                with self._lock:
                    self._reading = False
                    waiters = self._read_waiters
                    self._read_waiters = []
                for each in waiters:
                    each.set()
        if state.outgoing or state.reading_done:
            await self._after_read()
        return True

    def _wake_readers(self) -> None:
        """The read is over: those who waited for it look again (one event loop)."""
        waiters = self._read_waiters
        self._read_waiters = []
        for each in waiters:
            each.set()

    async def _after_read(self) -> None:
        """Send what the read made the protocol answer; close the connection once nothing
        more will be read."""
        if self._state.outgoing:
            await self._flush()
        if self._state.reading_done:
            await self._close_stream()

    async def _wait_until(self, done: Callable[[], bool], timeout: float | None) -> bool:
        """Read until ``done()``; False if the session ended or ``timeout`` passed first."""
        state = self._state
        deadline = None if timeout is None else time.monotonic() + timeout
        remaining = timeout
        while not done():
            if state.reading_done or self._stream_closed:
                return done()
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
            await self._pump(remaining)
        return True

    def _end_error(self) -> WebSocketError:
        """A fresh copy of the error that ended the session (raised once per receive)."""
        ended = self._state.ended
        assert ended is not None
        fresh: WebSocketError
        if isinstance(ended, WebSocketDisconnect):
            fresh = type(ended)(ended.code, ended.reason)
        else:
            fresh = type(ended)(str(ended))
        fresh.__cause__ = ended.__cause__
        return fresh

    # -- sending -------------------------------------------------------------------------

    async def send_text(self, data: str, timeout: float | None | UnsetType = UNSET) -> None:
        """Send a text message; ``timeout``: seconds for the write (default: the client's
        write timeout)."""
        if self._lock_free and not self._sending and not self._state.compressing and \
                self._state.ended is None:
            # The usual send, inlined: one event loop, the gate free, nothing to compress.
            self._sending = True
            try:
                if len(data) < SEND_IN_PIECES:
                    frame = self._writer.frame_text(data)
                    try:
                        await self._stream.write(
                            frame, self._write_timeout if timeout is UNSET else timeout
                        )
                    except (WriteError, WriteTimeout) as exc:
                        await self._write_failed(exc)
                    except BaseException:
                        await self._send_interrupted()
                        raise
                else:
                    if type(data) is not str:  # (``frame_text`` checks the small ones)
                        raise TypeError(
                            f"a text message must be str, not {type(data).__name__}"
                        )
                    await self._write_pieces(
                        self._writer.frame_pieces(TEXT, data),
                        self._write_timeout if timeout is UNSET else timeout,
                    )
            finally:
                if self._send_waiters:
                    self._release_send()
                else:
                    self._sending = False
            return
        await self._send_message(TEXT, data, timeout)

    async def send_bytes(
        self, data: bytes | bytearray | memoryview, timeout: float | None | UnsetType = UNSET
    ) -> None:
        """Send a binary message."""
        if self._lock_free and not self._sending and not self._state.compressing and \
                self._state.ended is None:  # as in ``send_text``
            self._sending = True
            try:
                if len(data) < SEND_IN_PIECES:
                    frame = self._writer.frame(BINARY, bytes(data))
                    try:
                        await self._stream.write(
                            frame, self._write_timeout if timeout is UNSET else timeout
                        )
                    except (WriteError, WriteTimeout) as exc:
                        await self._write_failed(exc)
                    except BaseException:
                        await self._send_interrupted()
                        raise
                else:
                    await self._write_pieces(
                        self._writer.frame_pieces(BINARY, bytes(data)),
                        self._write_timeout if timeout is UNSET else timeout,
                    )
            finally:
                if self._send_waiters:
                    self._release_send()
                else:
                    self._sending = False
            return
        await self._send_message(BINARY, data, timeout)

    async def send_json(self, data: Any, mode: JSONMode = "text",
                        timeout: float | None | UnsetType = UNSET) -> None:
        text = json.dumps(data)
        if mode == "text":
            await self._send_message(TEXT, text, timeout)
        elif mode == "binary":
            await self._send_message(BINARY, text.encode("utf-8"), timeout)
        else:
            raise ValueError(f"mode must be 'text' or 'binary', not {mode!r}")

    async def send(self, event: Any) -> None:
        """Send a ``wsproto`` event, as HTTPX-WS does: ``TextMessage``, ``BytesMessage``,
        ``Ping``, ``Pong`` or ``CloseConnection``."""
        from wsproto.events import BytesMessage, CloseConnection, Ping, Pong, TextMessage

        if isinstance(event, (TextMessage, BytesMessage)) and not event.message_finished:
            raise ValueError("sending a message in fragments is not supported")
        if isinstance(event, TextMessage):
            await self.send_text(event.data)
        elif isinstance(event, BytesMessage):
            await self.send_bytes(event.data)
        elif isinstance(event, Ping):
            await self.ping(bytes(event.payload))
        elif isinstance(event, Pong):
            await self._send_control(self._state.writer.frame(PONG, bytes(event.payload)))
        elif isinstance(event, CloseConnection):
            await self.close(event.code, event.reason)
        else:
            raise TypeError(f"cannot send {type(event).__name__}")

    async def ping(self, payload: bytes = b"") -> AsyncPong:
        """Send a ping (``payload``, or 4 random bytes); ``await (await ws.ping()).wait()``
        waits for its pong."""
        self._check_open()
        number, frame = self._state.ping_frame(payload or None)
        await self._send_control(frame)
        return AsyncPong(self, number)

    def _check_open(self) -> None:
        state = self._state
        if state.close_sent or state.ended is not None:
            if state.ended is None:  # pragma: no cover - closing always sets ``ended``
                raise WebSocketDisconnect(1000, "the session is closing")
            raise self._end_error()

    async def _send_message(
        self, opcode: int, data: str | bytes | bytearray | memoryview,
        timeout: float | None | UnsetType,
    ) -> None:
        if opcode == TEXT:
            if not isinstance(data, str):
                raise TypeError(f"a text message must be str, not {type(data).__name__}")
            payload = data.encode("utf-8")
        else:
            payload = bytes(data)  # type: ignore[arg-type]
        state = self._state
        if state.ended is not None:
            self._check_open()
        await self._acquire_send()
        try:
            # Built with the gate held: compressed messages must leave in the order the
            # compression context saw them.
            frame = state.message_frame(opcode, payload)
            if timeout is UNSET:
                timeout = self._write_timeout
            if type(frame) is bytes:
                await self._write(frame, timeout)
            else:
                await self._write_pieces(frame, timeout)  # type: ignore[arg-type]
        finally:
            self._release_send()

    async def _write_pieces(self, pieces: Iterable[bytes], timeout: float | None) -> None:
        """Write a frame given in pieces, each built only once the one before was taken: the
        transport's buffer, not a frame-sized copy, holds what the socket has not sent.
        ``timeout`` is for the whole frame, as for a frame written at once."""
        write = self._stream.write
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            for piece in pieces:
                if deadline is not None:
                    timeout = max(deadline - time.monotonic(), 0.0)
                await write(piece, timeout)
        except (WriteError, WriteTimeout) as exc:
            await self._write_failed(exc)
        except BaseException:
            await self._send_interrupted()
            raise

    async def _send_control(self, frame: bytes) -> None:
        await self._acquire_send()
        try:
            await self._write(frame, self._write_timeout)
        finally:
            self._release_send()

    async def _flush(self) -> None:
        """Send the frames the protocol queued (pongs, close answers), in order."""
        await self._acquire_send()
        try:
            state = self._state
            while state.outgoing:
                frames = state.outgoing
                state.outgoing = []
                await self._write(b"".join(frames), self._write_timeout)
        except WebSocketError:
            pass  # the session has ended on it: receivers raise why
        finally:
            self._release_send()

    async def _write(self, data: bytes, timeout: float | None) -> None:
        if self._stream_closed:
            raise self._end_error() if self._state.ended is not None else \
                WebSocketNetworkError("the WebSocket connection is closed")
        try:
            await self._stream.write(data, timeout)
        except (WriteError, WriteTimeout) as exc:
            await self._write_failed(exc)
        except BaseException:
            await self._send_interrupted()
            raise

    async def _send_interrupted(self) -> None:
        """A write was cancelled (or interrupted): part of its frame may have left, so the
        connection cannot carry another frame. The session ends; later calls raise."""
        self._state.connection_lost(WriteError("a send was interrupted part way through a frame"))
        await self._close_stream()

    async def _write_failed(self, exc: WriteError | WriteTimeout) -> None:
        """A write failed (a frame may be half sent): the session is over."""
        self._state.connection_lost(exc)
        await self._close_stream()
        raise self._end_error() from exc

    async def _acquire_send(self) -> None:
        waiter: AsyncEvent | None = None
        if self._lock_free:
            if self._sending:
                waiter = self._backend.create_event()
                self._send_waiters.append(waiter)
            else:
                self._sending = True
        else:
            with self._lock:
                if self._sending:
                    waiter = self._backend.create_event()
                    self._send_waiters.append(waiter)
                else:
                    self._sending = True
        if waiter is None:
            return
        try:
            await waiter.wait(None)  # ``_release_send`` hands the gate over to us
        except BaseException:
            with self._lock:
                handed = waiter not in self._send_waiters
                if not handed:
                    self._send_waiters.remove(waiter)
            if handed:
                self._release_send()
            raise

    def _release_send(self) -> None:
        waiter: AsyncEvent | None = None
        if self._lock_free:
            if self._send_waiters:
                waiter = self._send_waiters.pop(0)  # the gate stays taken: handed over
            else:
                self._sending = False
        else:
            with self._lock:
                if self._send_waiters:
                    waiter = self._send_waiters.pop(0)
                else:
                    self._sending = False
        if waiter is not None:
            waiter.set()

    # -- closing -------------------------------------------------------------------------

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the session: send our close frame, wait (up to the close timeout) for the
        server's, then close the connection. Pending and later receives raise
        ``WebSocketDisconnect``. Never raises for a connection that is already gone."""
        state = self._state
        payload = close_payload(code, reason or "")  # ValueError before anything is done
        try:
            if not state.close_sent and not self._stream_closed:
                frame = state.close_frame(payload)
                try:
                    await self._send_control(frame)
                except WebSocketError:
                    return  # the connection is gone (and closed by ``_write``)
            if not state.reading_done and not self._stream_closed:
                await self._wait_until(lambda: state.reading_done, self._close_timeout)
        finally:
            await self._close_stream()

    async def _keepalive(self, interval: float, timeout: float | None) -> None:
        """Ping every ``interval`` seconds; a pong that does not come within ``timeout``
        means the peer is gone: the session ends with ``WebSocketNetworkError``. Reads when
        nobody else does (a pong is only seen by reading). Never raises."""
        state = self._state
        try:
            while not await self._stopped.wait(interval):
                if state.close_sent or state.ended is not None:
                    return
                number, frame = state.ping_frame()
                await self._send_control(frame)
                if timeout is None:
                    continue
                deadline = time.monotonic() + timeout
                while state.pongs_answered < number and state.ended is None:
                    if len(state.messages) >= self._queue_size:
                        break  # unread messages pile up: the peer is alive, we are slow
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        state.connection_lost(
                            TimeoutError(f"no pong to a keepalive ping within {timeout} s")
                        )
                        await self._close_stream()
                        return
                    await self._pump(remaining)
        except WebSocketError:
            return  # the session ended; receivers raise why
        except Exception as exc:  # never out of the task group (no ExceptionGroup)
            state.connection_lost(exc)
            await self._close_stream()

    async def _close_stream(self) -> None:
        """Close the connection (once); a read pending in another task or thread wakes up
        (every backend's close does that, the sync one by shutting the socket down)."""
        if self._stream_closed:
            return
        self._stream_closed = True
        self._stopped.set()
        if self._state.ended is None:  # pragma: no cover - every path sets it first
            self._state.connection_lost(OSError("the connection was closed"))
        await self._stream.aclose()


@asynccontextmanager
async def connect_websocket(
    client: AsyncClient,
    url: URL | str,
    *,
    max_message_size_bytes: int | None = DEFAULT_MAX_MESSAGE_SIZE_BYTES,
    queue_size: int = DEFAULT_QUEUE_SIZE,
    keepalive_ping_interval_seconds: float | None = DEFAULT_KEEPALIVE_PING_INTERVAL_SECONDS,
    keepalive_ping_timeout_seconds: float | None = DEFAULT_KEEPALIVE_PING_TIMEOUT_SECONDS,
    close_timeout_seconds: float | None = DEFAULT_CLOSE_TIMEOUT_SECONDS,
    subprotocols: Sequence[str] | None = None,
    compression: str | None = "deflate",
    params: QueryParamTypes = None,
    headers: HeaderTypes | None = None,
    cookies: CookieTypes = None,
    auth: AuthTypes | UnsetType = UNSET,
    follow_redirects: bool | UnsetType = UNSET,
    timeout: TimeoutTypes | UnsetType = UNSET,
    extensions: dict[str, Any] | None = None,
) -> AsyncIterator[AsyncWebSocketSession]:
    """Open a session (see ``AsyncClient.websocket``); closed when the block ends."""
    _require_wsproto()
    if compression not in ("deflate", None):
        raise ValueError(f"compression must be 'deflate' or None, not {compression!r}")
    target = str(url)
    scheme, sep, rest = target.partition("://")
    if sep and scheme.lower() in _SCHEMES:
        target = _SCHEMES[scheme.lower()] + "://" + rest
    key = new_key()
    merged = Headers(headers)
    offered = list(subprotocols) if subprotocols is not None else \
        [p.strip() for v in merged.get_list("sec-websocket-protocol")
         for p in v.split(",") if p.strip()]
    merged.update(handshake_headers(key, offered, compression == "deflate"))
    request_extensions = dict(extensions) if extensions else {}
    request_extensions["upgrade"] = b"websocket"
    request = client.build_request(
        "GET", target, params=params, headers=merged, cookies=cookies, timeout=timeout,
        extensions=request_extensions,
    )
    response = await client.send(
        request, stream=True, auth=auth, follow_redirects=follow_redirects
    )
    if response.status_code != 101:
        try:
            await response.aread()
        finally:
            await response.aclose()
        if response.http_version == "HTTP/2":  # the handshake lost its Upgrade fields
            # The client's own pool never does this (upgrades get HTTP/1.1 connections):
            # a transport of the user's (mounts=, transport=) sent it over HTTP/2.
            raise WebSocketUpgradeError(
                response,
                f"the server answered the WebSocket handshake with {response.status_code} over "
                "HTTP/2, where this client does not run WebSockets (RFC 8441): the transport "
                "sent it over HTTP/2 instead of HTTP/1.1",
            )
        raise WebSocketUpgradeError(response)
    stream = response.extensions.get("network_stream")
    if stream is None:
        await response.aclose()
        raise WebSocketUpgradeError(
            response, "the transport answered 101 but does not hand its connection over"
        )
    try:
        subprotocol, deflate = validate_response(
            response, key, offered, compression == "deflate"
        )
    except BaseException:
        await stream.aclose()
        raise
    prefix = b""
    if isinstance(stream, AsyncPrefixedStream):
        prefix = stream.prefix
        stream = stream.stream
    limit = max_message_size_bytes if max_message_size_bytes is not None else 1 << 64
    state = WebSocketState(limit, deflate)
    write_timeout = request.extensions["timeout"].get("write")
    session = AsyncWebSocketSession(
        stream, response, client._backend, state, subprotocol,
        queue_size=queue_size, write_timeout=write_timeout,
        close_timeout=close_timeout_seconds,
    )
    group = None
    try:
        if prefix:  # frames that arrived with the 101 head
            state.receive_data(prefix)
            if state.outgoing:
                await session._flush()
        if keepalive_ping_interval_seconds is not None:
            group = client._backend.create_task_group()
            await group.__aenter__()
            group.start_soon(
                session._keepalive, keepalive_ping_interval_seconds,
                keepalive_ping_timeout_seconds,
            )
        yield session
    finally:
        try:
            await session.close()
        finally:
            if group is not None:
                group.cancel()
                await group.__aexit__(None, None, None)
