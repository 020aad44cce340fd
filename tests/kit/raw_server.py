"""A scripted raw-bytes HTTP server, for responses no well-behaved server would send.

Client tests need truncated, malformed, slow and resetting peers. A :class:`RawServer` runs
one async *handler* per accepted connection; the handler drives the connection through a
:class:`RawConnection`: read one request (head, plus body framed by Content-Length or chunked
per RFC 9112 §6), send arbitrary bytes, drip them slowly, half-close, close, or reset (RST by
``SO_LINGER`` 0). ``asyncio.sleep`` works inside handlers. The server runs on its own event
loop in a background thread (see :mod:`tests.kit.loop_thread`), so it serves sync, asyncio,
uvloop and trio clients alike, and it records what it saw: ``connections_accepted``,
``requests`` (raw request bytes in arrival order) and ``errors`` (exceptions raised by
handlers, e.g. a reset from the client).

Usage::

    async def handler(conn: RawConnection) -> None:
        await conn.read_request()
        await conn.send(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nhi")

    with RawServer(handler) as srv:
        ...  # make requests to srv.url

Ready-made handlers: :func:`respond_with`, :func:`close_after`, :func:`reset_after`,
:func:`drip_response`, :func:`never_respond`, :func:`close_immediately`; and
:func:`make_response` builds response bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType

from tests.kit.loop_thread import LoopThread

Handler = Callable[["RawConnection"], Awaitable[None]]

#: Largest request head or chunk-size line :meth:`RawConnection.read_request` accepts.
DEFAULT_READ_LIMIT = 1024 * 1024

#: A small valid keep-alive response.
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, world!"


class RawConnection:
    """One accepted connection, as seen by a handler."""

    def __init__(
        self,
        server: RawServer,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        index: int,
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        #: 0-based order in which this connection was accepted.
        self.index = index
        #: Requests read on this connection by :meth:`read_request`.
        self.requests: list[bytes] = []
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    async def read_request(self) -> bytes:
        """Read one request: its head and, when framed (RFC 9112 §6.3), its body.

        Returns the raw bytes as received, ``b""`` on EOF before any byte, or the partial bytes
        if the peer closed mid-request. Pipelined bytes past the request stay buffered for the
        next call. Each non-empty result is appended to ``self.requests`` and ``server.requests``.
        """
        data = bytearray()
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
            data += head
            framing = _body_framing(bytes(head))
            if framing == "chunked":
                # RFC 9112 §7.1: chunk-size [ext] CRLF data CRLF ... 0 CRLF trailers CRLF
                while True:
                    line = await self.reader.readuntil(b"\r\n")
                    data += line
                    size = int(line.split(b";", 1)[0].strip(), 16)
                    if size == 0:
                        while True:
                            trailer = await self.reader.readuntil(b"\r\n")
                            data += trailer
                            if trailer == b"\r\n":
                                break
                        break
                    data += await self.reader.readexactly(size + 2)
            elif isinstance(framing, int) and framing:
                data += await self.reader.readexactly(framing)
        except asyncio.IncompleteReadError as exc:
            data += exc.partial
        except (ConnectionError, OSError):
            pass
        result = bytes(data)
        if result:
            self.requests.append(result)
            self.server.requests.append(result)
        return result

    async def read(self, n: int = 65536) -> bytes:
        """Read up to ``n`` raw bytes (``b""`` on EOF)."""
        try:
            return await self.reader.read(n)
        except (ConnectionError, OSError):
            return b""

    async def wait_for_eof(self, timeout: float | None = None) -> bytes:
        """Read and return everything until the peer closes (or ``timeout`` passes)."""
        data = bytearray()

        async def _drain() -> None:
            while chunk := await self.read():
                data.extend(chunk)

        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(_drain(), timeout)
        return bytes(data)

    async def send(self, data: bytes) -> None:
        """Write ``data`` and wait until the transport accepted it."""
        self.writer.write(data)
        await self.writer.drain()

    async def drip(self, data: bytes, delay: float, chunk: int = 1) -> None:
        """Send ``data`` ``chunk`` bytes at a time, sleeping ``delay`` seconds between pieces."""
        for start in range(0, len(data), chunk):
            if start:
                await asyncio.sleep(delay)
            await self.send(data[start : start + chunk])

    async def shutdown_write(self) -> None:
        """Half-close: send FIN, keep reading (``socket.shutdown(SHUT_WR)``)."""
        await self.writer.drain()
        if self.writer.can_write_eof():
            self.writer.write_eof()

    def reset(self) -> None:
        """Abort the connection with a TCP RST (``SO_LINGER`` on, timeout 0, then close)."""
        if self._closed:
            return
        self._closed = True
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    async def close(self) -> None:
        """Close gracefully (FIN after pending data is flushed)."""
        if self._closed:
            return
        self._closed = True
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()


def _body_framing(head: bytes) -> int | str:
    """Body length of a request head: an int (0 = no body) or ``"chunked"`` (RFC 9112 §6.3)."""
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            continue
        name = name.strip().lower()
        if name == b"transfer-encoding" and value.strip().lower().endswith(b"chunked"):
            return "chunked"
        if name == b"content-length":
            with contextlib.suppress(ValueError):
                length = int(value.strip())
    return length


class RawServer:
    """Scripted raw-bytes server on 127.0.0.1:0 in a background thread.

    ``handler`` runs once per accepted connection; the connection is closed when it returns
    (unless it already closed or reset it). Use as a context manager or call
    :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        host: str = "127.0.0.1",
        read_limit: int = DEFAULT_READ_LIMIT,
        stop_timeout: float = 5.0,
    ) -> None:
        self.handler = handler
        self.host = host
        self.read_limit = read_limit
        self.stop_timeout = stop_timeout
        self.port = 0
        #: Number of connections accepted so far.
        self.connections_accepted = 0
        #: Raw bytes of every request read by any handler, in order.
        self.requests: list[bytes] = []
        #: Exceptions raised by handlers (a client reset shows up here, it is not re-raised).
        self.errors: list[BaseException] = []
        self._thread = LoopThread(name="kit-raw-server")
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._connections: set[RawConnection] = set()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> RawServer:
        self._thread.start()
        try:
            self._thread.call(self._start())
        except BaseException:
            self._thread.stop()
            raise
        return self

    async def _start(self) -> None:
        self._server = await asyncio.start_server(
            self._on_connection, self.host, 0, limit=self.read_limit
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # A plain callback that starts our own task: asyncio's stream callback would log a
        # cancelled handler task at shutdown as an error.
        index = self.connections_accepted
        self.connections_accepted += 1
        conn = RawConnection(self, reader, writer, index)
        self._connections.add(conn)
        task = asyncio.get_running_loop().create_task(self._run_handler(conn))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_handler(self, conn: RawConnection) -> None:
        try:
            await self.handler(conn)
        except asyncio.CancelledError:
            conn.reset()  # server shutdown: drop the connection, end the task quietly
            return
        except Exception as exc:  # recorded for the test to inspect
            self.errors.append(exc)
        finally:
            self._connections.discard(conn)
        if not conn.closed:
            # Graceful close; if the peer never reads, stop() cancels this wait.
            try:
                await conn.close()
            except asyncio.CancelledError:
                conn.writer.transport.abort()

    async def _stop(self) -> None:
        server = self._server
        if server is not None:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=self.stop_timeout)
        for conn in list(self._connections):
            conn.reset()
        if server is not None:
            await server.wait_closed()
        self._server = None

    def stop(self) -> None:
        """Close the listener and every connection, stop the loop, join the thread. Idempotent."""
        if not self._thread.running:
            return
        try:
            self._thread.call(self._stop(), timeout=self.stop_timeout + 5)
        finally:
            self._thread.stop()

    def __enter__(self) -> RawServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --- ready-made handlers --------------------------------------------------------------------


