"""Servers for the server-sent events tests: scripted raw handlers and an ASGI app.

Raw handlers (``tests.kit.raw_server``) send an event stream exactly as scripted: framed by
chunked coding, Content-Length or the close, piece by piece with pauses so that each piece
reaches the client in its own read, and broken off mid-stream to test reconnection. Every
request is recorded with the time it arrived (``Recorder``). ``sse_app`` is an ASGI app for
uvicorn: ``/events?n=N`` streams N events; ``/resume`` streams events after the
``Last-Event-ID`` it receives and fails mid-stream the first time, so that uvicorn aborts the
connection.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import parse_qs

from tests.kit.raw_server import Handler, RawConnection

EVENT_STREAM = "text/event-stream"


def head(status: int = 200, content_type: str = EVENT_STREAM, framing: str = "chunked",
         length: int = 0, extra: Sequence[tuple[str, str]] = ()) -> bytes:
    """A response head: ``framing`` is ``chunked``, ``length`` (Content-Length) or ``close``."""
    reason = {200: "OK", 204: "No Content", 404: "Not Found"}.get(status, "Status")
    lines = [f"HTTP/1.1 {status} {reason}"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    lines += [f"{name}: {value}" for name, value in extra]
    if framing == "chunked":
        lines.append("Transfer-Encoding: chunked")
    elif framing == "length":
        lines.append(f"Content-Length: {length}")
    else:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data) if data else b""


LAST_CHUNK = b"0\r\n\r\n"


def request_header(request: bytes, name: str) -> str | None:
    """The value of header ``name`` in raw request bytes (first one), or None."""
    wanted = name.lower().encode()
    for line in request.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        field, _, value = line.partition(b":")
        if field.strip().lower() == wanted:
            return value.strip().decode("utf-8")
    return None


class Recorder:
    """What a scripted server saw: each request's bytes and arrival time, in order."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        self.times: list[float] = []

    def record(self, request: bytes) -> int:
        self.requests.append(request)
        self.times.append(time.monotonic())
        return len(self.requests) - 1

    def header(self, index: int, name: str) -> str | None:
        return request_header(self.requests[index], name)


def stream_pieces(pieces: Sequence[bytes], *, framing: str = "chunked", delay: float = 0.0,
                  recorder: Recorder | None = None, status: int = 200,
                  content_type: str = EVENT_STREAM,
                  extra: Sequence[tuple[str, str]] = ()) -> Handler:
    """Answer every request with the stream ``b"".join(pieces)``, each piece sent on its own
    (a chunk of its own when chunked), ``delay`` seconds apart."""

    async def handler(conn: RawConnection) -> None:
        while request := await conn.read_request():
            if recorder is not None:
                recorder.record(request)
            body = b"".join(pieces)
            await conn.send(head(status, content_type, framing, len(body), extra))
            for index, piece in enumerate(pieces):
                if index and delay:
                    await asyncio.sleep(delay)
                await conn.send(chunk(piece) if framing == "chunked" else piece)
            if framing == "chunked":
                await conn.send(LAST_CHUNK)
            elif framing == "close":
                return

    return handler


def split_at_every_byte(data: bytes, delay: float) -> Handler:
    """Request ``i`` gets ``data`` in two chunks cut at byte ``i``, ``delay`` seconds apart."""

    served = 0

    async def handler(conn: RawConnection) -> None:
        nonlocal served
        while await conn.read_request():
            cut = min(served, len(data))
            served += 1
            await conn.send(head())
            await conn.send(chunk(data[:cut]))
            await asyncio.sleep(delay)
            await conn.send(chunk(data[cut:]) + LAST_CHUNK)

    return handler


def gzip_stream(events: Sequence[bytes], delay: float) -> Handler:
    """Each event gzip-compressed and flushed into a chunk of its own (Content-Encoding)."""

    async def handler(conn: RawConnection) -> None:
        while await conn.read_request():
            compressor = zlib.compressobj(wbits=31)
            await conn.send(head(extra=[("Content-Encoding", "gzip")]))
            for event in events:
                await conn.send(chunk(compressor.compress(event)
                                      + compressor.flush(zlib.Z_SYNC_FLUSH)))
                await asyncio.sleep(delay)
            await conn.send(chunk(compressor.flush()) + LAST_CHUNK)

    return handler


#: One step of a scripted reconnection: (what to send, how to end). Endings: ``"end"`` (the
#: last chunk: a clean end of the body), ``"drop"`` (close the connection mid-body),
#: ``"reset"`` (RST mid-body), ``"silent"`` (close without answering).
Step = tuple[bytes, str]


def scripted(steps: Sequence[Step], recorder: Recorder, delay: float = 0.0) -> Handler:
    """Request ``i`` (counted across connections) is answered by ``steps[i]``; a step whose
    bytes do not start with ``HTTP/`` is sent as the body of a chunked event stream. Requests
    past the script get ``204 No Content``."""

    async def handler(conn: RawConnection) -> None:
        while request := await conn.read_request():
            index = recorder.record(request)
            body, ending = steps[index] if index < len(steps) else (b"", "204")
            if ending == "204":
                await conn.send(head(204, "", "length"))
                continue
            if ending == "silent":
                await conn.close()
                return
            if body.startswith(b"HTTP/"):
                await conn.send(body)
                continue
            await conn.send(head())
            if body:
                await conn.send(chunk(body))
            if delay:
                await asyncio.sleep(delay)
            if ending == "end":
                await conn.send(LAST_CHUNK)
            elif ending == "reset":
                conn.reset()
                return
            else:
                await conn.close()
                return

    return handler


# -- the ASGI app --------------------------------------------------------------------------------

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class ResumeState:
    """``/resume``: the Last-Event-ID values received, and whether it has failed once."""

    def __init__(self) -> None:
        self.last_event_ids: list[str | None] = []
        self.failed = False


def sse_app(state: ResumeState) -> Callable[[dict[str, Any], Receive, Send], Awaitable[None]]:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        headers = {k.decode("latin-1").lower(): v.decode("utf-8") for k, v in scope["headers"]}
        query = parse_qs(scope["query_string"].decode())
        start = {"type": "http.response.start", "status": 200,
                 "headers": [(b"content-type", b"text/event-stream; charset=utf-8"),
                             (b"cache-control", b"no-cache")]}
        if scope["path"] == "/events":
            await send(start)
            for index in range(int(query.get("n", ["3"])[0])):
                payload = f'id: {index}\ndata: {{"token": {index}}}\n\n'.encode()
                await send({"type": "http.response.body", "body": payload, "more_body": True})
                await asyncio.sleep(0)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        if scope["path"] == "/echo-headers":
            await send(start)
            lines = "".join(f"data: {name}: {value}\n" for name, value in sorted(headers.items()))
            await send({"type": "http.response.body", "body": (lines + "\n").encode()})
            return
        if scope["path"] == "/resume":
            last = headers.get("last-event-id")
            state.last_event_ids.append(last)
            first = int(last) + 1 if last is not None else 0
            await send(start)
            await send({"type": "http.response.body", "body": b"retry: 10\n\n",
                        "more_body": True})
            for index in range(first, 6):
                payload = f"id: {index}\ndata: {index}\n\n".encode()
                await send({"type": "http.response.body", "body": payload, "more_body": True})
                if index == 2 and not state.failed:
                    state.failed = True
                    raise RuntimeError("the app fails mid-stream (on purpose)")
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app
