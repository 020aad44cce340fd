"""The SSE benchmark's server: an LLM-token-like ``text/event-stream``, in its own process.

Client benchmarks must measure the client, so this is a minimal asyncio ``Protocol`` (on
uvloop when installed), pinned to a CPU of its own. It parses nothing but the request head
boundary and the query of ``GET /sse?events=N&gap_us=G``, and answers with a chunked
``text/event-stream`` of N events shaped like a chat-completion token stream (one JSON object
per ``data`` line, about 170 bytes an event, the last one ``data: [DONE]``), each event its
own chunk. With ``gap_us`` > 0 the events are written one at a time, that many microseconds
apart (each arrives at the client in its own read, as tokens do; uvloop timers count whole
milliseconds, so use multiples of 1000); with 0 they are written all
at once (the client reads them in a few large pieces). Connections are kept alive.

Run: ``python3 benchmarks/_bench_sse_server.py [--cpu 0]``; it prints ``PORT <n>`` once
listening and serves until SIGTERM/SIGINT or until its parent process exits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n"
)
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
MAX_HEAD = 64 * 1024


def token_event(index: int) -> bytes:
    """One event of a chat-completion stream, framed as one chunk."""
    payload = {
        "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000,
        "model": "bench-model",
        "choices": [{"index": 0, "delta": {"content": f" tok{index}"}, "finish_reason": None}],
    }
    event = b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(event), event)


DONE = b"data: [DONE]\n\n"
DONE_CHUNK = b"%x\r\n%s\r\n" % (len(DONE), DONE)
LAST_CHUNK = b"0\r\n\r\n"
_EVENTS = [token_event(i) for i in range(4096)]


def stream_chunks(events: int) -> list[bytes]:
    """The chunks of an ``events``-event stream: the head first, the last chunk last."""
    body = [_EVENTS[i % len(_EVENTS)] for i in range(max(events - 1, 0))]
    return [HEAD, *body, DONE_CHUNK, LAST_CHUNK] if events else [HEAD, LAST_CHUNK]


class SSEProtocol(asyncio.Protocol):
    """One connection: answer each request head with an event stream, in order."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.queue: list[tuple[list[bytes], float]] = []  # streams waiting to be sent
        self.sending = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        while (end := buffer.find(b"\r\n\r\n")) >= 0:
            head, buffer = buffer[:end], buffer[end + 4:]
            self.request(head)
        if len(buffer) > MAX_HEAD and self.transport is not None:
            self.transport.close()
        self.buffer = buffer

    def request(self, head: bytes) -> None:
        target = head.split(b" ", 2)[1].decode("latin-1")
        parts = urlsplit(target)
        if parts.path != "/sse":
            self.queue.append(([NOT_FOUND], 0.0))
        else:
            query = parse_qs(parts.query)
            events = int(query.get("events", ["50"])[0])
            gap = int(query.get("gap_us", ["0"])[0]) / 1e6
            self.queue.append((stream_chunks(events), gap))
        if not self.sending:
            self.next_stream()

    def next_stream(self) -> None:
        if not self.queue or self.transport is None or self.transport.is_closing():
            self.sending = False
            return
        self.sending = True
        chunks, gap = self.queue.pop(0)
        if gap <= 0:
            self.transport.write(b"".join(chunks))
            self.next_stream()
            return
        self.transport.write(chunks[0])
        self.drip(chunks, 1, gap)

    def drip(self, chunks: list[bytes], index: int, gap: float) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.write(chunks[index])
        if index + 1 == len(chunks):
            self.next_stream()
            return
        if index + 2 == len(chunks):  # the last chunk right after the last event
            self.drip(chunks, index + 1, gap)
            return
        asyncio.get_running_loop().call_later(gap, self.drip, chunks, index + 1, gap)


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(SSEProtocol, "127.0.0.1", port, backlog=1024)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    parent = os.getppid()

    async def watch_parent() -> None:
        while os.getppid() == parent:
            await asyncio.sleep(1)
        if not stop.done():
            stop.set_result(None)

    watcher = loop.create_task(watch_parent())
    await stop
    watcher.cancel()
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cpu", type=int, default=None)
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    runner: Any = asyncio.run
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        pass
    runner(serve(args.port))


if __name__ == "__main__":
    main()