def make_response(
    status: int = 200,
    body: bytes = b"",
    headers: Sequence[tuple[str, str]] = (),
    *,
    reason: str | None = None,
    chunked: bool = False,
    content_length: bool = True,
    http_version: str = "HTTP/1.1",
) -> bytes:
    """Build response bytes: status line, headers, framing (Content-Length or chunked), body."""
    phrase = reason if reason is not None else _REASONS.get(status, "Unknown")
    lines = [f"{http_version} {status} {phrase}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        payload = (f"{len(body):x}\r\n".encode() + body + b"\r\n" if body else b"") + b"0\r\n\r\n"
    else:
        if content_length:
            lines.append(f"Content-Length: {len(body)}")
        payload = body
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


_REASONS = {
    100: "Continue",
    101: "Switching Protocols",
    200: "OK",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    400: "Bad Request",
    404: "Not Found",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def respond_with(responses: bytes | Sequence[bytes], keep_alive: bool = True) -> Handler:
    """Answer each request with bytes: the same ``bytes`` every time, or one list item per
    request on the connection (the connection closes after the last item).
    ``keep_alive=False`` closes after the first response."""

    async def handler(conn: RawConnection) -> None:
        n = 0
        while await conn.read_request():
            if isinstance(responses, bytes):
                await conn.send(responses)
            else:
                await conn.send(responses[n])
            n += 1
            if not keep_alive or (not isinstance(responses, bytes) and n >= len(responses)):
                return

    return handler


def close_after(n: int, response: bytes = OK) -> Handler:
    """Serve ``n`` requests on each connection with ``response``, then close it (FIN) without
    waiting for the next request; ``n=0`` closes right after reading the first request."""

    async def handler(conn: RawConnection) -> None:
        for _ in range(n):
            if not await conn.read_request():
                return
            await conn.send(response)
        if n == 0:
            await conn.read_request()

    return handler


def reset_after(n: int, response: bytes = OK) -> Handler:
    """Serve ``n`` requests with ``response``, then read the next request and answer with RST."""

    async def handler(conn: RawConnection) -> None:
        for _ in range(n):
            if not await conn.read_request():
                return
            await conn.send(response)
        await conn.read_request()
        conn.reset()

    return handler


def drip_response(response: bytes, delay: float, chunk: int = 1) -> Handler:
    """Answer each request by sending ``response`` slowly (``chunk`` bytes every ``delay`` s)."""

    async def handler(conn: RawConnection) -> None:
        while await conn.read_request():
            await conn.drip(response, delay, chunk)

    return handler


def never_respond() -> Handler:
    """Read the request, then stay silent until the client gives up and closes."""

    async def handler(conn: RawConnection) -> None:
        await conn.read_request()
        await conn.wait_for_eof()

    return handler


def close_immediately(reset: bool = False) -> Handler:
    """Accept, then close (or reset) before reading anything."""

    async def handler(conn: RawConnection) -> None:
        if reset:
            conn.reset()
        else:
            await conn.close()

    return handler
