"""A hostile HTTP/2 server (cleartext, prior knowledge) that answers requests with scripted raw
bytes, for the connection errors of RFC 9113 §5.4.1 seen from the client side.

Per connection: read the client's preface and frames until its first HEADERS, write
``attack(stream_id)`` (bytes, hand-made with ``tests.http2.frames``), then keep reading what
the client sends until it closes (at most ``TIMEOUT`` seconds), recording it: the test looks
for the client's GOAWAY and its error code. Kept out of the ``_async`` test modules so that
generating the sync tests leaves this asyncio server alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import hpack

from tests.http2 import frames as f
from tests.kit.loop_thread import LoopThread

TIMEOUT = 5.0

Attack = Callable[[int], bytes]


class HostileH2Server:
    def __init__(self, attack: Attack) -> None:
        self.attack = attack
        self.port = 0
        self.received: list[bytes] = []  # everything each connection's client sent
        self.finished = 0  # connections over (the client closed, or TIMEOUT passed)
        self._thread = LoopThread(name="h2-hostile", timeout=10.0)
        self._server: asyncio.base_events.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def all_finished(self) -> bool:
        return self.finished == len(self.received)

    def goaway_codes(self) -> list[int | None]:
        """The error code of the GOAWAY each connection's client sent (None: none)."""
        return [f.goaway_code(raw) for raw in self.received]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen = bytearray()
        self.received.append(b"")
        index = len(self.received) - 1
        try:
            stream_id = None
            while stream_id is None:
                chunk = await asyncio.wait_for(reader.read(65536), TIMEOUT)
                if not chunk:
                    return
                seen += chunk
                body = bytes(seen[len(f.PREFACE):])
                for kind, _flags, sid, _payload in f.parse_frames(body):
                    if kind == f.HEADERS:
                        stream_id = sid
                        break
            writer.write(self.attack(stream_id))
            await writer.drain()
            while True:
                chunk = await asyncio.wait_for(reader.read(65536), TIMEOUT)
                if not chunk:
                    break
                seen += chunk
        except (ConnectionError, asyncio.TimeoutError):
            pass
        finally:
            self.received[index] = bytes(seen)
            self.finished += 1
            writer.close()

    def start(self) -> HostileH2Server:
        self._thread.start()

        async def listen() -> asyncio.base_events.Server:
            return await asyncio.start_server(self._handle, "127.0.0.1", 0)

        self._server = self._thread.call(listen())
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if not self._thread.running:
            return
        server = self._server

        async def close() -> None:
            if server is not None:
                server.close()

        try:
            self._thread.call(close())
        finally:
            self._thread.stop()


# -- the attacks ------------------------------------------------------------------------------

PROTOCOL_ERROR, FLOW_CONTROL_ERROR, STREAM_CLOSED, FRAME_SIZE_ERROR = 0x1, 0x3, 0x5, 0x6
COMPRESSION_ERROR, ENHANCE_YOUR_CALM = 0x9, 0xB

_SETTINGS = f.settings((3, 100))


def _head(stream_id: int, end_stream: bool = False) -> bytes:
    return f.headers(hpack.Encoder(), stream_id, [(b":status", b"200")], end_stream)


def _ok(stream_id: int) -> bytes:
    return _head(stream_id) + f.data(stream_id, b"ok", True)


#: name -> (attack, error codes the compiled core must send, codes the h2 twin may send;
#: an empty tuple: the twin need not fail the connection, see the test).
ATTACKS: dict[str, tuple[Attack, tuple[int, ...], tuple[int, ...]]] = {
    "preface-not-settings": (lambda sid: _head(sid), (PROTOCOL_ERROR,), (PROTOCOL_ERROR,)),
    "settings-bad-length": (lambda sid: f.frame(f.SETTINGS, 0, 0, b"\0\3\0\0\0"),
                            (FRAME_SIZE_ERROR,), (FRAME_SIZE_ERROR, PROTOCOL_ERROR)),
    "settings-max-frame-size-too-small": (lambda sid: f.settings((5, 100)), (PROTOCOL_ERROR,),
                                          (PROTOCOL_ERROR,)),
    "settings-initial-window-too-big": (lambda sid: f.settings((4, 2**31)),
                                        (FLOW_CONTROL_ERROR,), (FLOW_CONTROL_ERROR,)),
    "frame-too-large": (lambda sid: _SETTINGS + f.data(sid, b"x" * 70000),
                        (FRAME_SIZE_ERROR,), (FRAME_SIZE_ERROR,)),
    "hpack-index-zero": (lambda sid: _SETTINGS + f.frame(f.HEADERS, f.END_HEADERS, sid, b"\x80"),
                         (COMPRESSION_ERROR,), (COMPRESSION_ERROR, PROTOCOL_ERROR)),
    "oversized-header-list": (
        lambda sid: _SETTINGS + f.headers(
            hpack.Encoder(), sid,
            [(b":status", b"200")] + [(b"x-big-%d" % i, b"v" * 30000) for i in range(10)],
            pieces=8),
        (ENHANCE_YOUR_CALM,), (ENHANCE_YOUR_CALM,)),
    "connection-window-overflow": (lambda sid: _SETTINGS + f.window_update(0, 2**31 - 1),
                                   (FLOW_CONTROL_ERROR,), (FLOW_CONTROL_ERROR,)),
    # h2 resets just the stream (RST_STREAM FLOW_CONTROL_ERROR, as §6.9.1 allows).
    "stream-window-overflow": (lambda sid: _SETTINGS + f.window_update(sid, 2**31 - 1),
                               (FLOW_CONTROL_ERROR,), ()),
    "data-on-idle-stream": (lambda sid: _SETTINGS + f.data(sid + 2, b"x"), (PROTOCOL_ERROR,),
                            (PROTOCOL_ERROR, STREAM_CLOSED)),
    "push-promise": (lambda sid: _SETTINGS + f.frame(f.PUSH_PROMISE, f.END_HEADERS, sid,
                                                     b"\0\0\0\2\x82"),
                     (PROTOCOL_ERROR,), (PROTOCOL_ERROR,)),
    "continuation-flood": (
        lambda sid: _SETTINGS + f.frame(f.HEADERS, 0, sid, b"\x88")
        + f.frame(f.CONTINUATION, 0, sid, b"") * 2000,
        (ENHANCE_YOUR_CALM,), (PROTOCOL_ERROR, ENHANCE_YOUR_CALM)),
    "ping-flood": (lambda sid: _SETTINGS + f.ping() * 5000, (ENHANCE_YOUR_CALM,),
                   (ENHANCE_YOUR_CALM,)),
    "settings-flood": (lambda sid: _SETTINGS * 5000, (ENHANCE_YOUR_CALM,), (ENHANCE_YOUR_CALM,)),
    "rapid-reset-then-data": (
        lambda sid: _SETTINGS + f.rst_stream(sid, 0x2) + f.rst_stream(sid, 0x2) * 3000,
        (ENHANCE_YOUR_CALM, 0), ()),
    "data-after-end-stream": (lambda sid: _SETTINGS + _ok(sid) + f.data(sid, b"late", True),
                              (STREAM_CLOSED,), ()),
    "malformed-status": (
        lambda sid: _SETTINGS + f.headers(hpack.Encoder(), sid, [(b":status", b"2x0")], True),
        (PROTOCOL_ERROR,), (PROTOCOL_ERROR,)),
    "uppercase-field-name": (
        lambda sid: _SETTINGS + f.headers(hpack.Encoder(), sid,
                                          [(b":status", b"200"), (b"X-Upper", b"1")], True),
        (PROTOCOL_ERROR,), (PROTOCOL_ERROR,)),
}
