"""The benchmark's HTTP/1.1 server: as little work per request as possible, in its own process.

Client benchmarks must measure the client, so the server is a minimal asyncio ``Protocol``
(on uvloop when installed), run in a separate process pinned to CPU 0. It parses nothing but
the request head boundary (``\\r\\n\\r\\n``, RFC 9112 §2.1), so pipelined and partial request
bytes are handled by buffering; requests are assumed to have no body (GET). Routes:

- ``GET /``          -> ``200 OK``, ``Content-Length: 13``, ``Hello, world!`` (keep-alive)
- ``GET /big``       -> 100 MiB body with Content-Length, written under flow control
- ``GET /big/{mib}`` -> ``mib`` MiB

Run: ``python3 benchmarks/_bench_server.py [--port 0] [--cpu 0]``; it prints ``PORT <n>`` on
stdout once listening and serves until SIGTERM/SIGINT or until its parent process exits.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from typing import cast

SMALL = (
    b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, world!"
)
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
MIB = 1024 * 1024
#: Default size of ``/big`` in MiB, and the size of each write of its body.
BIG_MIB = 100
BIG_PIECE = 1 * MIB
_BIG_BLOCK = bytes(range(256)) * (BIG_PIECE // 256)
#: Largest request head buffered before the connection is dropped.
MAX_HEAD = 64 * 1024


class BenchProtocol(asyncio.Protocol):
    """One connection: split the byte stream at head ends, answer each request in order."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.paused = False
        self.big_remaining = 0  # bytes of a /big body still to write
        self.backlog: list[bytes] = []  # request targets waiting behind a /big body

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        start = 0
        while True:
            end = buffer.find(b"\r\n\r\n", start)
            if end < 0:
                break
            line_end = buffer.find(b"\r\n", start)
            parts = buffer[start:line_end].split(b" ")
            target = parts[1] if len(parts) == 3 else b""
            start = end + 4
            if self.big_remaining or self.backlog:
                self.backlog.append(target)
            else:
                self.answer(target)
        self.buffer = buffer[start:]
        if len(self.buffer) > MAX_HEAD and self.transport is not None:
            self.transport.close()

    def answer(self, target: bytes) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if target == b"/":
            transport.write(SMALL)
        elif target == b"/big" or target.startswith(b"/big/"):
            mib = int(target[5:]) if target.startswith(b"/big/") else BIG_MIB
            self.big_remaining = mib * MIB
            transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % self.big_remaining)
            self.write_big()
        else:
            transport.write(NOT_FOUND)

    def write_big(self) -> None:
        transport = self.transport
        view = memoryview(_BIG_BLOCK)
        while self.big_remaining and not self.paused and transport is not None:
            n = min(self.big_remaining, BIG_PIECE)
            transport.write(view[:n])
            self.big_remaining -= n
        while not self.big_remaining and self.backlog and not self.paused:
            self.answer(self.backlog.pop(0))

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self.write_big()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(BenchProtocol, "127.0.0.1", port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    parent = os.getppid()

    async def watch_parent() -> None:  # also stop if the benchmark that started us is gone
        while os.getppid() == parent:
            await asyncio.sleep(0.5)
        stop.set()

    watcher = asyncio.ensure_future(watch_parent())
    async with server:
        await stop.wait()
    watcher.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU")
    parser.add_argument("--no-uvloop", action="store_true")
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    if not args.no_uvloop:
        try:
            import uvloop

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        except ImportError:
            pass
    asyncio.run(serve(args.port))

if __name__ == "__main__":
    main()
