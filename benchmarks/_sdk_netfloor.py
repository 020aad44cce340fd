"""The network floor of ``bench_sdk.py``: the least an httpx2 transport can do and still go
to the server, so that the benchmark can say what waiting for a socket costs by itself.

One keep-alive connection (an asyncio ``Protocol``), the request head formatted in one line,
the response split at the end of its head and framed by Content-Length or chunked coding,
each chunk handed on as it is decoded. No validation, no pool, no timeouts, no errors: not a
client, a measuring stick. (The MockTransport floor, by contrast, never waits at all.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx2

__all__ = ["NetFloorTransport"]


class _Connection(asyncio.Protocol):
    """Receives bytes; hands them to whoever waits through a queue of pieces."""

    def __init__(self) -> None:
        self.transport: Any = None
        self.pieces: asyncio.Queue[bytes] = asyncio.Queue()

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.pieces.put_nowait(data)


class _Body(httpx2.AsyncByteStream):
    def __init__(self, conn: _Connection, rest: bytes, length: int | None) -> None:
        self._conn = conn
        self._rest = rest
        self._length = length  # None: chunked

    async def __aiter__(self) -> AsyncIterator[bytes]:
        conn, buffer = self._conn, self._rest
        if self._length is not None:
            remaining = self._length
            while True:
                if buffer:
                    remaining -= len(buffer)
                    yield buffer
                if remaining <= 0:
                    return
                buffer = await conn.pieces.get()
        while True:  # chunked: size CRLF data CRLF ... 0 CRLF CRLF
            out = []
            while True:
                line_end = buffer.find(b"\r\n")
                if line_end < 0:
                    break
                size = int(buffer[:line_end], 16)
                if size == 0:
                    while len(buffer) < line_end + 4:  # the empty trailer section's CRLF
                        buffer += await conn.pieces.get()
                    if out:
                        yield b"".join(out)
                    return
                if len(buffer) < line_end + 2 + size + 2:
                    break
                out.append(buffer[line_end + 2:line_end + 2 + size])
                buffer = buffer[line_end + 2 + size + 2:]
            if out:
                yield b"".join(out)
            buffer += await conn.pieces.get()


class NetFloorTransport(httpx2.AsyncBaseTransport):
    def __init__(self) -> None:
        self._conn: _Connection | None = None

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        conn = self._conn
        if conn is None:
            loop = asyncio.get_running_loop()
            _, conn = await loop.create_connection(_Connection, request.url.host,
                                                   request.url.port)
            self._conn = conn
        body = request.content
        head = b"%s %s HTTP/1.1\r\n%s\r\n" % (
            request.method.encode(), request.url.raw_path,
            b"".join([b"%s: %s\r\n" % field for field in request.headers.raw]),
        )
        conn.transport.write(head + body)
        buffer = await conn.pieces.get()
        while b"\r\n\r\n" not in buffer:
            buffer += await conn.pieces.get()
        head_bytes, _, rest = buffer.partition(b"\r\n\r\n")
        lines = head_bytes.split(b"\r\n")
        fields = [tuple(line.split(b": ", 1)) for line in lines[1:]]
        length = None
        for name, value in fields:
            if name.lower() == b"content-length":
                length = int(value)
        return httpx2.Response(int(lines[0][9:12]), headers=fields,
                               stream=_Body(conn, rest, length))
