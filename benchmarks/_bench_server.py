"""The benchmark's HTTP/1.1 server: as little work per request as possible, in its own process.

Client benchmarks must measure the client, so the server is a minimal asyncio ``Protocol``
(on uvloop when installed), run in a separate process pinned to CPU 0. It parses nothing but
the request head boundary (``\\r\\n\\r\\n``, RFC 9112 §2.1), so pipelined and partial request
bytes are handled by buffering; requests are assumed to have no body (GET). Routes:

- ``GET /``          -> ``200 OK``, ``Content-Length: 13``, ``Hello, world!`` (keep-alive)
- ``GET /big``       -> 100 MiB body with Content-Length, written under flow control
- ``GET /big/{mib}`` -> ``mib`` MiB

With ``--tls CERTFILE`` the same protocol runs over TLS (S5). With ``--h2`` a minimal HTTP/2
server built on ``h2`` answers every request with ``Hello, world!`` (cleartext, prior
knowledge; S6): h2 is pure Python, so it does no more than the protocol needs (no header
validation, one write per received batch).

Run: ``python3 benchmarks/_bench_server.py [--port 0] [--cpu 0] [--tls CERT | --h2]``; it
prints ``PORT <n>`` on stdout once listening and serves until SIGTERM/SIGINT or until its
parent process exits.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from typing import Any, cast

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


class H2BenchProtocol(asyncio.Protocol):
    """HTTP/2 (h2c) connection: answer each request when its stream ends."""

    def __init__(self) -> None:
        import h2.config
        import h2.connection
        import h2.events

        self.events = h2.events
        config = h2.config.H2Configuration(
            client_side=False, header_encoding=None, validate_inbound_headers=False,
            validate_outbound_headers=False, normalize_outbound_headers=False,
            normalize_inbound_headers=False,
        )
        self.conn = h2.connection.H2Connection(config=config)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.conn.update_settings({0x3: 1000})  # MAX_CONCURRENT_STREAMS
        self.conn.initiate_connection()
        self.transport.write(self.conn.data_to_send())

    def data_received(self, data: bytes) -> None:
        conn = self.conn
        try:
            events = conn.receive_data(data)
        except Exception:
            if self.transport is not None:
                self.transport.close()
            return
        ended = self.events.StreamEnded
        received = self.events.DataReceived
        for event in events:
            if type(event) is ended:
                conn.send_headers(event.stream_id, H2_HEADERS)
                conn.send_data(event.stream_id, b"Hello, world!", end_stream=True)
            elif type(event) is received:
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        out = conn.data_to_send()
        if out and self.transport is not None:
            self.transport.write(out)


H2_HEADERS = [(b":status", b"200"), (b"content-length", b"13"),
              (b"content-type", b"text/plain")]


async def serve(port: int, tls: str | None = None, h2: bool = False) -> None:
    loop = asyncio.get_running_loop()
    context = None
    if tls:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls)
        context.set_alpn_protocols(["http/1.1"])
    factory: Any = H2BenchProtocol if h2 else BenchProtocol
    server = await loop.create_server(factory, "127.0.0.1", port, backlog=1024, ssl=context)
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
    parser.add_argument("--tls", default=None, help="serve over TLS with this cert+key PEM")
    parser.add_argument("--h2", action="store_true", help="serve HTTP/2 (h2c) with h2")
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    if not args.no_uvloop:
        try:
            import uvloop

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        except ImportError:
            pass
    asyncio.run(serve(args.port, args.tls, args.h2))

if __name__ == "__main__":
    main()
