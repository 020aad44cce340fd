"""WebSocket peers for the client's tests: the ``websockets`` library's server, and scripted
raw frames on a :class:`tests.kit.raw_server.RawServer`.

:class:`WebSocketsServer` runs ``websockets.asyncio.server.serve`` on its own loop in a
background thread (as every kit server does, so sync, asyncio, uvloop and trio clients can use
it) and records what it saw: ``requests`` (each handshake request's headers, lower-cased
names), ``closes`` (``(code, reason)`` of each connection's closing handshake as the server
saw it: the client's close frame, or ``(1006, "")``) and ``errors`` (handler exceptions).
Handlers take the ``websockets`` connection; ready-made ones: :func:`echo`,
:func:`fragmenting_echo`, :func:`close_with`, :func:`ping_client`, :func:`send_first`,
:func:`silent` (async: they run on the server's loop, also for the generated sync tests).

For the raw side, :func:`accept` answers a client handshake (correctly, or with a chosen
``Sec-WebSocket-Accept``), :func:`frame` builds any server frame (masked or not, any bits),
and :func:`read_frame` reads and unmasks one client frame, so a handler can check which close
code the client sent after a bad frame. The frame code here is independent of fasthttpx's.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from tests.kit.loop_thread import LoopThread
from tests.kit.raw_server import RawConnection

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

WSHandler = Callable[[Any], Awaitable[None]]


class WebSocketsServer:
    """``websockets`` server on 127.0.0.1:0; ``url`` is ``ws://127.0.0.1:port``. Extra
    keyword arguments go to ``serve()`` (``compression``, ``subprotocols``, ``max_size``,
    ``ssl``...)."""

    def __init__(self, handler: WSHandler, **options: Any) -> None:
        self.handler = handler
        self.options = {"compression": None, "max_size": None, "ping_interval": None,
                        **options}
        self.port = 0
        self.requests: list[dict[str, str]] = []
        self.closes: list[tuple[int, str]] = []
        self.errors: list[BaseException] = []
        self.connections: list[Any] = []
        self._thread = LoopThread(name="kit-websockets")
        self._server: Any = None
        self._scheme = "wss" if options.get("ssl") is not None else "ws"

    @property
    def url(self) -> str:
        return f"{self._scheme}://127.0.0.1:{self.port}"

    def start(self) -> WebSocketsServer:
        self._thread.start()
        try:
            self._thread.call(self._start())
        except BaseException:
            self._thread.stop()
            raise
        return self

    async def _start(self) -> None:
        from websockets.asyncio.server import serve

        def record(connection: Any, request: Any) -> None:
            self.requests.append({k.lower(): v for k, v in request.headers.raw_items()})

        self._server = await serve(
            self._run, "127.0.0.1", 0, process_request=record, **self.options
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _run(self, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        self.connections.append(ws)
        try:
            try:
                await self.handler(ws)
            except ConnectionClosed:
                pass
            except Exception as exc:  # recorded for the test to inspect
                self.errors.append(exc)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.wait_closed(), 10)
        finally:
            # Recorded even when ``stop()`` cancels us: a client on uvloop whose loop is
            # blocked in this server's synchronous ``stop()`` has aborted its socket, but the
            # fd is only closed on its loop's next turn, so the FIN can come after we stop.
            rcvd = ws.protocol.close_rcvd
            self.closes.append((rcvd.code, rcvd.reason) if rcvd is not None else (1006, ""))

    async def _stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        try:
            await asyncio.wait_for(asyncio.shield(self._server.wait_closed()), 1)
        except Exception:
            # A client can be waiting on us in its own blocked loop (``stop()`` is called
            # from inside async tests): its aborted socket is only closed on the loop's next
            # turn. Drop those connections instead of waiting for a FIN that cannot come yet.
            for ws in self.connections:
                ws.transport.abort()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    def stop(self) -> None:
        try:
            if self._thread.running:
                self._thread.call(self._stop())
        finally:
            self._thread.stop()

    def __enter__(self) -> WebSocketsServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


async def echo(ws: Any) -> None:
    async for message in ws:
        await ws.send(message)


async def fragmenting_echo(ws: Any) -> None:
    """Each message sent back in fragments of at most 1000 bytes (characters for text)."""
    async for message in ws:
        pieces = [message[i:i + 1000] for i in range(0, len(message), 1000)] or [message]
        await ws.send(pieces)


def close_with(code: int, reason: str, after: int = 0) -> WSHandler:
    """Echo ``after`` messages, then close with ``code`` and ``reason``."""

    async def handler(ws: Any) -> None:
        for _ in range(after):
            await ws.send(await ws.recv())
        await ws.close(code, reason)

    return handler


def ping_client(results: list[float]) -> WSHandler:
    """Ping the client and record the round trip (the client answers by itself), then echo."""

    async def handler(ws: Any) -> None:
        pong = await ws.ping(b"server-ping")
        results.append(await asyncio.wait_for(pong, 5))
        await echo(ws)

    return handler


def send_first(message: str | bytes) -> WSHandler:
    """Send ``message`` as soon as the session opens, then read and drop everything."""

    async def handler(ws: Any) -> None:
        await ws.send(message)
        await silent(ws)

    return handler


async def silent(ws: Any) -> None:
    """Read and drop everything until the client closes."""
    async for _ in ws:
        pass


# -- raw frames --------------------------------------------------------------------------------


def accept_value(key: str) -> str:
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def request_key(request: bytes) -> str:
    for line in request.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"sec-websocket-key":
            return value.strip().decode()
    raise AssertionError("no Sec-WebSocket-Key in the request")


async def accept(
    conn: RawConnection,
    *,
    accept: str | None = None,
    extra: bytes = b"",
    trailing: bytes = b"",
) -> bytes:
    """Read the handshake request and answer 101 (``accept`` overrides the right value;
    ``extra`` header lines; ``trailing``: bytes sent in the same write as the head)."""
    request = await conn.read_request()
    value = accept if accept is not None else accept_value(request_key(request))
    await conn.send(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + value.encode() + b"\r\n" + extra + b"\r\n" + trailing
    )
    return request


def frame(
    opcode: int,
    payload: bytes = b"",
    *,
    fin: bool = True,
    rsv: int = 0,
    mask: bytes | None = None,
    length: int | None = None,
) -> bytes:
    """A frame as a server (or anyone) might send it; ``rsv`` is the RSV1-3 bits (0-7),
    ``mask`` masks it, ``length`` overrides the length field (for truncated frames)."""
    size = len(payload) if length is None else length
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    masked = 0x80 if mask is not None else 0
    if size < 126:
        head = bytes((first, masked | size))
    elif size < 65536:
        head = bytes((first, masked | 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((first, masked | 127)) + size.to_bytes(8, "big")
    if mask is not None:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        head += mask
    return head + payload


async def read_frame(conn: RawConnection, timeout: float = 5.0) -> tuple[int, bool, bytes]:
    """One client frame: ``(opcode, fin, unmasked payload)``; ``(-1, False, b"")`` on EOF."""

    async def read() -> tuple[int, bool, bytes]:
        reader = conn.reader
        try:
            first, second = await reader.readexactly(2)
            size = second & 0x7F
            if size == 126:
                size = int.from_bytes(await reader.readexactly(2), "big")
            elif size == 127:
                size = int.from_bytes(await reader.readexactly(8), "big")
            key = await reader.readexactly(4) if second & 0x80 else b"\0\0\0\0"
            data = await reader.readexactly(size)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            return (-1, False, b"")
        assert second & 0x80, "client frames must be masked"
        return (first & 0x0F, bool(first & 0x80), bytes(b ^ key[i % 4] for i, b in enumerate(data)))

    return await asyncio.wait_for(read(), timeout)


async def read_close_code(conn: RawConnection, timeout: float = 5.0) -> int | None:
    """Read client frames until a close frame: its code (1005 if none), None on EOF."""
    while True:
        opcode, _, payload = await read_frame(conn, timeout)
        if opcode == -1:
            return None
        if opcode == 0x8:
            return int.from_bytes(payload[:2], "big") if payload else 1005


def scripted(*sends: bytes, record: list[Any], close: bool = False,
             trailing: bytes = b"") -> Any:
    """A raw server handler: accept the handshake (``trailing`` sent with the 101 head), send
    each of ``sends``, then record the code of the client's close frame (None if it closed
    without one); with ``close`` the server closes the connection after sending instead."""

    async def handler(conn: RawConnection) -> None:
        await accept(conn, trailing=trailing)
        for data in sends:
            await conn.send(data)
        if close:
            await conn.close()
            return
        record.append(await read_close_code(conn))

    return handler


def handshake_answer(head: bytes, *, body: bytes = b"", record: list[Any]) -> Any:
    """A raw server handler answering the handshake with ``head`` (``{accept}`` in it is
    replaced by the right Sec-WebSocket-Accept) and ``body``; records the bytes the client
    sent afterwards until it closed (b"" when it closed without a word)."""

    async def handler(conn: RawConnection) -> None:
        request = await conn.read_request()
        answer = head.replace(b"{accept}", accept_value(request_key(request)).encode())
        await conn.send(answer + body)
        record.append(await conn.wait_for_eof(10))

    return handler


def unresponsive(record: list[Any]) -> Any:
    """A raw server handler that accepts the handshake, then reads and drops everything
    (never a pong, never a close answer) until the client closes; records the seconds
    from the handshake to the client's close."""

    async def handler(conn: RawConnection) -> None:
        await accept(conn)
        started = asyncio.get_running_loop().time()
        await conn.wait_for_eof(30)
        record.append(asyncio.get_running_loop().time() - started)

    return handler


