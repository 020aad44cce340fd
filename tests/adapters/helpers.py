"""Small helpers for the adapter tests: reading what a raw server received, and a few
scripted server handlers (they run on the kit server's own asyncio loop)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Sequence

from tests.kit.raw_server import Handler, RawConnection, make_response

#: Seconds a handler waits for the test to let it go on.
GATE_TIMEOUT = 5.0


def split_request(raw: bytes) -> tuple[bytes, list[tuple[bytes, bytes]], bytes]:
    """The request line, the header fields (as sent) and the body bytes of a raw request."""
    head, _, body = raw.partition(b"\r\n\r\n")
    line, *fields = head.split(b"\r\n")
    headers = []
    for field in fields:
        name, _, value = field.partition(b":")
        headers.append((name, value.strip()))
    return line, headers, body


def dechunk(body: bytes) -> list[bytes]:
    """The chunks of a chunked body (RFC 9112 §7.1), without extensions or trailers."""
    chunks = []
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return chunks
        chunks.append(body[:size])
        body = body[size + 2:]


def refused_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


async def wait_gate(gate: threading.Semaphore, misses: list[int], index: int) -> None:
    """Wait (polling: the gate is released from the test's thread) until the test lets the
    handler go on; a miss is recorded, and the handler goes on anyway."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GATE_TIMEOUT
    while not gate.acquire(blocking=False):
        if loop.time() > deadline:
            misses.append(index)
            return
        await asyncio.sleep(0.002)


def gated_events(events: Sequence[bytes], gate: threading.Semaphore,
                 misses: list[int]) -> Handler:
    """Answer with a chunked ``text/event-stream``: the head and the first event at once,
    then each further event only after the test released ``gate`` once more."""

    async def handler(conn: RawConnection) -> None:
        await conn.read_request()
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n" \
            b"Transfer-Encoding: chunked\r\n\r\n"
        await conn.send(head + chunk(events[0]))
        for index, event in enumerate(events[1:], 1):
            await wait_gate(gate, misses, index)
            await conn.send(chunk(event))
        await conn.send(b"0\r\n\r\n")
        await conn.read_request()

    return handler


def stalled_stream(first: bytes) -> Handler:
    """The first connection gets a chunked head and one piece, then silence until the client
    goes away; any later connection gets a plain 200 ``ok``."""

    async def handler(conn: RawConnection) -> None:
        await conn.read_request()
        if conn.index == 0:
            await conn.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + chunk(first))
            await conn.wait_for_eof(10.0)
            return
        await conn.send(make_response(200, b"ok"))
        await conn.read_request()

    return handler


def upload_watcher(first_seen: threading.Event, received: list[bytes]) -> Handler:
    """Read a chunked upload piece by piece: ``first_seen`` is set once the first chunk is
    in, before the rest is read; then answer 200."""

    async def handler(conn: RawConnection) -> None:
        reader = conn.reader
        received.append(await reader.readuntil(b"\r\n\r\n"))
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        received.append((await reader.readexactly(size + 2))[:-2])
        first_seen.set()
        received.append(await reader.readuntil(b"0\r\n\r\n"))
        await conn.send(make_response(200, b"ok"))
        await conn.read_request()

    return handler


def delayed(response: bytes, delay: float) -> Handler:
    """Answer each request after ``delay`` seconds."""

    async def handler(conn: RawConnection) -> None:
        while await conn.read_request():
            await asyncio.sleep(delay)
            await conn.send(response)

    return handler


def head_then(response_head: bytes, then: str) -> Handler:
    """Send ``response_head`` (and whatever body bytes it carries), then ``"reset"`` or
    ``"close"`` the connection."""

    async def handler(conn: RawConnection) -> None:
        await conn.read_request()
        await conn.send(response_head)
        await asyncio.sleep(0.05)
        if then == "reset":
            conn.reset()
        else:
            await conn.close()

    return handler


def swallow_head_then_sleep(seconds: float) -> Handler:
    """Read the request head only, then stop reading (the client's upload backs up)."""

    async def handler(conn: RawConnection) -> None:
        await conn.reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(seconds)

    return handler


SWITCH = b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n"


def shouting(received: list[bytes]) -> Handler:
    """Answer 101 with ``first`` right behind the head, then send back in capitals what
    the client writes, then close."""

    async def handler(conn: RawConnection) -> None:
        received.append(await conn.read_request())
        await conn.send(SWITCH + b"first")
        await conn.send((await conn.read()).upper())
        await conn.close()

    return handler


def switch_then_reset() -> Handler:
    """Answer 101, then reset the connection once the client has written something."""

    async def handler(conn: RawConnection) -> None:
        await conn.read_request()
        await conn.send(SWITCH)
        await conn.read()
        conn.reset()

    return handler


def switch_then_wait_eof(record: list[bytes]) -> Handler:
    """Answer 101, then record the request and what arrives until the client closes."""

    async def handler(conn: RawConnection) -> None:
        record.append(await conn.read_request())
        await conn.send(SWITCH)
        record.append(await conn.wait_for_eof(10))

    return handler