def not_reading(seconds: float) -> Any:
    """A raw server handler that accepts the handshake, then reads nothing for ``seconds``:
    a big message from the client backs up in the socket buffers and its send waits."""

    async def handler(conn: RawConnection) -> None:
        await accept(conn)
        await asyncio.sleep(seconds)

    return handler


def pinging(payload: bytes, record: list[Any]) -> Any:
    """A raw server handler that pings the client, records the frame it answers with, then
    sends the text message ``pong seen`` and records the client's close code."""

    async def handler(conn: RawConnection) -> None:
        await accept(conn)
        await conn.send(frame(0x9, payload))
        record.append(await read_frame(conn))
        await conn.send(frame(0x1, b"pong seen"))
        record.append(await read_close_code(conn))

    return handler


async def asgi_echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An ASGI app (uvicorn, hypercorn): a WebSocket at any path that echoes messages,
    choosing the first subprotocol offered; plain HTTP gets ``404``, a handshake to
    ``/reject`` is refused (the server answers ``403``). A text message ``close <code>``
    makes it close with that code."""
    if scope["type"] == "lifespan":
        while True:
            event = (await receive())["type"]
            if event == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif event == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    assert (await receive())["type"] == "websocket.connect"
    if scope["path"] == "/reject":
        await send({"type": "websocket.close", "code": 1008})
        return
    offered = scope.get("subprotocols") or []
    await send({"type": "websocket.accept", "subprotocol": offered[0] if offered else None})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is not None and text.startswith("close "):
            await send({"type": "websocket.close", "code": int(text.split()[1])})
            return
        if text is not None:
            await send({"type": "websocket.send", "text": text})
        else:
            await send({"type": "websocket.send", "bytes": message.get("bytes")})
